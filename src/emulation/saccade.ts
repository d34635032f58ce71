/**
 * N-MNIST-style saccades over a still image (Orchard et al. 2015; snn-deployment.md §5.4):
 * the image sits on a larger sensor and moves along three straight saccades that close a
 * triangle, rendered by bilinear sub-pixel resampling at `frameRateHz` and fed through the DVS
 * pixel model.
 *
 *   saccade 1   0–105 ms   drift +3.5 px in x, +7 px in y
 *   saccade 2 105–210 ms   drift +3.5 px in x, −7 px in y
 *   saccade 3 210–315 ms   drift −7 px in x,    0 px in y   (back to the start)
 *
 * The image's top-left corner starts at ((W − w − 7)/2, (H − h − 7)/2) so the 7-pixel motion
 * range is centred on the sensor (for 28×28 in 34×34: −0.5 px; MNIST's 4-pixel blank border
 * keeps the digit itself inside). Grey values map linearly to luma between `blackLevel` and
 * `whiteLevel` (fractions of full scale) before the pixel model's lin-log.
 */
import { PacketBuilder } from '../events/builder.ts';
import type { EventPacket } from '../events/packet.ts';
import { DvsPixelArray, type DvsPixelOptions } from './pixel-model.ts';

/** Duration of one N-MNIST sample: three saccades of 105 ms. */
export const SACCADE_DURATION_US = 315_000;

/** Drift of the image at `tUs` µs into the sample, in pixels (x, y), per the triangle above. */
export function saccadeDrift(tUs: number): [number, number] {
  const seg = 105_000;
  if (tUs <= 0) return [0, 0];
  if (tUs < seg) {
    const s = tUs / seg;
    return [3.5 * s, 7 * s];
  }
  if (tUs < 2 * seg) {
    const s = (tUs - seg) / seg;
    return [3.5 + 3.5 * s, 7 - 7 * s];
  }
  if (tUs < 3 * seg) {
    const s = (tUs - 2 * seg) / seg;
    return [7 - 7 * s, 0];
  }
  return [0, 0];
}

export interface SaccadeOptions {
  /** Sensor width in pixels. Default 34. */
  readonly sensorWidth?: number;
  /** Sensor height in pixels. Default 34. */
  readonly sensorHeight?: number;
  /** Rendering rate in Hz (frames per second of the virtual camera); ≥ 100. Default 1000. */
  readonly frameRateHz?: number;
  /** Luma of grey value 0 as a fraction of full scale (the monitor's black level, 5:1 contrast). Default 0.2. */
  readonly blackLevel?: number;
  /** Luma of grey value 1 as a fraction of full scale. Default 1. */
  readonly whiteLevel?: number;
  /** Pixel model options (thresholds, refractory period, noise, seed). */
  readonly pixel?: DvsPixelOptions;
}

interface ResolvedSaccade {
  sensorWidth: number;
  sensorHeight: number;
  frameRateHz: number;
  blackLevel: number;
  whiteLevel: number;
}

function resolve(options: SaccadeOptions): ResolvedSaccade {
  const r = {
    sensorWidth: options.sensorWidth ?? 34,
    sensorHeight: options.sensorHeight ?? 34,
    frameRateHz: options.frameRateHz ?? 1000,
    blackLevel: options.blackLevel ?? 0.2,
    whiteLevel: options.whiteLevel ?? 1,
  };
  for (const k of ['sensorWidth', 'sensorHeight'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1 || r[k] > 4096)
      throw new RangeError(`"${k}" must be an integer in [1, 4096], got ${r[k]}`);
  }
  if (!(r.frameRateHz >= 100 && r.frameRateHz <= 1e6)) {
    throw new RangeError(`"frameRateHz" must be in [100, 1e6], got ${r.frameRateHz}`);
  }
  if (!(r.blackLevel >= 0 && r.blackLevel < r.whiteLevel && r.whiteLevel <= 1)) {
    throw new RangeError(`need 0 ≤ "blackLevel" < "whiteLevel" ≤ 1, got ${r.blackLevel} and ${r.whiteLevel}`);
  }
  return r;
}

/**
 * An image with a zero border wide enough that every bilinear tap of a sensor frame lands inside
 * it, so the per-pixel loop needs no bounds checks.
 */
export class PaddedImage {
  readonly stride: number;
  readonly pad: number;
  readonly data: Float32Array;

