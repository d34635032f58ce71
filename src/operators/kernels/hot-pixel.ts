/**
 * Hot-pixel removal, two ways.
 *
 * (a) Calibrated (Tonic identify_hot_pixel + DropPixel, jAER HotPixelFilter learning): count
 *     events per pixel over a calibration period, then mask every pixel whose rate
 *     (count / duration) is at or above a threshold. `countPixelsBefore` and `hotPixelMask` are the
 *     kernels; filtering afterwards is `maskInto`.
 * (b) Relative, per packet (Faery filter_hot_pixels style): within one packet, a pixel with at
 *     least `minCount` events is hot when its count exceeds `ratio` × the largest count among its
 *     4 neighbours. This needs no calibration but depends on how the stream is cut into packets.
 */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';
import { EventOutOfBoundsError } from '../errors.ts';

export interface PixelCounts {
  readonly width: number;
  readonly height: number;
  /** Events per pixel (index y·width + x). */
  readonly counts: Uint32Array;
}

/**
 * Counts the events of `src` from the start up to (not including) the first event with
 * t ≥ endUs; returns the index of that event (src.length when all were counted). An event outside
 * the geometry throws `EventOutOfBoundsError` after the events before it were counted.
 */
export function countPixelsBefore(src: EventPacket, endUs: number, state: PixelCounts): number {
  const n = src.length;
  const sT = src.tUs;
  const sX = src.x;
  const sY = src.y;
  const w = state.width;
  const h = state.height;
  const counts = state.counts;
  for (let i = 0; i < n; i++) {
    if (sT[i] >= endUs) return i;
    const x = sX[i];
    const y = sY[i];
    if (x >= w || y >= h) throw new EventOutOfBoundsError('hotPixel', i, x, y, w, h);
    counts[y * w + x]++;
  }
  return n;
}

/**
 * Writes keep = 1 / drop = 0 into `keep` for every pixel: a pixel is hot when
 * count · 1e6 / durationUs ≥ maxRateHz. Returns the number of hot pixels.
 */
export function hotPixelMask(
  state: PixelCounts,
  durationUs: number,
  maxRateHz: number,
  keep: Uint8Array,
): number {
  const counts = state.counts;
  // count / (durationUs · 1e−6) ≥ maxRateHz ⇔ count ≥ maxRateHz · durationUs · 1e−6.
  const maxCount = (maxRateHz * durationUs) / 1e6;
  let hot = 0;
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] >= maxCount) {
      keep[k] = 0;
      hot++;
    } else {
      keep[k] = 1;
    }
  }
  return hot;
}

/** What calibration found. */
export interface HotPixelCalibration {
  readonly width: number;
  readonly height: number;
  /** Time of the first event, µs. */
  readonly startUs: number;
  /** Span the rates were computed over, µs (calibrationUs, or less if the stream ended first). */
  readonly durationUs: number;
  readonly maxRateHz: number;
  /** width × height, row-major: 1 keeps the pixel, 0 drops it. */
  readonly keep: Uint8Array;
  /** The hot pixels, with their measured rates, in row-major order. */
  readonly hotPixels: ReadonlyArray<{ readonly x: number; readonly y: number; readonly rateHz: number }>;
}

export interface HotPixelCalibrationState extends PixelCounts {
  /** Calibration period from the first event, µs. */
  readonly calibrationUs: number;
  readonly maxRateHz: number;
  /** Time of the first event (NaN before it). */
  startUs: number;
  /** Time of the last event counted (NaN before it). */
  lastUs: number;
}

export function createHotPixelCalibrationState(
  width: number,
  height: number,
  calibrationUs: number,
  maxRateHz: number,
): HotPixelCalibrationState {
  return {
    width,
    height,
    counts: new Uint32Array(width * height),
    calibrationUs,
    maxRateHz,
    startUs: Number.NaN,
    lastUs: Number.NaN,
  };
}

/**
 * Counts the events of `src` that fall in the calibration period [first event, + calibrationUs);
 * returns the index of the first event after it (src.length when the whole packet is inside).
 * An event outside the geometry throws `EventOutOfBoundsError`.
 */
