import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeImage } from '../../src/model/input-mapping.ts';
import { shiftInputSpikes } from '../../src/train/data.ts';

function shiftedImage(pixels: Float32Array, w: number, h: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sx < w && sy >= 0 && sy < h) out[y * w + x] = pixels[sy * w + sx];
    }
  }
  return out;
}

describe('shiftInputSpikes', () => {
  it('gives the spikes of the shifted image, for any image and shift', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: -8, max: 8 }),
        fc.integer({ min: -8, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 49, maxLength: 49 }),
        (w, h, dx, dy, levels) => {
          const pixels = Float32Array.from(levels.slice(0, w * h), (v) => v / 4);
          const mapping = { kind: 'image', width: w, height: h, window: 0.1 } as const;
          const { times, indices } = encodeImage(pixels, mapping);
          const count = shiftInputSpikes(
            { times, indices, count: times.length, label: 0 },
            [1, h, w],
            dx,
            dy,
          );
          const want = encodeImage(shiftedImage(pixels, w, h, dx, dy), mapping);
          const got = new Map<number, number>();
          for (let s = 0; s < count; s++) got.set(indices[s], times[s]);
          const expected = new Map<number, number>();
          for (let s = 0; s < want.times.length; s++) expected.set(want.indices[s], want.times[s]);
          expect(got).toEqual(expected);
        },
      ),
    );
  });

  it('keeps each spike in its channel and its time order', () => {
    // 2 channels of 3×3: one spike per channel at the centre, one at a corner that leaves the grid
    const times = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    const indices = Int32Array.from([4, 9 + 4, 8, 9 + 0]);
    const count = shiftInputSpikes({ times, indices, count: 4, label: 0 }, [2, 3, 3], 1, 0);
    expect(count).toBe(3);
    expect(Array.from(indices.subarray(0, count))).toEqual([5, 9 + 5, 9 + 1]);
    expect(Array.from(times.subarray(0, count))).toEqual([0.1, 0.2, 0.4]);
  });
});
