/**
 * Input mapping: sensor events or image intensities → input spikes (model time, input index).
 * Input index = c·H·W + y·W + x over the mapping's [channels, H, W].
 */
import type { EventPacket } from '../events/packet.ts';
import type { EventInputMapping, ImageInputMapping, InputMapping } from './schema.ts';

/** [channels, height, width] of the network input a mapping produces. */
export function inputMappingShape(m: InputMapping): [number, number, number] {
  if (m.kind === 'image') return [m.channels ?? 1, m.height, m.width];
  const f = m.downsample ?? 1;
  const w = m.crop ? m.crop.width : m.sensorWidth;
  const h = m.crop ? m.crop.height : m.sensorHeight;
  return [m.polarity === 'split' ? 2 : 1, Math.ceil(h / f), Math.ceil(w / f)];
}

/**
 * Maps event packets to input spikes through a per-pixel lookup table built once. Events outside
 * the sensor or the crop, and dropped polarities, are skipped and counted in `dropped`.
 */
export class EventInputMapper {
  readonly mapping: EventInputMapping;
  /** Input neurons (channels·H·W). */
  readonly inputSize: number;
  /** Events skipped since construction (outside the crop or sensor, or a dropped polarity). */
  dropped = 0;
  /** Per sensor pixel (y·sensorWidth + x): y'·W + x' in the input, or −1 outside the crop. */
  private readonly pixelIndex: Int32Array;
  /** Offset added per polarity (0 = OFF, 1 = ON); −1 drops it. */
  private readonly polarityOffset: Int32Array;

  constructor(mapping: EventInputMapping) {
    const { sensorWidth: sw, sensorHeight: sh } = mapping;
    if (!Number.isInteger(sw) || sw < 1)
      throw new RangeError(`"sensorWidth" must be an integer ≥ 1, got ${sw}`);
    if (!Number.isInteger(sh) || sh < 1)
      throw new RangeError(`"sensorHeight" must be an integer ≥ 1, got ${sh}`);
    const f = mapping.downsample ?? 1;
    if (!Number.isInteger(f) || f < 1) throw new RangeError(`"downsample" must be an integer ≥ 1, got ${f}`);
    const crop = mapping.crop ?? { x: 0, y: 0, width: sw, height: sh };
    if (crop.x < 0 || crop.y < 0 || crop.x + crop.width > sw || crop.y + crop.height > sh) {
      throw new RangeError(`"crop" ${JSON.stringify(crop)} does not fit the ${sw}×${sh} sensor`);
    }
    this.mapping = mapping;
    const [channels, h, w] = inputMappingShape(mapping);
    this.inputSize = channels * h * w;
    this.pixelIndex = new Int32Array(sw * sh).fill(-1);
    for (let y = crop.y; y < crop.y + crop.height; y++) {
      for (let x = crop.x; x < crop.x + crop.width; x++) {
        this.pixelIndex[y * sw + x] = Math.floor((y - crop.y) / f) * w + Math.floor((x - crop.x) / f);
      }
    }
    const hw = h * w;
    const off: Record<EventInputMapping['polarity'], [number, number]> = {
      split: [0, hw],
      merge: [0, 0],
      on: [-1, 0],
      off: [0, -1],
    };
    this.polarityOffset = Int32Array.from(off[mapping.polarity]);
  }

  /**
   * Writes the input spikes of events [from, to) of `packet` into outTimes/outIndices starting at
   * `outOffset`; time = (tUs − originUs) / timeUnitUs. Returns how many were written (the rest were
   * dropped). The outputs need room for to − from entries.
   */
  map(
    packet: EventPacket,
    from: number,
    to: number,
    originUs: number,
    timeUnitUs: number,
    outTimes: Float64Array,
    outIndices: Int32Array,
    outOffset = 0,
  ): number {
    const { tUs, x, y, p } = packet;
    const sw = this.mapping.sensorWidth;
    const sh = this.mapping.sensorHeight;
    const lut = this.pixelIndex;
    const pol = this.polarityOffset;
    const scale = 1 / timeUnitUs;
    let k = outOffset;
    for (let e = from; e < to; e++) {
      const xe = x[e];
      const ye = y[e];
      if (xe >= sw || ye >= sh) continue;
      const base = lut[ye * sw + xe];
      const po = pol[p[e] ? 1 : 0];
      if (base < 0 || po < 0) continue;
      outTimes[k] = (tUs[e] - originUs) * scale;
      outIndices[k] = base + po;
      k++;
    }
    this.dropped += to - from - (k - outOffset);
    return k - outOffset;
  }
}

/**
 * Encodes an image as TTFS spikes: pixel intensity v in [0, 1] spikes once at window·(1 − v);
 * v = 0 never spikes. `pixels` is channel-major (c·H·W + y·W + x). Returns spikes sorted by time
 * (ties by index). Throws RangeError naming the first intensity outside [0, 1] or NaN.
 */
export function encodeImage(
  pixels: ArrayLike<number>,
  mapping: ImageInputMapping,
): { times: Float64Array; indices: Int32Array } {
  const n = (mapping.channels ?? 1) * mapping.height * mapping.width;
  if (pixels.length !== n) throw new RangeError(`image has ${pixels.length} values, the mapping needs ${n}`);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = pixels[i];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`pixel ${i}: intensity ${v} is outside [0, 1]`);
    if (v > 0) count++;
  }
  const order = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (pixels[i] > 0) order[k++] = i;
  // brighter first; ties by index
  order.sort((a, b) => pixels[b] - pixels[a] || a - b);
  const times = new Float64Array(count);
  const indices = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    indices[j] = order[j];
    times[j] = mapping.window * (1 - pixels[order[j]]);
  }
  return { times, indices };
}
