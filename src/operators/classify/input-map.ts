/**
 * Sensor events → input neuron indices and window-relative model times, as a model's
 * `inputMapping` (kind "events") says: crop, integer downsampling, polarity → channel, then
 * index = c·H·W + y·W + x over the network's input shape [C, H, W] (or [C·H·W]).
 *
 * `mapEventsInto` is a pure kernel: typed arrays in, typed arrays out, returns the count written;
 * events outside the crop, dropped by the polarity rule, or beyond the input are skipped.
 */
import type { EventPacket } from '../../events/packet.ts';
import type { EventInputMapping } from '../../model/schema.ts';

/** The mapping resolved to integers once, for the hot loop. */
export interface ResolvedInputMapping {
  readonly cropX: number;
  readonly cropY: number;
  readonly cropW: number;
  readonly cropH: number;
  readonly factor: number;
  /** 0 split, 1 merge, 2 on only, 3 off only. */
  readonly polarityMode: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

const POLARITY_MODES = { split: 0, merge: 1, on: 2, off: 3 } as const;

/** Checks a mapping against the network's input shape and resolves it. Throws naming the field. */
export function resolveInputMapping(
  mapping: EventInputMapping,
  inputShape: readonly number[],
  modelName: string,
): ResolvedInputMapping {
  const fail = (field: string, msg: string): never => {
    throw new RangeError(`model "${modelName}": inputMapping.${field}: ${msg}`);
  };
  const crop = mapping.crop ?? { x: 0, y: 0, width: mapping.sensorWidth, height: mapping.sensorHeight };
  const factor = mapping.downsample ?? 1;
  if (!Number.isInteger(factor) || factor < 1) fail('downsample', `must be an integer >= 1, got ${factor}`);
  const mode = POLARITY_MODES[mapping.polarity];
  if (mode === undefined)
    fail('polarity', `must be split, merge, on or off, got ${String(mapping.polarity)}`);
  const channels = mapping.polarity === 'split' ? 2 : 1;
  const width = Math.ceil(crop.width / factor);
  const height = Math.ceil(crop.height / factor);
  const size = channels * width * height;
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (size !== inputSize) {
    fail(
      'crop/downsample/polarity',
      `map the sensor to ${channels}×${height}×${width} = ${size} inputs but the network has ${inputSize} (shape [${inputShape.join(', ')}])`,
    );
  }
  return {
    cropX: crop.x,
    cropY: crop.y,
    cropW: crop.width,
    cropH: crop.height,
    factor,
    polarityMode: mode,
    width,
    height,
    channels,
  };
}

/**
 * Maps events [start, end) of `packet` into `outTimes` (model time relative to `originUs`, in
 * units of `timeUnitUs`) and `outIndices`. Returns the number written (≤ end − start).
 */
export function mapEventsInto(
  packet: EventPacket,
  start: number,
  end: number,
  m: ResolvedInputMapping,
  originUs: number,
  timeUnitUs: number,
  outTimes: Float64Array,
  outIndices: Int32Array,
): number {
  const { tUs, x, y, p } = packet;
  const plane = m.width * m.height;
  const mode = m.polarityMode;
  const f = m.factor;
  const inv = 1 / timeUnitUs;
  let n = 0;
  for (let i = start; i < end; i++) {
    const dx = x[i] - m.cropX;
    const dy = y[i] - m.cropY;
    if (dx < 0 || dy < 0 || dx >= m.cropW || dy >= m.cropH) continue;
    let c = 0;
    const pol = p[i];
    if (mode === 0) c = pol > 0 ? 1 : 0;
    else if (mode === 2) {
      if (pol === 0) continue;
    } else if (mode === 3) {
      if (pol !== 0) continue;
    }
    const xi = f === 1 ? dx : (dx / f) | 0;
    const yi = f === 1 ? dy : (dy / f) | 0;
    outIndices[n] = c * plane + yi * m.width + xi;
    outTimes[n] = (tUs[i] - originUs) * inv;
    n++;
  }
  return n;
}
