/** Eager option validation: every factory throws TypeError/RangeError naming the option and value. */
import { describe, expect, it } from 'vitest';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { backgroundActivity } from '../../src/operators/background-activity.ts';
import { crop } from '../../src/operators/crop.ts';
import { downsample, downsampleGeometry } from '../../src/operators/downsample.ts';
import { hotPixel } from '../../src/operators/hot-pixel.ts';
import { hotPixelRelative } from '../../src/operators/hot-pixel-relative.ts';
import { mask } from '../../src/operators/mask.ts';
import { mergePolarity } from '../../src/operators/merge-polarity.ts';
import { orient, orientationGeometry } from '../../src/operators/orient.ts';
import { refractory } from '../../src/operators/refractory.ts';
import { selectPolarity } from '../../src/operators/select-polarity.ts';
import { collect, evs, pk } from './helpers.ts';

const geometry = { width: 4, height: 3 };

describe('option validation', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'crop x0',
      () => crop({ x0: -1, y0: 0, width: 1, height: 1 }),
      /"x0" must be a non-negative integer, got -1/,
    ],
    [
      'crop width',
      () => crop({ x0: 0, y0: 0, width: 0, height: 1 }),
      /"width" must be a positive integer, got 0/,
    ],
    [
      'crop overflow',
      () => crop({ x0: 65535, y0: 0, width: 2, height: 1 }),
      /"x0" \+ "width" must be ≤ 65536/,
    ],
    [
      'crop shift',
      () => crop({ x0: 0, y0: 0, width: 1, height: 1, shift: 1 as unknown as boolean }),
      /"shift"/,
    ],
    [
      'mask size',
      () => mask({ geometry, keep: [1, 0] }),
      /"keep" must have width × height = 12 entries, got 2/,
    ],
    ['mask geometry', () => mask({ geometry: { width: 0, height: 3 }, keep: [] }), /"geometry.width"/],
    ['orient name', () => orient('spin' as 'flipX', geometry), /"orientation" must be one of/],
    [
      'orient geometry',
      () => orient('flipX', undefined as unknown as typeof geometry),
      /"geometry" must be an object/,
    ],
    ['downsample', () => downsample({ divisor: 1.5 }), /"divisor" must be a positive integer, got 1.5/],
    ['downsample y', () => downsample({ divisorY: 0 }), /"divisorY"/],
    [
      'selectPolarity',
      () => selectPolarity('both' as 'on'),
      /"polarity" must be one of 'on', 'off', got both/,
    ],
    ['mergePolarity', () => mergePolarity(2 as 0), /"polarity" must be 0 or 1, got 2/],
    [
      'refractory period',
      () => refractory({ geometry, periodUs: 0 }),
      /"periodUs" must be a finite number > 0, got 0/,
    ],
    [
      'refractory updateOn',
      () => refractory({ geometry, periodUs: 1, updateOn: 'some' as 'all' }),
      /"updateOn"/,
    ],
    ['background dt', () => backgroundActivity({ geometry, dtUs: Number.NaN }), /"dtUs"/],
    [
      'background shift',
      () => backgroundActivity({ geometry, subsampleShift: 16 }),
      /"subsampleShift" must be ≤ 15/,
    ],
    [
      'hotPixel rate',
      () => hotPixel({ geometry } as never),
      /"maxRateHz" must be a finite number > 0, got undefined/,
    ],
    [
      'hotPixel mode',
      () => hotPixel({ geometry, maxRateHz: 1, duringCalibration: 'x' as 'hold' }),
      /"duringCalibration"/,
    ],
    [
      'hotPixel callback',
      () => hotPixel({ geometry, maxRateHz: 1, onCalibrated: 3 as never }),
      /"onCalibrated"/,
    ],
    ['hotPixelRelative ratio', () => hotPixelRelative({ geometry, ratio: -1 }), /"ratio"/],
    ['options object', () => refractory(null as never), /refractory: options must be an object/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      expect(make).toThrow(message);
    });
  }
});

describe('geometry helpers', () => {
  it('accept a StreamInfo and report the output geometry', async () => {
    const info = makeStreamInfo({ width: 346, height: 260, format: 'test' });
    expect(orientationGeometry('rotate90cw', info)).toEqual({ width: 260, height: 346 });
    expect(orientationGeometry('flipY', info)).toEqual({ width: 346, height: 260 });
    expect(downsampleGeometry(info, { divisor: 4 })).toEqual({ width: 87, height: 65 });
    const out = await collect([pk([[0, 345, 0, 1]])], orient('flipX', info));
    expect(evs(out[0])).toEqual([[0, 0, 0, 1]]);
  });
});
