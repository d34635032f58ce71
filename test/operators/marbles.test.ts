/**
 * Marble tests (RxJS TestScheduler) for operator behaviour: never, empty, single, multiple,
 * source error, kernel error, callback throws, early unsubscribe, per-subscription state and
 * state across packet boundaries. Packets are compared as event tuples.
 */
import { map, type Observable, type OperatorFunction, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { EventPacket } from '../../src/events/packet.ts';
import { backgroundActivity } from '../../src/operators/background-activity.ts';
import { crop } from '../../src/operators/crop.ts';
import { downsample } from '../../src/operators/downsample.ts';
import { EventOutOfBoundsError } from '../../src/operators/errors.ts';
import { eventRate } from '../../src/operators/event-rate.ts';
import type { EventSlice } from '../../src/operators/event-slice.ts';
import { hotPixel } from '../../src/operators/hot-pixel.ts';
import { hotPixelRelative } from '../../src/operators/hot-pixel-relative.ts';
import { invertPolarity } from '../../src/operators/invert-polarity.ts';
import { mask } from '../../src/operators/mask.ts';
import { mergePolarity } from '../../src/operators/merge-polarity.ts';
import { orient } from '../../src/operators/orient.ts';
import { packetOperator } from '../../src/operators/packet-operator.ts';
import { refractory } from '../../src/operators/refractory.ts';
import { selectPolarity } from '../../src/operators/select-polarity.ts';
import { sliceByCount } from '../../src/operators/slice-by-count.ts';
import { sliceByTime } from '../../src/operators/slice-by-time.ts';
import { type Ev, evs, pk } from './helpers.ts';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const geometry = { width: 8, height: 8 };
const asEvents = map((p: EventPacket) => evs(p));
const asSlices = map((s: EventSlice) => ({ startUs: s.startUs, endUs: s.endUs, events: evs(s.packet) }));

/** Every packet operator, for the behaviour every one of them must share. */
const packetOperators: [string, () => OperatorFunction<EventPacket, EventPacket>][] = [
  ['crop', () => crop({ x0: 0, y0: 0, width: 8, height: 8 })],
  ['mask', () => mask({ geometry, keep: new Array(64).fill(1) })],
  ['orient', () => orient('identity', geometry)],
  ['downsample', () => downsample({ divisor: 1 })],
  ['selectPolarity', () => selectPolarity('on')],
  ['invertPolarity', () => invertPolarity()],
  ['mergePolarity', () => mergePolarity(1)],
  ['refractory', () => refractory({ geometry, periodUs: 1 })],
  ['backgroundActivity', () => backgroundActivity({ geometry, dtUs: 1e9 })],
  ['hotPixel', () => hotPixel({ geometry, maxRateHz: 1e9, calibrationUs: 1, duringCalibration: 'pass' })],
  ['hotPixelRelative', () => hotPixelRelative({ geometry })],
];

describe('every packet operator', () => {
  // Events that all of the operators above pass unchanged (for backgroundActivity: supported by a neighbour).
  const a = pk([[0, 1, 1, 1]]);
  const b = pk([
    [10, 2, 2, 1],
    [11, 3, 3, 1],
  ]);
  const values = { a, b };

  for (const [name, make] of packetOperators) {
    it(`${name}: never, empty, source error and early unsubscribe`, () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        expectObservable(cold<EventPacket>('-').pipe(make(), asEvents)).toBe('-');
        expectObservable(cold<EventPacket>('|').pipe(make(), asEvents)).toBe('|');
        const failing = cold('--#', values, new Error('boom'));
        expectObservable(failing.pipe(make(), asEvents)).toBe('--#', undefined, new Error('boom'));
        // What the operator makes of `a` on its own, computed synchronously outside the scheduler.
        let fromA: Ev[] | undefined;
        of(a)
          .pipe(make())
          .subscribe((p) => {
            fromA = evs(p);
          });
        const endless = cold('-a-b-b-b', values);
        expectObservable(endless.pipe(make(), asEvents), '^--!').toBe(fromA ? '-x-' : '---', { x: fromA });
        expectSubscriptions(endless.subscriptions).toBe('^--!');
      });
    });

    it(`${name}: never emits an empty packet`, () => {
      scheduler().run(({ cold, expectObservable }) => {
        const empty = pk([]);
        expectObservable(cold('-e-e-|', { e: empty }).pipe(make(), asEvents)).toBe('-----|');
      });
    });
  }
});

