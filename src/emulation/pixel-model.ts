/**
 * A v2e-style DVS pixel array (Hu, Liu & Delbruck, CVPRW 2021; ESIM for the timing): frames of
 * linear luma in, time-sorted ON/OFF events out. Pure computation, no I/O, deterministic given a
 * seed.
 *
 * Per pixel and frame interval (t0, t1]:
 *  1. lin-log: luma L = 255·frame value; log level = L·ln(20)/20 for L ≤ 20, ln L above (the two
 *     meet at 20), rounded to 1e-8 so equal changes up and down cancel exactly.
 *  2. optional photoreceptor low-pass: two first-order stages with cut-off `cutoffHz`; the step
 *     size ε = min(1, dt/τ · (L + 20)/275) makes dark pixels slower, as in v2e.
 *  3. change detector: the pixel keeps a reference level r. With d = level − r, it emits ⌊d/θ_on⌋
 *     ON events (or ⌊−d/θ_off⌋ OFF events) and moves r by that many thresholds. θ_on and θ_off are
 *     drawn per pixel from N(threshold, thresholdSigma²) (fixed-pattern mismatch, clamped to
 *     ≥ `minThreshold`).
 *  4. timing: d is interpolated linearly over the interval, and the k-th event is stamped when d
 *     crosses k·θ (ESIM-style), rounded to whole µs.
 *  5. refractory period: an event less than `refractoryUs` after the pixel's previous event is
 *     dropped (the reference still moves, as in v2e) and counted.
 *  6. noise: leak events (r drifts down by θ_on · leakRateHz per second, per-pixel jitter, random
 *     initial phase) and shot noise (Poisson, `shotNoiseRateHz` per pixel in the dark, 4× less in
 *     full white as in v2e; polarity 50/50; the reference is not moved).
 */
import type { PacketBuilder } from '../events/builder.ts';
import { Prng } from './prng.ts';

export interface DvsPixelOptions {
  /** ON threshold in ln units (mean over pixels). Default 0.2. */
  readonly thresholdOn?: number;
  /** OFF threshold in ln units (mean over pixels). Default 0.2. */
  readonly thresholdOff?: number;
  /** Standard deviation of the per-pixel threshold mismatch, ln units. Default 0.03. */
  readonly thresholdSigma?: number;
  /** Lower bound for a pixel's threshold after mismatch, ln units. Default 0.01. */
  readonly minThreshold?: number;
  /** Refractory period in µs; 0 disables it. Default 500. */
  readonly refractoryUs?: number;
  /** Photoreceptor low-pass cut-off in Hz; 0 disables the filter. Default 0 (v2e's "clean" preset). */
  readonly cutoffHz?: number;
  /** Leak (ON noise) event rate per pixel in Hz. Default 0. v2e's default is 0.01, its "noisy" preset 0.1. */
  readonly leakRateHz?: number;
  /** Relative per-pixel jitter (σ) of the leak rate. Default 0.1. */
  readonly leakJitter?: number;
  /** Shot-noise event rate per pixel in Hz, for dark pixels (4× lower in white ones). Default 0. v2e's "noisy" preset: 5. */
  readonly shotNoiseRateHz?: number;
  /** Luma (0..255 scale) below which the response is linear instead of logarithmic. Default 20. */
  readonly linLogLuma?: number;
  /** PRNG seed for mismatch and noise. Default 0. */
  readonly seed?: number;
}

/** v2e-like presets: "clean" (no noise, no filter), "noisy" (leak 0.1 Hz, shot 5 Hz, 300 Hz low-pass). */
export const PIXEL_PRESETS: Readonly<Record<'clean' | 'noisy', DvsPixelOptions>> = {
  clean: { leakRateHz: 0, shotNoiseRateHz: 0, cutoffHz: 0 },
  noisy: { leakRateHz: 0.1, shotNoiseRateHz: 5, cutoffHz: 300 },
};

/** Counters since construction. */
export interface DvsPixelStats {
  /** Events written to the output. */
  emitted: number;
  /** Of which shot-noise events. */
  shotNoise: number;
  /** Events dropped by the refractory period. */
  refractoryDropped: number;
  /** Frames processed (after the first). */
  frames: number;
}

