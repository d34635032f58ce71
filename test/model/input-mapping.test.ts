import { describe, expect, it } from 'vitest';
import { packetFromArrays } from '../../src/events/packet.ts';
import { EventInputMapper, encodeImage, inputMappingShape } from '../../src/model/input-mapping.ts';

describe('EventInputMapper', () => {
  it('maps crop, downsample and split polarity to c·H·W + y·W + x, dropping what falls outside', () => {
    const m = new EventInputMapper({
      kind: 'events',
      sensorWidth: 10,
      sensorHeight: 8,
      crop: { x: 2, y: 1, width: 6, height: 4 },
      downsample: 2,
      polarity: 'split',
    });
    expect(inputMappingShape(m.mapping)).toEqual([2, 2, 3]);
    expect(m.inputSize).toBe(12);
    const pk = packetFromArrays(
      [1000, 2000, 3000, 4000, 5000, 6000],
      [2, 7, 3, 1, 9, 50],
      [1, 4, 2, 1, 1, 0],
      [0, 1, 1, 1, 0, 1],
    );
    const times = new Float64Array(6);
    const idx = new Int32Array(6);
    const n = m.map(pk, 0, pk.length, 500, 1000, times, idx);
    expect(n).toBe(3);
    expect(Array.from(times.subarray(0, n))).toEqual([0.5, 1.5, 2.5]);
    // (2,1) p0 → c0 y0 x0 = 0; (7,4) p1 → c1 y1 x2 = 6+3+2 = 11; (3,2) p1 → c1 y0 x0 = 6
    expect(Array.from(idx.subarray(0, n))).toEqual([0, 11, 6]);
    expect(m.dropped).toBe(3);
  });

  it('merge, on and off polarity modes', () => {
    const pk = packetFromArrays([0, 1], [1, 1], [0, 0], [0, 1]);
    const out = () => ({ t: new Float64Array(2), i: new Int32Array(2) });
    for (const [polarity, want] of [
      ['merge', [1, 1]],
      ['on', [1]],
      ['off', [1]],
    ] as const) {
      const m = new EventInputMapper({ kind: 'events', sensorWidth: 2, sensorHeight: 1, polarity });
      const o = out();
      const n = m.map(pk, 0, 2, 0, 1, o.t, o.i);
      expect(Array.from(o.i.subarray(0, n))).toEqual(want);
      expect(Array.from(o.t.subarray(0, n))).toEqual(
        polarity === 'on' ? [1] : polarity === 'off' ? [0] : [0, 1],
      );
    }
  });

  it('rejects a crop outside the sensor and a bad downsample factor', () => {
    expect(
      () =>
        new EventInputMapper({
          kind: 'events',
          sensorWidth: 4,
          sensorHeight: 4,
          crop: { x: 2, y: 0, width: 4, height: 4 },
          polarity: 'merge',
        }),
    ).toThrow(/crop/);
    expect(
      () =>
        new EventInputMapper({
          kind: 'events',
          sensorWidth: 4,
          sensorHeight: 4,
          downsample: 0,
          polarity: 'merge',
        }),
    ).toThrow(/downsample/);
  });
});

describe('encodeImage', () => {
  it('one spike per non-zero pixel at window·(1 − intensity), brightest first; zero never spikes', () => {
    const { times, indices } = encodeImage([0, 1, 0.5, 0.25, 0.5, 0], {
      kind: 'image',
      width: 3,
      height: 2,
      window: 0.1,
    });
    expect(Array.from(indices)).toEqual([1, 2, 4, 3]);
    expect(Array.from(times)).toEqual([0, 0.05, 0.05, 0.1 * 0.75]);
  });

  it('rejects intensities outside [0, 1] and the wrong pixel count', () => {
    expect(() => encodeImage([0, 2], { kind: 'image', width: 2, height: 1, window: 1 })).toThrow(
      /pixel 1: intensity 2/,
    );
    expect(() => encodeImage([0, Number.NaN], { kind: 'image', width: 2, height: 1, window: 1 })).toThrow(
      /pixel 1/,
    );
    expect(() => encodeImage([0], { kind: 'image', width: 2, height: 1, window: 1 })).toThrow(/needs 2/);
  });
});
