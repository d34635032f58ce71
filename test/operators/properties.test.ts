/**
 * fast-check invariants for the packet filters and maps: no invented events, order preserved,
 * input untouched, no empty packets, agreement with naive reference implementations, and results
 * independent of how the stream is split into packets.
 */
import fc from 'fast-check';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { EventPacket } from '../../src/events/packet.ts';
import { backgroundActivity } from '../../src/operators/background-activity.ts';
import { crop } from '../../src/operators/crop.ts';
import { downsample } from '../../src/operators/downsample.ts';
import { hotPixel } from '../../src/operators/hot-pixel.ts';
import { hotPixelRelative } from '../../src/operators/hot-pixel-relative.ts';
import { invertPolarity } from '../../src/operators/invert-polarity.ts';
import { mask } from '../../src/operators/mask.ts';
import { mergePolarity } from '../../src/operators/merge-polarity.ts';
import { orient, orientationGeometry } from '../../src/operators/orient.ts';
import { refractory } from '../../src/operators/refractory.ts';
import { selectPolarity } from '../../src/operators/select-polarity.ts';
import {
  allEvents,
  collect,
  cutPoints,
  type Ev,
  evs,
  pk,
  snapshot,
  sortedEvents,
  splitPacket,
} from './helpers.ts';

const W = 12;
const H = 9;
const geometry = { width: W, height: H };
const RUNS = { numRuns: 80, seed: 20261128 };

/** True when `sub` is a subsequence of `full` (same events, same relative order). */
function isSubsequence(sub: readonly Ev[], full: readonly Ev[]): boolean {
  let j = 0;
  for (const e of sub) {
    while (j < full.length && !sameEvent(full[j], e)) j++;
    if (j === full.length) return false;
    j++;
  }
  return true;
}

function sameEvent(a: Ev, b: Ev): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Runs `events` split at `cuts` through a fresh operator; checks input untouched and no empty output. */
async function runSplit(
  events: Ev[],
  cuts: number[],
  make: () => MonoTypeOperatorFunction<EventPacket>,
): Promise<Ev[]> {
  const pieces = splitPacket(pk(events), cuts);
  const before = pieces.map(snapshot);
  const out = await collect(pieces, make());
  expect(pieces.map(snapshot)).toEqual(before);
  for (const packet of out) expect(packet.length).toBeGreaterThan(0);
  return allEvents(out);
}

// Naive references, written per event with plain objects, independent of the kernels.

function refractoryReference(events: Ev[], periodUs: number, updateOn: 'all' | 'pass'): Ev[] {
  const last = new Map<number, number>();
  return events.filter(([t, x, y]) => {
    const k = y * W + x;
    const prev = last.get(k);
    const pass = prev === undefined || t - prev >= periodUs;
    if (pass || updateOn === 'all') last.set(k, t);
    return pass;
  });
}

function backgroundActivityReference(events: Ev[], dtUs: number, shift: number): Ev[] {
  return events.filter(([t, x, y], i) => {
    const cx = x >> shift;
    const cy = y >> shift;
    for (let j = i - 1; j >= 0; j--) {
      const [tj, xj, yj] = events[j];
      const dx = Math.abs((xj >> shift) - cx);
      const dy = Math.abs((yj >> shift) - cy);
      if (dx <= 1 && dy <= 1 && (dx > 0 || dy > 0) && t - tj <= dtUs) return true;
    }
    return false;
  });
}