const ROUNDING = 1e8;
/** Tolerance (ln units, and fractions of θ) for counting a crossing that lands exactly on k·θ. */
const TIE = 1e-9;

/** v2e's lin-log mapping of a luma value on the 0..255 scale. */
export function linLog(luma255: number, linLogLuma = 20): number {
  const y = luma255 <= linLogLuma ? (luma255 * Math.log(linLogLuma)) / linLogLuma : Math.log(luma255);
  return Math.round(y * ROUNDING) / ROUNDING;
}

function checkNumber(name: string, value: number, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`"${name}" must be a number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export class DvsPixelArray {
  readonly width: number;
  readonly height: number;
  readonly stats: DvsPixelStats = { emitted: 0, shotNoise: 0, refractoryDropped: 0, frames: 0 };

  private readonly pixelCount: number;
  private readonly thetaOn: Float32Array;
  private readonly thetaOff: Float32Array;
  private readonly leakPerUs: Float64Array;
  private readonly reference: Float64Array;
  /** Filtered level at the end of the last frame (what d is measured from). */
  private readonly level: Float64Array;
  /** Last input value and its unfiltered level, so unchanged pixels skip the logarithm. */
  private readonly lastInput: Float32Array;
  private readonly rawLevel: Float64Array;
  private readonly lowPass1: Float64Array;
  private readonly lowPass2: Float64Array;
  private readonly lastEventUs: Float64Array;
  private readonly rng: Prng;
  private readonly refractoryUs: number;
  private readonly tauUs: number;
  private readonly shotRateHz: number;
  private readonly linLogLuma: number;
  private readonly linSlope: number;
  private lastT = Number.NaN;
  /** Per-frame event keys ((tRel·pixels + pixel)·2 + p), sorted numerically. */
  private keys = new Float64Array(1024);

  constructor(width: number, height: number, options: DvsPixelOptions = {}) {
    if (!Number.isInteger(width) || width < 1 || width > 65535)
      throw new RangeError(`"width" must be an integer in [1, 65535], got ${width}`);
    if (!Number.isInteger(height) || height < 1 || height > 65535)
      throw new RangeError(`"height" must be an integer in [1, 65535], got ${height}`);
    const thresholdOn = checkNumber('thresholdOn', options.thresholdOn ?? 0.2, 1e-6);
    const thresholdOff = checkNumber('thresholdOff', options.thresholdOff ?? 0.2, 1e-6);
    const sigma = checkNumber('thresholdSigma', options.thresholdSigma ?? 0.03, 0);
    const minThreshold = checkNumber('minThreshold', options.minThreshold ?? 0.01, 1e-6);
    this.refractoryUs = checkNumber('refractoryUs', options.refractoryUs ?? 500, 0);
    const cutoffHz = checkNumber('cutoffHz', options.cutoffHz ?? 0, 0);
    const leakRateHz = checkNumber('leakRateHz', options.leakRateHz ?? 0, 0);
    const leakJitter = checkNumber('leakJitter', options.leakJitter ?? 0.1, 0);
    this.shotRateHz = checkNumber('shotNoiseRateHz', options.shotNoiseRateHz ?? 0, 0);
    this.linLogLuma = checkNumber('linLogLuma', options.linLogLuma ?? 20, 1e-6, 255);
    this.linSlope = Math.log(this.linLogLuma) / this.linLogLuma;
    this.tauUs = cutoffHz > 0 ? 1e6 / (2 * Math.PI * cutoffHz) : 0;
    this.rng = new Prng(checkNumber('seed', options.seed ?? 0, Number.NEGATIVE_INFINITY));
    this.width = width;
    this.height = height;
    const n = width * height;
    this.pixelCount = n;
    this.thetaOn = new Float32Array(n);
    this.thetaOff = new Float32Array(n);
    this.leakPerUs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.thetaOn[i] = Math.max(minThreshold, thresholdOn + sigma * this.rng.normal());
      this.thetaOff[i] = Math.max(minThreshold, thresholdOff + sigma * this.rng.normal());
    }
    if (leakRateHz > 0) {
      for (let i = 0; i < n; i++) {
        const rate = Math.max(0, leakRateHz * (1 + leakJitter * this.rng.normal()));
        this.leakPerUs[i] = (rate * this.thetaOn[i]) / 1e6;
      }
    }
    this.reference = new Float64Array(n);
    this.level = new Float64Array(n);
    this.lastInput = new Float32Array(n);
    this.rawLevel = new Float64Array(n);
    this.lowPass1 = new Float64Array(n);
    this.lowPass2 = new Float64Array(n);
    this.lastEventUs = new Float64Array(n);
  }

  /** Time of the last frame given, µs (NaN before the first). */
  get timeUs(): number {
    return this.lastT;
  }

  /** Per-pixel ON thresholds (for tests and diagnostics; do not modify). */
  get onThresholds(): Float32Array {
    return this.thetaOn;
  }

  /**
   * Sets the first frame: references start at its levels, so it produces no events.
   * `frame` holds width × height luma values in [0, 1] (row-major); `tUs` its time in µs.
   */
  start(frame: Float32Array, tUs: number): void {
    this.checkFrame(frame, tUs);
    const n = this.pixelCount;
    const leaking = this.leakPerUs.some((v) => v > 0);
    for (let i = 0; i < n; i++) {
      const level = this.toLevel(frame[i]);
      this.lastInput[i] = frame[i];
      this.rawLevel[i] = level;
      this.lowPass1[i] = level;
      this.lowPass2[i] = level;
      this.level[i] = level;
      // A random leak phase so leak events of different pixels do not fire in step (as v2e).
      this.reference[i] = leaking ? level - this.rng.next() * this.thetaOn[i] : level;
      this.lastEventUs[i] = Number.NEGATIVE_INFINITY;
    }
    this.lastT = tUs;
  }

  /**
   * Processes the next frame at `tUs` (> the previous frame's time) and appends the events of
   * the interval in time order to `out`. Returns the number of events appended.
   */
  step(frame: Float32Array, tUs: number, out: PacketBuilder): number {
    if (Number.isNaN(this.lastT)) throw new Error('DvsPixelArray.step called before start()');
    this.checkFrame(frame, tUs);
    const t0 = this.lastT;
    const dt = tUs - t0;
    if (!(dt > 0)) throw new RangeError(`frame time ${tUs} µs is not after the previous frame (${t0} µs)`);
    const n = this.pixelCount;
    const { thetaOn, thetaOff, reference, level, leakPerUs, lastEventUs, lastInput, rawLevel } = this;
    const filtering = this.tauUs > 0;
    const dtOverTau = filtering ? dt / this.tauUs : 0;
    const refractory = this.refractoryUs;
    const t0Int = Math.round(t0);
    const tick = Math.round(tUs) - t0Int;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = frame[i];
      let newLevel: number;
      if (v === lastInput[i]) {
        newLevel = rawLevel[i];
        // Static, unfiltered, not leaking and settled: nothing can happen at this pixel.
        if (!filtering && leakPerUs[i] === 0 && newLevel === level[i]) continue;
      } else {
        newLevel = this.toLevel(v);
        lastInput[i] = v;
        rawLevel[i] = newLevel;
      }
      if (filtering) {
        const eps = Math.min(1, (dtOverTau * (frame[i] * 255 + 20)) / 275);
        const a = this.lowPass1[i] + eps * (newLevel - this.lowPass1[i]);
        const b = this.lowPass2[i] + eps * (a - this.lowPass2[i]);
        this.lowPass1[i] = a;
        this.lowPass2[i] = b;
        newLevel = b;
      }
      const ref0 = reference[i];
      const ref1 = ref0 - leakPerUs[i] * dt;
      const d0 = level[i] - ref0;
      const d1 = newLevel - ref1;
      level[i] = newLevel;
      let events = 0;
      let polarity = 1;
      let theta = thetaOn[i];
      // TIE: a change of exactly k·θ gives k events despite float rounding of r ± k·θ.
      if (d1 >= theta - TIE) {
        events = Math.floor(d1 / theta + TIE);
        reference[i] = ref1 + events * theta;
      } else if (-d1 >= thetaOff[i] - TIE) {
        theta = thetaOff[i];
        events = Math.floor(-d1 / theta + TIE);
        reference[i] = ref1 - events * theta;
        polarity = 0;
      } else {
        reference[i] = ref1;
        continue;
      }
      // d moves linearly from d0 to d1 over the interval; event k is stamped where it crosses ±k·θ.
      const span = d1 - d0;
      for (let k = 1; k <= events; k++) {
        const target = polarity === 1 ? k * theta : -k * theta;
        let s = span !== 0 ? (target - d0) / span : 1;
        if (s < 0) s = 0;
        else if (s > 1) s = 1;
        const t = t0 + s * dt;
        if (refractory > 0 && t - lastEventUs[i] < refractory) {
          this.stats.refractoryDropped++;
          continue;
        }
        lastEventUs[i] = t;
        count = this.addKey(count, Math.round(t) - t0Int, i, polarity);
      }
    }
    if (this.shotRateHz > 0) count = this.addShotNoise(count, frame, t0, dt, t0Int, tick);
    this.lastT = tUs;
    this.stats.frames++;
    this.stats.emitted += count;
    this.flush(count, t0Int, out);
    return count;
  }

  private addShotNoise(
    count: number,
    frame: Float32Array,
    t0: number,
    dt: number,
    t0Int: number,
    tick: number,
  ): number {
    const n = this.pixelCount;
    const candidates = this.rng.poisson((n * this.shotRateHz * dt) / 1e6);
    for (let c = 0; c < candidates; c++) {
      const i = this.rng.int(n);
      // Thinning: accept with v2e's intensity factor 1 − 0.75·(L + 20)/275 relative to the dark rate.
      const inten01 = (frame[i] * 255 + 20) / 275;
      const accept = (1 - 0.75 * inten01) / (1 - 0.75 * (20 / 275));
      const u = this.rng.next();
      const polarity = this.rng.next() < 0.5 ? 1 : 0;
      const s = this.rng.next();
      if (u >= accept) continue;
      const t = t0 + s * dt;
      if (this.refractoryUs > 0 && t - this.lastEventUs[i] < this.refractoryUs) {
        this.stats.refractoryDropped++;
        continue;
      }
      this.lastEventUs[i] = t;
      let rel = Math.round(t) - t0Int;
      if (rel > tick) rel = tick;
      count = this.addKey(count, rel, i, polarity);
      this.stats.shotNoise++;
    }
    return count;
  }

  private addKey(count: number, tRel: number, pixel: number, polarity: number): number {
    if (count === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[count] = (tRel * this.pixelCount + pixel) * 2 + polarity;
    return count + 1;
  }

  private flush(count: number, t0Int: number, out: PacketBuilder): void {
    if (count === 0) return;
    const keys = this.keys.subarray(0, count);
    keys.sort();
    out.reserve(count);
    const base = out.length;
    const tUs = out.tUs;
    const xs = out.x;
    const ys = out.y;
    const ps = out.p;
    const n = this.pixelCount;
    const w = this.width;
    for (let e = 0; e < count; e++) {
      const key = keys[e];
      const p = key % 2;
      const rest = (key - p) / 2;
      const pixel = rest % n;
      const tRel = (rest - pixel) / n;
      const y = Math.floor(pixel / w);
      tUs[base + e] = t0Int + tRel;
      xs[base + e] = pixel - y * w;
      ys[base + e] = y;
      ps[base + e] = p;
    }
    out.commit(count);
  }

  private toLevel(v: number): number {
    const luma = v * 255;
    const y = luma <= this.linLogLuma ? luma * this.linSlope : Math.log(luma);
    return Math.round(y * ROUNDING) / ROUNDING;
  }

  private checkFrame(frame: Float32Array, tUs: number): void {
    if (!(frame instanceof Float32Array) || frame.length !== this.pixelCount) {
      throw new RangeError(
        `frame must be a Float32Array of ${this.width}×${this.height} = ${this.pixelCount} values`,
      );
    }
    if (!Number.isFinite(tUs)) throw new RangeError(`frame time must be finite, got ${tUs}`);
  }
}
