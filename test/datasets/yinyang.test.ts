import { describe, expect, it } from 'vitest';
import { loadImageDataset } from '../../src/datasets/index.ts';
import { loadYinYang, yinYangClass } from '../../src/datasets/yinyang.ts';
import { encodeImage } from '../../src/model/input-mapping.ts';

describe('Yin-Yang', () => {
  it('classifies known points of the published shape', () => {
    expect(yinYangClass(0.75, 0.5)).toBe(2); // right dot centre
    expect(yinYangClass(0.25, 0.5)).toBe(2); // left dot centre
    expect(yinYangClass(0.25, 0.66)).toBe(1); // ring around the left dot
    expect(yinYangClass(0.75, 0.66)).toBe(0); // ring around the right dot
    expect(yinYangClass(0.5, 0.95)).toBe(1); // top half, far from the right dot
    expect(yinYangClass(0.5, 0.05)).toBe(0); // bottom half
  });

  it('generates balanced classes, mirrored inputs inside the circle, consistent labels', () => {
    const ds = loadYinYang({ split: 'train' });
    expect(ds.count).toBe(5000);
    expect([ds.width, ds.height]).toEqual([4, 1]);
    const counts = [0, 0, 0];
    for (let i = 0; i < ds.count; i++) {
      const [x, y, xf, yf] = ds.image(i);
      expect(Math.hypot(x - 0.5, y - 0.5)).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(xf).toBeCloseTo(1 - x, 6);
      expect(yf).toBeCloseTo(1 - y, 6);
      expect(yinYangClass(x, y)).toBe(ds.labels[i]);
      counts[ds.labels[i]]++;
    }
    for (const c of counts) expect(Math.abs(c - 5000 / 3)).toBeLessThan(120); // ~4σ of a multinomial
  });

  it('is deterministic per seed and differs between splits', () => {
    const a = loadYinYang({ split: 'test' });
    const b = loadYinYang({ split: 'test' });
    const v = loadYinYang({ split: 'validation' });
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels));
    expect(Array.from(a.pixels.subarray(0, 8))).not.toEqual(Array.from(v.pixels.subarray(0, 8)));
    expect(loadYinYang({ size: 10, seed: 7 }).count).toBe(10);
    const full = loadYinYang({ split: 'train-full' });
    expect(full.count).toBe(6000);
    expect(Array.from(full.pixels.subarray(5000 * 4, 5000 * 4 + 8))).toEqual(
      Array.from(v.pixels.subarray(0, 8)),
    );
    expect(() => loadYinYang({ rSmall: 0.3 })).toThrow(/rSmall/);
  });

  it('with bias adds a 5th input fixed at 1 (a spike at t = 0) to the same points; default unchanged', () => {
    const plain = loadYinYang({ split: 'validation' });
    const biased = loadYinYang({ split: 'validation', bias: true });
    expect([plain.width, biased.width]).toEqual([4, 5]);
    expect(biased.count).toBe(plain.count);
    expect(Array.from(biased.labels)).toEqual(Array.from(plain.labels));
    for (let i = 0; i < plain.count; i++) {
      expect(Array.from(biased.image(i).subarray(0, 4))).toEqual(Array.from(plain.image(i)));
      expect(biased.image(i)[4]).toBe(1);
    }
    const spikes = encodeImage(biased.image(0), { kind: 'image', width: 5, height: 1, window: 0.4 });
    expect(spikes.indices[0]).toBe(4);
    expect(spikes.times[0]).toBe(0);
    const byName = loadImageDataset('yinyang-bias', { split: 'test' });
    expect([byName.width, byName.count]).toEqual([5, 1000]);
    expect(loadImageDataset('yinyang-bias', { split: 'test', limit: 10 }).pixels.length).toBe(50);
    expect(Array.from(loadImageDataset('yinyang', { split: 'test' }).pixels)).toEqual(
      Array.from(loadYinYang({ split: 'test' }).pixels),
    );
    expect(loadYinYang({ split: 'train-full', bias: true }).pixels.length).toBe(6000 * 5);
  });
});