describe('packet operators: values, errors and state', () => {
  it('crop emits the cropped packet in the frame of its input', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--b-|', {
        a: pk([
          [1, 2, 2, 1],
          [2, 7, 7, 0],
        ]),
        b: pk([[3, 7, 7, 1]]),
      });
      expectObservable(source.pipe(crop({ x0: 1, y0: 1, width: 3, height: 3 }), asEvents)).toBe('-a----|', {
        a: [[1, 1, 1, 1]],
      });
    });
  });

  it('refractory keeps per-pixel state across packets', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|', {
        a: pk([[0, 1, 1, 1]]),
        b: pk([
          [50, 1, 1, 1],
          [50, 2, 2, 1],
        ]),
        c: pk([[120, 1, 1, 1]]),
      });
      expectObservable(source.pipe(refractory({ geometry, periodUs: 100, updateOn: 'pass' }), asEvents)).toBe(
        '-a-b-c-|',
        { a: [[0, 1, 1, 1]], b: [[50, 2, 2, 1]], c: [[120, 1, 1, 1]] },
      );
    });
  });

  it('each subscription gets fresh state', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-a-|', { a: pk([[0, 1, 1, 1]]) });
      const filtered = source.pipe(refractory({ geometry, periodUs: 100 }), asEvents);
      const once = { a: [[0, 1, 1, 1]] as Ev[] };
      expectObservable(filtered).toBe('-a---|', once);
      expectObservable(filtered).toBe('-a---|', once);
    });
  });

  it('an out-of-bounds event: the good events before it are emitted, then the error', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', {
        a: pk([
          [0, 1, 1, 1],
          [1, 9, 1, 1],
        ]),
        b: pk([[2, 1, 1, 1]]),
      });
      const result = source.pipe(mask({ geometry, keep: new Array(64).fill(1) }), asEvents);
      expectObservable(result).toBe(
        '-(a#)',
        { a: [[0, 1, 1, 1]] },
        new EventOutOfBoundsError('mask', 1, 9, 1, 8, 8),
      );
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('passes arrivalMs through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: pk([[0, 1, 1, 1]], 123.5) });
      expectObservable(
        source.pipe(
          downsample(),
          map((p) => p.arrivalMs),
        ),
      ).toBe('-a-|', { a: 123.5 });
    });
  });

  it('hotPixel (pass) keeps arrivalMs on both parts of the packet that ends calibration', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a----|', {
        a: pk(
          [
            [0, 1, 1, 1],
            [150, 2, 2, 1],
          ],
          42,
        ),
      });
      const result = source.pipe(
        hotPixel({ geometry, maxRateHz: 1e9, calibrationUs: 100, duringCalibration: 'pass' }),
        map((p) => [evs(p), p.arrivalMs]),
      );
      expectObservable(result).toBe('-(ab)-|', { a: [[[0, 1, 1, 1]], 42], b: [[[150, 2, 2, 1]], 42] });
    });
  });

  it('hotPixel (hold) delays the calibration period until the mask is known', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c------|', {
        a: pk([
          [0, 1, 1, 1],
          [1, 1, 1, 1],
          [2, 1, 1, 1],
          [3, 4, 4, 1],
        ]),
        b: pk([[50, 5, 5, 1]]),
        c: pk([
          [150, 1, 1, 1],
          [151, 6, 6, 0],
        ]),
      });
      // 100 µs calibration; (1,1) fired 3 times = 30 kHz ≥ 20 kHz → hot.
      const result = source.pipe(hotPixel({ geometry, maxRateHz: 20_000, calibrationUs: 100 }), asEvents);
      expectObservable(result).toBe('-----(abc)--|', {
        a: [[3, 4, 4, 1]],
        b: [[50, 5, 5, 1]],
        c: [[151, 6, 6, 0]],
      });
    });
  });

  it('hotPixel: a throwing onCalibrated callback becomes the error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: pk([[0, 1, 1, 1]]), b: pk([[200, 1, 1, 1]]) });
      const failure = new Error('callback failed');
      const result = source.pipe(
        hotPixel({
          geometry,
          maxRateHz: 1,
          calibrationUs: 100,
          onCalibrated: () => {
            throw failure;
          },
        }),
        asEvents,
      );
      expectObservable(result).toBe('---#', undefined, failure);
    });
  });

  it('hotPixel flushes held events at completion when the stream ends during calibration', () => {
    const calls: number[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-|', {
        a: pk([
          [0, 1, 1, 1],
          [9, 2, 2, 1],
        ]),
      });
      const result = source.pipe(
        hotPixel({ geometry, maxRateHz: 1e6, onCalibrated: (c) => calls.push(c.durationUs) }),
        asEvents,
      );
      // Observed span 10 µs: one event = 100 kHz < 1 MHz → nothing hot.
      expectObservable(result).toBe('---(a|)', {
        a: [
          [0, 1, 1, 1],
          [9, 2, 2, 1],
        ],
      });
    });
    expect(calls).toEqual([10]);
  });
});