export function calibrateHotPixels(src: EventPacket, state: HotPixelCalibrationState): number {
  if (src.length === 0) return 0;
  if (Number.isNaN(state.startUs)) state.startUs = src.tUs[0];
  const counted = countPixelsBefore(src, state.startUs + state.calibrationUs, state);
  if (counted > 0) state.lastUs = src.tUs[counted - 1];
  return counted;
}

/**
 * Builds the keep mask. When the stream ended during calibration (`streamEnded`), rates use the
 * span actually seen, last − first + 1 µs (capped at calibrationUs); otherwise calibrationUs.
 */
export function finishHotPixelCalibration(
  state: HotPixelCalibrationState,
  streamEnded: boolean,
): HotPixelCalibration {
  const { width, height, maxRateHz, calibrationUs, startUs, lastUs } = state;
  const durationUs =
    streamEnded && !Number.isNaN(lastUs) ? Math.min(calibrationUs, lastUs - startUs + 1) : calibrationUs;
  const keep = new Uint8Array(width * height);
  hotPixelMask(state, durationUs, maxRateHz, keep);
  const hotPixels: { x: number; y: number; rateHz: number }[] = [];
  for (let k = 0; k < keep.length; k++) {
    if (keep[k] === 0) {
      hotPixels.push({
        x: k % width,
        y: Math.floor(k / width),
        rateHz: (state.counts[k] * 1e6) / durationUs,
      });
    }
  }
  return { width, height, startUs, durationUs, maxRateHz, keep, hotPixels };
}

export interface RelativeHotPixelState extends PixelCounts {
  /** A pixel is hot when its count > ratio × the largest 4-neighbour count. */
  readonly ratio: number;
  /** Pixels with fewer events than this in the packet are never hot. */
  readonly minCount: number;
}

export function createRelativeHotPixelState(
  width: number,
  height: number,
  ratio: number,
  minCount: number,
): RelativeHotPixelState {
  return { width, height, counts: new Uint32Array(width * height), ratio, minCount };
}

/**
 * Appends the events of `src` that are not on a hot pixel of this packet to `out`; returns how
 * many. The count map is all zeros again on return. An event outside the geometry: the events
 * before it are judged among themselves and committed, then `EventOutOfBoundsError` is thrown.
 */
export function hotPixelRelativeInto(
  src: EventPacket,
  state: RelativeHotPixelState,
  out: PacketBuilder,
): number {
  const sT = src.tUs;
  const sX = src.x;
  const sY = src.y;
  const sP = src.p;
  const w = state.width;
  const h = state.height;
  const counts = state.counts;
  // Pass 1: count, stopping at the first event outside the geometry.
  let n = src.length;
  for (let i = 0; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    if (x >= w || y >= h) {
      n = i;
      break;
    }
    counts[y * w + x]++;
  }
  // Pass 2: keep events on pixels that are not hot.
  out.reserve(n);
  const base = out.length;
  const oT = out.tUs;
  const oX = out.x;
  const oY = out.y;
  const oP = out.p;
  const ratio = state.ratio;
  const minCount = state.minCount;
  let o = base;
  for (let i = 0; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    const k = y * w + x;
    const c = counts[k];
    if (c >= minCount) {
      let m = 0;
      if (x > 0 && counts[k - 1] > m) m = counts[k - 1];
      if (x + 1 < w && counts[k + 1] > m) m = counts[k + 1];
      if (y > 0 && counts[k - w] > m) m = counts[k - w];
      if (y + 1 < h && counts[k + w] > m) m = counts[k + w];
      if (c > ratio * m) continue;
    }
    oT[o] = sT[i];
    oX[o] = x;
    oY[o] = y;
    oP[o] = sP[i];
    o++;
  }
  // Pass 3: clear only the cells this packet touched.
  for (let i = 0; i < n; i++) counts[sY[i] * w + sX[i]] = 0;
  out.commit(o - base);
  if (n < src.length) {
    throw new EventOutOfBoundsError('hotPixelRelative', n, sX[n], sY[n], w, h);
  }
  return o - base;
}