describe('filters: no invented events, order kept, input untouched, split-independent', () => {
  const filters: [string, () => MonoTypeOperatorFunction<EventPacket>][] = [
    ['crop (keep coordinates)', () => crop({ x0: 2, y0: 1, width: 6, height: 5, shift: false })],
    ['mask', () => mask({ geometry, keep: Array.from({ length: W * H }, (_, k) => (k * 7) % 3) })],
    ['selectPolarity on', () => selectPolarity('on')],
    ['selectPolarity off', () => selectPolarity('off')],
    ['refractory all', () => refractory({ geometry, periodUs: 40 })],
    ['refractory pass', () => refractory({ geometry, periodUs: 40, updateOn: 'pass' })],
    ['backgroundActivity', () => backgroundActivity({ geometry, dtUs: 30 })],
    ['backgroundActivity subsampled', () => backgroundActivity({ geometry, dtUs: 30, subsampleShift: 1 })],
    ['hotPixel hold', () => hotPixel({ geometry, maxRateHz: 20_000, calibrationUs: 500 })],
    [
      'hotPixel pass',
      () => hotPixel({ geometry, maxRateHz: 20_000, calibrationUs: 500, duringCalibration: 'pass' }),
    ],
    [
      'hotPixel drop',
      () => hotPixel({ geometry, maxRateHz: 20_000, calibrationUs: 500, duringCalibration: 'drop' }),
    ],
  ];
  for (const [name, make] of filters) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(sortedEvents(W, H), cutPoints(), async (events, cuts) => {
          const whole = await runSplit(events, [], make);
          expect(isSubsequence(whole, events)).toBe(true);
          const split = await runSplit(events, cuts, make);
          expect(split).toEqual(whole);
        }),
        RUNS,
      );
    });
  }

  it('hotPixelRelative keeps a subsequence of each packet (it is packet-local by design)', async () => {
    await fc.assert(
      fc.asyncProperty(sortedEvents(W, H), cutPoints(), async (events, cuts) => {
        const pieces = splitPacket(pk(events), cuts);
        const out = await collect(pieces, hotPixelRelative({ geometry, ratio: 2, minCount: 2 }));
        // Packet-local: the result equals running each piece on its own.
        const each: Ev[] = [];
        for (const piece of pieces) {
          each.push(
            ...allEvents(await collect([piece], hotPixelRelative({ geometry, ratio: 2, minCount: 2 }))),
          );
        }
        expect(allEvents(out)).toEqual(each);
        expect(isSubsequence(each, events)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('filters agree with naive references', () => {
  it('refractory (both variants)', async () => {
    // A small corner of the sensor so that pixels repeat often and exact period hits occur.
    await fc.assert(
      fc.asyncProperty(
        sortedEvents(3, 2, { maxGapUs: 20 }),
        cutPoints(),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom('all' as const, 'pass' as const),
        async (events, cuts, periodUs, updateOn) => {
          const got = await runSplit(events, cuts, () => refractory({ geometry, periodUs, updateOn }));
          expect(got).toEqual(refractoryReference(events, periodUs, updateOn));
        },
      ),
      RUNS,
    );
  });

  it('background activity (jAER neighbour support, with and without subsampling)', async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedEvents(W, H),
        cutPoints(),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 2 }),
        async (events, cuts, dtUs, shift) => {
          const got = await runSplit(events, cuts, () =>
            backgroundActivity({ geometry, dtUs, subsampleShift: shift }),
          );
          expect(got).toEqual(backgroundActivityReference(events, dtUs, shift));
        },
      ),
      RUNS,
    );
  });

  it('hotPixel (hold) equals counting rates over the calibration period, then dropping hot pixels', async () => {
    await fc.assert(
      fc.asyncProperty(sortedEvents(4, 3, { maxGapUs: 20 }), cutPoints(), async (events, cuts) => {
        const calibrationUs = 300;
        const maxRateHz = 10_000; // 3 events in 300 µs
        const got = await runSplit(events, cuts, () =>
          hotPixel({ geometry: { width: 4, height: 3 }, maxRateHz, calibrationUs }),
        );
        if (events.length === 0) {
          expect(got).toEqual([]);
          return;
        }
        const t0 = events[0][0];
        const inCalibration = events.filter((e) => e[0] < t0 + calibrationUs);
        const lastUs = inCalibration[inCalibration.length - 1][0];
        const durationUs =
          inCalibration.length === events.length ? Math.min(calibrationUs, lastUs - t0 + 1) : calibrationUs;
        const counts = new Map<number, number>();
        for (const [, x, y] of inCalibration) counts.set(y * 4 + x, (counts.get(y * 4 + x) ?? 0) + 1);
        const hot = (x: number, y: number) => ((counts.get(y * 4 + x) ?? 0) * 1e6) / durationUs >= maxRateHz;
        expect(got).toEqual(events.filter(([, x, y]) => !hot(x, y)));
      }),
      RUNS,
    );
  });
});

describe('maps keep every event, in order, with the documented coordinates', () => {
  it('crop with shift = crop without shift, moved to the origin', async () => {
    await fc.assert(
      fc.asyncProperty(sortedEvents(W, H), cutPoints(), async (events, cuts) => {
        const region = { x0: 3, y0: 2, width: 4, height: 6 };
        const shifted = await runSplit(events, cuts, () => crop({ ...region, shift: true }));
        const expected = events
          .filter(([, x, y]) => x >= 3 && x < 7 && y >= 2 && y < 8)
          .map(([t, x, y, p]): Ev => [t, x - 3, y - 2, p]);
        expect(shifted).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('every orientation followed by its inverse is the identity', async () => {
    const inverse = {
      flipX: 'flipX',
      flipY: 'flipY',
      rotate180: 'rotate180',
      transpose: 'transpose',
      transverse: 'transverse',
      rotate90cw: 'rotate90ccw',
      rotate90ccw: 'rotate90cw',
      identity: 'identity',
    } as const;
    await fc.assert(
      fc.asyncProperty(
        sortedEvents(W, H),
        cutPoints(),
        fc.constantFrom(...(Object.keys(inverse) as (keyof typeof inverse)[])),
        async (events, cuts, name) => {
          const turned = await runSplit(events, cuts, () => orient(name, geometry));
          expect(turned.length).toBe(events.length);
          const back = allEvents(
            await collect([pk(turned)], orient(inverse[name], orientationGeometry(name, geometry))),
          );
          expect(back).toEqual(events);
        },
      ),
      RUNS,
    );
  });

  it('downsample, invertPolarity and mergePolarity change only the documented column', async () => {
    await fc.assert(
      fc.asyncProperty(sortedEvents(W, H), cutPoints(), async (events, cuts) => {
        expect(await runSplit(events, cuts, () => downsample({ divisorX: 3, divisorY: 2 }))).toEqual(
          events.map(([t, x, y, p]): Ev => [t, Math.floor(x / 3), Math.floor(y / 2), p]),
        );
        expect(await runSplit(events, cuts, () => invertPolarity())).toEqual(
          events.map(([t, x, y, p]): Ev => [t, x, y, 1 - p]),
        );
        expect(await runSplit(events, cuts, () => mergePolarity(1))).toEqual(
          events.map(([t, x, y]): Ev => [t, x, y, 1]),
        );
      }),
      RUNS,
    );
  });

  it('selectPolarity on and off partition the stream', async () => {
    await fc.assert(
      fc.asyncProperty(sortedEvents(W, H), async (events) => {
        const on = await runSplit(events, [], () => selectPolarity('on'));
        const off = await runSplit(events, [], () => selectPolarity('off'));
        expect(on.length + off.length).toBe(events.length);
        expect(evs(pk(on)).every((e) => e[3] === 1)).toBe(true);
      }),
      RUNS,
    );
  });
});
