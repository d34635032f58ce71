import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSeed, Prng } from '../../src/emulation/prng.ts';

describe('Prng', () => {
  it('gives neighbouring integer seeds different streams, negative ones included', () => {
    for (const seed of [-2, -1, 0, 1, 2 ** 31 - 1, 2 ** 32 - 1, -(2 ** 32)]) {
      expect(new Prng(seed).nextUint32()).not.toBe(new Prng(seed + 1).nextUint32());
    }
  });

  it('is deterministic per seed and different across seeds', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = new Prng(seed);
        const b = new Prng(seed);
        const c = new Prng(seed + 1);
        const xs = Array.from({ length: 8 }, () => a.nextUint32());
        expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xs);
        expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xs);
      }),
      { numRuns: 50 },
    );
  });

  it('gives uniform, normal and Poisson deviates with the right moments', () => {
    const r = new Prng(7);
    const n = 50_000;
    let s = 0;
    let s2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      s += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(s / n).toBeCloseTo(0.5, 2);
    s = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
    for (const mean of [0.3, 5, 40]) {
      let ps = 0;
      let ps2 = 0;
      for (let i = 0; i < 20_000; i++) {
        const k = r.poisson(mean);
        ps += k;
        ps2 += k * k;
      }
      const m = ps / 20_000;
      expect(Math.abs(m - mean)).toBeLessThan(0.05 * mean + 0.02);
      expect(Math.abs(ps2 / 20_000 - m * m - mean)).toBeLessThan(0.1 * mean + 0.05); // variance = mean
    }
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('shuffles into a permutation; derived seeds differ per index', () => {
    const a = new Prng(1).shuffle(Array.from({ length: 100 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(1, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(1, 5)).toBe(deriveSeed(1, 5));
    expect(() => new Prng(Number.NaN)).toThrow(/seed/);
    expect(() => new Prng(1).poisson(-1)).toThrow(/mean/);
  });
});