describe('windowing operators', () => {
  it('sliceByTime: a window spanning packets is emitted when it is known complete, the rest at completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b--c-|', {
        a: pk([[0, 1, 1, 1]]),
        b: pk([[60, 1, 1, 1]]),
        c: pk([[130, 2, 2, 0]]),
      });
      expectObservable(source.pipe(sliceByTime({ windowUs: 100 }), asSlices)).toBe('------x-(y|)', {
        x: {
          startUs: 0,
          endUs: 100,
          events: [
            [0, 1, 1, 1],
            [60, 1, 1, 1],
          ],
        },
        y: { startUs: 100, endUs: 200, events: [[130, 2, 2, 0]] },
      });
    });
  });

  it('sliceByTime: never, empty, error, early unsubscribe', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<EventPacket>('-').pipe(sliceByTime({ windowUs: 10 }))).toBe('-');
      expectObservable(cold<EventPacket>('|').pipe(sliceByTime({ windowUs: 10 }))).toBe('|');
      expectObservable(cold<EventPacket>('-#').pipe(sliceByTime({ windowUs: 10 }))).toBe('-#');
      const endless = cold('-a-b-c', {
        a: pk([[0, 1, 1, 1]]),
        b: pk([[10, 1, 1, 1]]),
        c: pk([[20, 1, 1, 1]]),
      });
      expectObservable(endless.pipe(sliceByTime({ windowUs: 10 }), asSlices), '^---!').toBe('---x', {
        x: { startUs: 0, endUs: 10, events: [[0, 1, 1, 1]] },
      });
      expectSubscriptions(endless.subscriptions).toBe('^---!');
    });
  });

  it('a downstream take(1) stops a packet that completes several windows after the first', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b', {
        a: pk([
          [0, 1, 1, 1],
          [10, 1, 1, 1],
          [20, 1, 1, 1],
          [30, 1, 1, 1],
        ]),
        b: pk([[40, 1, 1, 1]]),
      });
      expectObservable(source.pipe(sliceByTime({ windowUs: 10 }), take(1), asSlices)).toBe('-(x|)', {
        x: { startUs: 0, endUs: 10, events: [[0, 1, 1, 1]] },
      });
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('sliceByCount: slices span packets; the remainder is flushed at completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', {
        a: pk([
          [1, 1, 1, 1],
          [2, 1, 1, 1],
        ]),
        b: pk([
          [3, 1, 1, 1],
          [4, 1, 1, 1],
        ]),
      });
      expectObservable(
        source.pipe(
          sliceByCount({ count: 3 }),
          map((s) => [s.startUs, s.endUs, s.packet.length]),
        ),
      ).toBe('---x-(y|)', { x: [1, 4, 3], y: [4, 5, 1] });
    });
  });

  it('eventRate: samples are emitted when an event closes their period', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source: Observable<EventPacket> = cold('-a-b-----|', {
        a: pk([
          [0, 1, 1, 1],
          [5, 1, 1, 1],
        ]),
        b: pk([[25, 1, 1, 1]]),
      });
      expectObservable(
        source.pipe(
          eventRate({ windowUs: 10, periodUs: 10 }),
          map((s) => [s.tUs, s.count]),
        ),
      ).toBe('---(xy)--|', { x: [10, 2], y: [20, 0] });
      expectObservable(cold<EventPacket>('-#').pipe(eventRate())).toBe('-#');
      const endless = cold('-a-a-a');
      expectObservable(
        endless.pipe(
          map(() => pk([[0, 0, 0, 1]])),
          eventRate(),
        ),
        '^-!',
      ).toBe('---');
      expectSubscriptions(endless.subscriptions).toBe('^-!');
    });
  });
});

describe('packetOperator (custom operators, as in docs/operators.md)', () => {
  const everyOther = () =>
    packetOperator(() => {
      let parity = 0;
      return (src, out) => {
        out.reserve(src.length);
        let n = 0;
        for (let i = 0; i < src.length; i++, parity ^= 1) {
          if (parity) continue;
          const o = out.length + n++;
          out.tUs[o] = src.tUs[i];
          out.x[o] = src.x[i];
          out.y[o] = src.y[i];
          out.p[o] = src.p[i];
        }
        out.commit(n);
        return n;
      };
    });

  it('keeps state across packets, fresh per subscription, and skips empty results', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|', {
        a: pk([
          [0, 0, 0, 1],
          [1, 0, 0, 1],
          [2, 0, 0, 1],
        ]),
        b: pk([[3, 0, 0, 1]]),
        c: pk([[4, 0, 0, 1]]),
      });
      const values = {
        a: [
          [0, 0, 0, 1],
          [2, 0, 0, 1],
        ] as Ev[],
        c: [[4, 0, 0, 1]] as Ev[],
      };
      const result = source.pipe(everyOther(), asEvents);
      expectObservable(result).toBe('-a---c-|', values);
      expectObservable(result).toBe('-a---c-|', values);
    });
  });
});