  constructor(
    readonly image: Float32Array,
    readonly width: number,
    readonly height: number,
    sensorWidth: number,
    sensorHeight: number,
    maxShift: number,
  ) {
    if (image.length !== width * height) {
      throw new RangeError(`image has ${image.length} values, expected ${width}×${height}`);
    }
    this.pad = Math.ceil(Math.max(sensorWidth, sensorHeight) + Math.abs(maxShift)) + 2;
    this.stride = width + 2 * this.pad;
    this.data = new Float32Array(this.stride * (height + 2 * this.pad));
    for (let y = 0; y < height; y++) {
      this.data.set(image.subarray(y * width, (y + 1) * width), (y + this.pad) * this.stride + this.pad);
    }
  }
}

/**
 * Renders the sensor frame with the image's top-left corner at (offsetX, offsetY) sensor
 * pixels: bilinear resampling (one fixed 4-tap kernel, since the shift is the same for every
 * pixel); outside the image is grey value 0. Output values are luma fractions
 * blackLevel + (whiteLevel − blackLevel)·grey.
 */
export function renderShiftedImage(
  src: PaddedImage,
  offsetX: number,
  offsetY: number,
  out: Float32Array,
  sensorWidth: number,
  sensorHeight: number,
  blackLevel = 0,
  whiteLevel = 1,
): void {
  const fx0 = Math.floor(-offsetX);
  const fy0 = Math.floor(-offsetY);
  const fx = -offsetX - fx0;
  const fy = -offsetY - fy0;
  if (
    fx0 + src.pad < 0 ||
    fy0 + src.pad < 0 ||
    fx0 + sensorWidth + 1 > src.width + src.pad ||
    fy0 + sensorHeight + 1 > src.height + src.pad
  ) {
    // Beyond the padding the frame is blank.
    if (fx0 >= src.width || fy0 >= src.height || fx0 + sensorWidth < -1 || fy0 + sensorHeight < -1) {
      out.fill(blackLevel, 0, sensorWidth * sensorHeight);
      return;
    }
    throw new RangeError(`image shift (${offsetX}, ${offsetY}) exceeds the padding of ${src.pad} px`);
  }
  const range = whiteLevel - blackLevel;
  const w00 = (1 - fx) * (1 - fy) * range;
  const w10 = fx * (1 - fy) * range;
  const w01 = (1 - fx) * fy * range;
  const w11 = fx * fy * range;
  const data = src.data;
  const stride = src.stride;
  for (let sy = 0; sy < sensorHeight; sy++) {
    let k = (sy + fy0 + src.pad) * stride + fx0 + src.pad;
    let o = sy * sensorWidth;
    for (let sx = 0; sx < sensorWidth; sx++, k++, o++) {
      out[o] =
        blackLevel + w00 * data[k] + w10 * data[k + 1] + w01 * data[k + stride] + w11 * data[k + stride + 1];
    }
  }
}

/**
 * Renders one saccade sample: the events of `image` (imageWidth × imageHeight grey values in
 * [0, 1]) over 315 ms, times in µs from 0, appended to `out` with `timeOffsetUs` added.
 * Returns the number of events appended.
 */
export function renderSaccadeInto(
  image: Float32Array,
  imageWidth: number,
  imageHeight: number,
  out: PacketBuilder,
  timeOffsetUs = 0,
  options: SaccadeOptions = {},
): number {
  const r = resolve(options);
  const { sensorWidth: W, sensorHeight: H } = r;
  const padded = new PaddedImage(image, imageWidth, imageHeight, W, H, 8);
  const originX = (W - imageWidth - 7) / 2;
  const originY = (H - imageHeight - 7) / 2;
  const model = new DvsPixelArray(W, H, options.pixel);
  const frame = new Float32Array(W * H);
  const frames = Math.round((SACCADE_DURATION_US * r.frameRateHz) / 1e6);
  const before = out.length;
  renderShiftedImage(padded, originX, originY, frame, W, H, r.blackLevel, r.whiteLevel);
  model.start(frame, timeOffsetUs);
  for (let f = 1; f <= frames; f++) {
    const t = (f * SACCADE_DURATION_US) / frames;
    const [dx, dy] = saccadeDrift(t);
    renderShiftedImage(padded, originX + dx, originY + dy, frame, W, H, r.blackLevel, r.whiteLevel);
    model.step(frame, timeOffsetUs + t, out);
  }
  return out.length - before;
}

/** Renders one saccade sample as a compact packet (times from 0 to 315 000 µs). */
export function renderSaccade(
  image: Float32Array,
  imageWidth: number,
  imageHeight: number,
  options: SaccadeOptions = {},
): EventPacket {
  const builder = new PacketBuilder(8192);
  renderSaccadeInto(image, imageWidth, imageHeight, builder, 0, options);
  return builder.take();
}
