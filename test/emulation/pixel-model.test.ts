import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketBuilder } from '../../src/events/builder.ts';
import { DvsPixelArray, linLog } from '../../src/emulation/pixel-model.ts';

function uniform(n: number, v: number): Float32Array {
  return new Float32Array(n).fill(v);
}

/** Runs frames[i] at times[i] (first frame starts the model) and returns all events. */
function run(model: DvsPixelArray, frames: Float32Array[], times: number[]) {
  const out = new PacketBuilder(64);
  model.start(frames[0], times[0]);
  for (let i = 1; i < frames.length; i++) model.step(frames[i], times[i], out);
  return out.take();
}

describe('linLog', () => {
  it('is linear below 20, ln above, continuous at 20', () => {
    expect(linLog(0)).toBe(0);
    expect(linLog(10)).toBeCloseTo(Math.log(20) / 2, 7);
    expect(linLog(20)).toBeCloseTo(Math.log(20), 7);
    expect(linLog(100)).toBeCloseTo(Math.log(100), 7);
  });
});

describe('DvsPixelArray', () => {
  const exact = { thresholdSigma: 0, refractoryUs: 0 };

  it('a brightness step gives ⌊Δlog/θ⌋ events of the right polarity at every pixel', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.double({ min: 0.05, max: 0.5, noNaN: true }),
        (a, b, theta) => {
          const m = new DvsPixelArray(3, 2, { ...exact, thresholdOn: theta, thresholdOff: theta });
          const fa = uniform(6, a);
          const fb = uniform(6, b);
          const pk = run(m, [fa, fb], [0, 1000]);
          const delta = linLog(Math.fround(b) * 255) - linLog(Math.fround(a) * 255);
          const perPixel = Math.floor(Math.abs(delta) / theta + 1e-9);
          expect(pk.length).toBe(6 * perPixel);
          for (let i = 0; i < pk.length; i++) {
            expect(pk.p[i]).toBe(delta > 0 ? 1 : 0);
            expect(pk.tUs[i]).toBeGreaterThanOrEqual(0);
            expect(pk.tUs[i]).toBeLessThanOrEqual(1000);
            if (i > 0) expect(pk.tUs[i]).toBeGreaterThanOrEqual(pk.tUs[i - 1]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('spreads the events of one crossing over the interval at the threshold crossings', () => {
    const m = new DvsPixelArray(1, 1, { ...exact, thresholdOn: 0.5, thresholdOff: 0.5 });
    // ln(0.8/0.1) = 2.079 → 4 ON events where the interpolated level crosses 0.5, 1, 1.5, 2.
    const pk = run(m, [uniform(1, 0.1), uniform(1, 0.8)], [0, 10_000]);
    expect(Array.from(pk.tUs.subarray(0, pk.length))).toEqual(
      [0.5, 1, 1.5, 2].map((k) => Math.round((k / Math.log(8)) * 10_000)),
    );
    // The reference moved by 4θ: going back down gives 4 OFF events, none more.
    const out = new PacketBuilder();
    m.step(uniform(1, 0.1), 20_000, out);
    const back = out.take();
    expect(back.length).toBe(4);
    expect(Array.from(back.p.subarray(0, back.length))).toEqual([0, 0, 0, 0]);
  });

  it('drops events inside the refractory period and counts them', () => {
    const m = new DvsPixelArray(1, 1, { thresholdSigma: 0, refractoryUs: 500 });
    // 1 ms frame, 11 crossings of θ = 0.2 (ln 10 = 2.30): at most one event per 500 µs survives.
    const pk = run(m, [uniform(1, 0.1), uniform(1, 1)], [0, 1000]);
    expect(pk.length).toBeGreaterThanOrEqual(2);
    expect(pk.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < pk.length; i++) expect(pk.tUs[i] - pk.tUs[i - 1]).toBeGreaterThanOrEqual(500);
    expect(m.stats.refractoryDropped + pk.length).toBe(11);
  });

  it('is silent for a static scene without noise', () => {
    const m = new DvsPixelArray(8, 8);
    const f = new Float32Array(64).map((_, i) => (i % 7) / 7);
    const frames = Array.from({ length: 50 }, () => f);
    expect(
      run(
        m,
        frames,
        frames.map((_, i) => i * 1000),
      ).length,
    ).toBe(0);
  });

  it('draws per-pixel thresholds with the configured mismatch, deterministically per seed', () => {
    const a = new DvsPixelArray(100, 100, { seed: 3 });
    const b = new DvsPixelArray(100, 100, { seed: 3 });
    const c = new DvsPixelArray(100, 100, { seed: 4 });
    expect(Array.from(a.onThresholds)).toEqual(Array.from(b.onThresholds));
    expect(Array.from(a.onThresholds.subarray(0, 10))).not.toEqual(
      Array.from(c.onThresholds.subarray(0, 10)),
    );
    let sum = 0;
    let sq = 0;
    for (const t of a.onThresholds) {
      sum += t;
      sq += t * t;
    }
    const mean = sum / 10_000;
    expect(mean).toBeCloseTo(0.2, 2);
    expect(Math.sqrt(sq / 10_000 - mean * mean)).toBeCloseTo(0.03, 2);
  });

  it('gives identical events for identical seeds, with noise', () => {
    const frames = Array.from({ length: 30 }, (_, k) =>
      new Float32Array(16).map((_, i) => 0.3 + 0.2 * Math.sin(k / 5 + i)),
    );
    const times = frames.map((_, i) => i * 1000);
    const opts = { seed: 9, leakRateHz: 5, shotNoiseRateHz: 20 };
    const a = run(new DvsPixelArray(4, 4, opts), frames, times);
    const b = run(new DvsPixelArray(4, 4, opts), frames, times);
    expect(a.length).toBeGreaterThan(0);
    expect(Array.from(a.tUs)).toEqual(Array.from(b.tUs));
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.p)).toEqual(Array.from(b.p));
  });

  it('produces leak and shot noise at roughly the configured rates', () => {
    const n = 32 * 32;
    const seconds = 2;
    const dark = uniform(n, 0);
    const frames = Array.from({ length: seconds * 100 + 1 }, () => dark);
    const times = frames.map((_, i) => i * 10_000);
    const shot = run(new DvsPixelArray(32, 32, { shotNoiseRateHz: 5, seed: 1 }), frames, times);
    // Expected 5 Hz × 1024 px × 2 s = 10 240 (dark pixels: full rate); Poisson σ ≈ 100.
    expect(shot.length).toBeGreaterThan(9800);
    expect(shot.length).toBeLessThan(10_700);
    let on = 0;
    for (let i = 0; i < shot.length; i++) on += shot.p[i];
    expect(on / shot.length).toBeGreaterThan(0.45);
    expect(on / shot.length).toBeLessThan(0.55);
    const leak = run(new DvsPixelArray(32, 32, { leakRateHz: 2, seed: 1 }), frames, times);
    // 2 Hz × 1024 px × 2 s = 4096, all ON; the random initial phase makes it ±1 event per pixel.
    expect(leak.length).toBeGreaterThan(4096 * 0.85);
    expect(leak.length).toBeLessThan(4096 * 1.15);
    let offOrUnsorted = 0;
    for (let i = 0; i < leak.length; i++) {
      if (leak.p[i] !== 1 || (i > 0 && leak.tUs[i] < leak.tUs[i - 1])) offOrUnsorted++;
    }
    expect(offOrUnsorted).toBe(0);
  });

  it('the low-pass filter slows the response of dark pixels more than bright ones', () => {
    const bright = run(
      new DvsPixelArray(1, 1, { cutoffHz: 50, thresholdSigma: 0, refractoryUs: 0 }),
      [uniform(1, 0.5), uniform(1, 1), uniform(1, 1), uniform(1, 1)],
      [0, 1000, 2000, 30_000],
    );
    const dark = run(
      new DvsPixelArray(1, 1, { cutoffHz: 50, thresholdSigma: 0, refractoryUs: 0 }),
      [uniform(1, 0.1), uniform(1, 0.2), uniform(1, 0.2), uniform(1, 0.2)],
      [0, 1000, 2000, 30_000],
    );
    expect(bright.length).toBe(3); // ln 2 / 0.2, eventually
    expect(dark.length).toBe(3);
    expect(bright.tUs[0]).toBeLessThan(dark.tUs[0]);
  });

  it('validates options and frames', () => {
    expect(() => new DvsPixelArray(0, 4)).toThrow(/width/);
    expect(() => new DvsPixelArray(4, 4, { thresholdOn: 0 })).toThrow(/thresholdOn/);
    expect(() => new DvsPixelArray(4, 4, { refractoryUs: -1 })).toThrow(/refractoryUs/);
    const m = new DvsPixelArray(2, 2);
    expect(() => m.step(uniform(4, 0), 0, new PacketBuilder())).toThrow(/before start/);
    expect(() => m.start(uniform(3, 0), 0)).toThrow(/2×2/);
    m.start(uniform(4, 0), 100);
    expect(() => m.step(uniform(4, 0), 100, new PacketBuilder())).toThrow(/not after/);
  });
});
