/** Time slicing, count slicing and the event-rate monitor: hand-computed cases and properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventOrderError } from '../../src/operators/errors.ts';
import { eventRate, type RateSample } from '../../src/operators/event-rate.ts';
import type { EventSlice } from '../../src/operators/event-slice.ts';
import { type SliceByCountOptions, sliceByCount } from '../../src/operators/slice-by-count.ts';
import { type SliceByTimeOptions, sliceByTime } from '../../src/operators/slice-by-time.ts';
import { collect, cutPoints, type Ev, evs, pk, snapshot, sortedEvents, splitPacket } from './helpers.ts';

const RUNS = { numRuns: 100, seed: 7 };

interface PlainSlice {
  startUs: number;
  endUs: number;
  events: Ev[];
}

function plain(slices: EventSlice[]): PlainSlice[] {
  return slices.map((s) => ({ startUs: s.startUs, endUs: s.endUs, events: evs(s.packet) }));
}

async function slicesOf(events: Ev[], cuts: number[], op: Parameters<typeof collect<EventSlice>>[1]) {
  const pieces = splitPacket(pk(events), cuts);
  const before = pieces.map(snapshot);
  const out = plain(await collect(pieces, op));
  expect(pieces.map(snapshot)).toEqual(before);
  return out;
}

function timeReference(events: Ev[], options: SliceByTimeOptions): PlainSlice[] {
  const { windowUs, strideUs = windowUs, emitEmpty = false, flushIncomplete = true } = options;
  if (events.length === 0) return [];
  const origin = options.startUs ?? events[0][0];
  const lastT = events[events.length - 1][0];
  const out: PlainSlice[] = [];
  for (let k = 0; ; k++) {
    const startUs = origin + k * strideUs;
    const endUs = startUs + windowUs;
    if (startUs > lastT) break;
    if (lastT < endUs && !flushIncomplete) break;
    const inside = events.filter((e) => e[0] >= startUs && e[0] < endUs);
    if (inside.length > 0 || emitEmpty) out.push({ startUs, endUs, events: inside });
  }
  return out;
}

function countReference(events: Ev[], options: SliceByCountOptions): PlainSlice[] {
  const { count, stride = count, flushIncomplete = true } = options;
  const out: PlainSlice[] = [];
  const bounds = (chunk: Ev[]) => ({
    startUs: chunk[0][0],
    endUs: chunk[chunk.length - 1][0] + 1,
    events: chunk,
  });
  let start = 0;
  let emittedEnd = 0;
  for (; start + count <= events.length; start += stride) {
    out.push(bounds(events.slice(start, start + count)));
    emittedEnd = start + count;
  }
  if (flushIncomplete && start < events.length && events.length > emittedEnd) {
    out.push(bounds(events.slice(start)));
  }
  return out;
}

function rateReference(events: Ev[], windowUs: number, periodUs: number, startUs?: number): RateSample[] {
  if (events.length === 0) return [];
  const origin = startUs ?? events[0][0];
  const lastT = events[events.length - 1][0];
  const out: RateSample[] = [];
  for (let k = 1; origin + k * periodUs <= lastT; k++) {
    const tUs = origin + k * periodUs;
    const spanUs = Math.min(k * periodUs, windowUs);
    const count = events.filter((e) => e[0] >= origin && e[0] >= tUs - spanUs && e[0] < tUs).length;
    out.push({ tUs, spanUs, count, eventsPerSecond: (count * 1e6) / spanUs });
  }
  return out;
}

describe('sliceByTime', () => {
  const events: Ev[] = [
    [100, 0, 0, 1],
    [150, 1, 0, 1],
    [199, 2, 0, 1],
    [200, 3, 0, 1],
    [420, 4, 0, 1],
  ];

  it('cuts [t0 + kΔ, t0 + (k+1)Δ) windows across packets, skipping empty ones by default', async () => {
    const got = await slicesOf(events, [1, 3], sliceByTime({ windowUs: 100 }));
    expect(got).toEqual([
      { startUs: 100, endUs: 200, events: events.slice(0, 3) },
      { startUs: 200, endUs: 300, events: [events[3]] },
      { startUs: 400, endUs: 500, events: [events[4]] },
    ]);
  });

  it('emits empty windows when asked', async () => {
    const got = await slicesOf(events, [], sliceByTime({ windowUs: 100, emitEmpty: true }));
    expect(got.map((s) => [s.startUs, s.events.length])).toEqual([
      [100, 3],
      [200, 1],
      [300, 0],
      [400, 1],
    ]);
  });

  it('overlaps windows when stride < window, and honours startUs', async () => {
    const got = await slicesOf(events, [2], sliceByTime({ windowUs: 100, strideUs: 50, startUs: 50 }));
    expect(got.map((s) => [s.startUs, s.events.map((e) => e[0])])).toEqual([
      [50, [100]],
      [100, [100, 150, 199]],
      [150, [150, 199, 200]],
      [200, [200]],
      [350, [420]],
      [400, [420]],
    ]);
  });

  it('drops the open window at completion when flushIncomplete is false', async () => {
    const got = await slicesOf(events, [], sliceByTime({ windowUs: 100, flushIncomplete: false }));
    expect(got.map((s) => s.startUs)).toEqual([100, 200]);
  });

  it('emits a window as soon as an event at or after its end arrives', async () => {
    const emitted: number[] = [];
    const { Subject } = await import('rxjs');
    const source = new Subject<ReturnType<typeof pk>>();
    source.pipe(sliceByTime({ windowUs: 100 })).subscribe((s) => emitted.push(s.startUs));
    source.next(pk([[0, 0, 0, 1]]));
    source.next(pk([[99, 0, 0, 1]]));
    expect(emitted).toEqual([]);
    source.next(pk([[100, 0, 0, 1]]));
    expect(emitted).toEqual([0]);
    source.complete();
    expect(emitted).toEqual([0, 100]);
  });

  it('slices carry the arrival time of their latest contributing packet', async () => {
    const got = await collect(
      [pk([[0, 0, 0, 1]], 10), pk([[50, 0, 0, 1]], 20), pk([[100, 0, 0, 1]], 30)],
      sliceByTime({ windowUs: 100 }),
    );
    expect(got.map((s) => s.packet.arrivalMs)).toEqual([20, 30]);
  });

  it('reports time going backwards as EventOrderError after the windows completed before it', async () => {
    const out: number[] = [];
    let error: unknown;
    const { from } = await import('rxjs');
    from([
      pk([
        [0, 0, 0, 1],
        [150, 0, 0, 1],
      ]),
      pk([[149, 0, 0, 1]]),
    ])
      .pipe(sliceByTime({ windowUs: 100 }))
      .subscribe({ next: (s) => out.push(s.startUs), error: (e) => (error = e) });
    expect(out).toEqual([0]);
    expect(error).toBeInstanceOf(EventOrderError);
    expect((error as EventOrderError).tUs).toBe(149);
  });

  it('skips long gaps without visiting every empty window', async () => {
    const got = await slicesOf(
      [
        [0, 0, 0, 1],
        [1e12, 0, 0, 1],
      ],
      [],
      sliceByTime({ windowUs: 1 }),
    );
    expect(got.map((s) => s.startUs)).toEqual([0, 1e12]);
  });

  it('with emitEmpty, caps a run of empty windows and jumps to the next event (timestamp-jump guard)', async () => {
    const jump: Ev[] = [
      [0, 0, 0, 1],
      [1000, 0, 0, 1],
    ];
    const capped = await slicesOf(
      jump,
      [],
      sliceByTime({ windowUs: 100, emitEmpty: true, maxEmptyWindows: 2 }),
    );
    expect(capped.map((s) => [s.startUs, s.events.length])).toEqual([
      [0, 1],
      [100, 0],
      [200, 0],
      [1000, 1],
    ]);
    const uncapped = await slicesOf(
      jump,
      [],
      sliceByTime({ windowUs: 100, emitEmpty: true, maxEmptyWindows: Number.POSITIVE_INFINITY }),
    );
    expect(uncapped).toHaveLength(11);
    const huge = await slicesOf(
      [
        [0, 0, 0, 1],
        [1e12, 0, 0, 1],
      ],
      [],
      sliceByTime({ windowUs: 1, emitEmpty: true }),
    );
    expect(huge).toHaveLength(1 + 10_000 + 1);
  });

  it('rejects bad options eagerly, naming the option', () => {
    expect(() => sliceByTime({ windowUs: 10, maxEmptyWindows: -1 })).toThrow(/"maxEmptyWindows"/);
    expect(() => sliceByTime({ windowUs: 0 })).toThrow(/"windowUs" must be a finite number > 0, got 0/);
    expect(() => sliceByTime({ windowUs: 10, strideUs: -1 })).toThrow(RangeError);
    expect(() => sliceByTime({ windowUs: 10, startUs: Number.NaN })).toThrow(/"startUs"/);
    expect(() => sliceByTime({ windowUs: 10, emitEmpty: 'yes' as unknown as boolean })).toThrow(
      /"emitEmpty"/,
    );
  });

  it('matches the offline reference for any split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedEvents(4, 4, { maxGapUs: 30 }),
        cutPoints(),
        fc.record({
          windowUs: fc.integer({ min: 1, max: 120 }),
          strideUs: fc.option(fc.integer({ min: 1, max: 150 }), { nil: undefined }),
          startUs: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
          emitEmpty: fc.boolean(),
          flushIncomplete: fc.boolean(),
        }),
        async (events, cuts, options) => {
          const expected = timeReference(events, options);
          expect(await slicesOf(events, cuts, sliceByTime(options))).toEqual(expected);
        },
      ),
      RUNS,
    );
  });
});

describe('sliceByCount', () => {
  const events: Ev[] = [1, 2, 3, 4, 5, 6, 7].map((t): Ev => [t * 10, t, 0, 1]);

  it('cuts N-event slices across packets with [first t, last t + 1) bounds and flushes the rest', async () => {
    const got = await slicesOf(events, [2, 5], sliceByCount({ count: 3 }));
    expect(got.map((s) => [s.startUs, s.endUs, s.events.length])).toEqual([
      [10, 31, 3],
      [40, 61, 3],
      [70, 71, 1],
    ]);
  });

  it('overlaps slices when stride < count and flushes only new events', async () => {
    const got = await slicesOf(events.slice(0, 6), [], sliceByCount({ count: 4, stride: 2 }));
    expect(got.map((s) => s.events.map((e) => e[0]))).toEqual([
      [10, 20, 30, 40],
      [30, 40, 50, 60],
    ]);
  });

  it('skips events when stride > count', async () => {
    const got = await slicesOf(events, [1, 4], sliceByCount({ count: 2, stride: 3, flushIncomplete: false }));
    expect(got.map((s) => s.events.map((e) => e[0]))).toEqual([
      [10, 20],
      [40, 50],
    ]);
  });

  it('rejects bad options eagerly', () => {
    expect(() => sliceByCount({ count: 0 })).toThrow(/"count" must be a positive integer, got 0/);
    expect(() => sliceByCount({ count: 2, stride: 1.5 })).toThrow(/"stride"/);
  });

  it('matches the offline reference for any split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedEvents(4, 4),
        cutPoints(),
        fc.record({
          count: fc.integer({ min: 1, max: 40 }),
          stride: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
          flushIncomplete: fc.boolean(),
        }),
        async (events, cuts, options) => {
          expect(await slicesOf(events, cuts, sliceByCount(options))).toEqual(
            countReference(events, options),
          );
        },
      ),
      RUNS,
    );
  });
});

describe('eventRate', () => {
  it('reports events per second over a sliding window, from sensor time', async () => {
    // Period 100 µs, window 200 µs; events at 0, 10, 150, 160, 170, 420.
    const events: Ev[] = [0, 10, 150, 160, 170, 420].map((t): Ev => [t, 0, 0, 1]);
    const got = await collect(splitPacket(pk(events), [3]), eventRate({ windowUs: 200, periodUs: 100 }));
    expect(got).toEqual([
      { tUs: 100, spanUs: 100, count: 2, eventsPerSecond: 20_000 },
      { tUs: 200, spanUs: 200, count: 5, eventsPerSecond: 25_000 },
      { tUs: 300, spanUs: 200, count: 3, eventsPerSecond: 15_000 },
      { tUs: 400, spanUs: 200, count: 0, eventsPerSecond: 0 },
    ]);
  });

  it('defaults to a 1 s window sampled every 100 ms', async () => {
    const events: Ev[] = [];
    for (let t = 0; t <= 1_000_000; t += 1000) events.push([t, 0, 0, 1]);
    const got = await collect([pk(events)], eventRate());
    expect(got).toHaveLength(10);
    expect(got[9]).toEqual({ tUs: 1_000_000, spanUs: 1_000_000, count: 1000, eventsPerSecond: 1000 });
  });

  it('caps a run of zero samples and resumes at the next event (timestamp-jump guard)', async () => {
    const got = await collect(
      [pk([0, 5, 1000, 1010].map((t): Ev => [t, 0, 0, 1]))],
      eventRate({ windowUs: 10, periodUs: 10, maxQuietSamples: 2 }),
    );
    expect(got.map((s) => [s.tUs, s.count])).toEqual([
      [10, 2],
      [20, 0],
      [30, 0],
      [1010, 1],
    ]);
    const huge = await collect(
      [pk([0, 1e12].map((t): Ev => [t, 0, 0, 1]))],
      eventRate({ windowUs: 10, periodUs: 1 }),
    );
    expect(huge).toHaveLength(10 + 10_000);
  });

  it('never drops events counted in the open period when the quiet cap is reached', async () => {
    const got = await collect(
      [pk([0, 25, 31].map((t): Ev => [t, 0, 0, 1]))],
      eventRate({ windowUs: 10, periodUs: 10, maxQuietSamples: 1 }),
    );
    expect(got.map((s) => [s.tUs, s.count])).toEqual([
      [10, 1],
      [20, 0],
      [30, 1],
    ]);
  });

  it('rejects a window that is not a multiple of the period', () => {
    expect(() => eventRate({ maxQuietSamples: 0 })).toThrow(/"maxQuietSamples" must be ≥ 1/);
    expect(() => eventRate({ windowUs: 250, periodUs: 100 })).toThrow(/multiple of "periodUs"/);
    expect(() => eventRate({ windowUs: -1 })).toThrow(/"windowUs"/);
  });

  it('matches the offline reference for any split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedEvents(2, 2, { maxGapUs: 40 }),
        cutPoints(),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
        async (events, cuts, periodUs, periods, startUs) => {
          const windowUs = periodUs * periods;
          const got = await collect(
            splitPacket(pk(events), cuts),
            eventRate({ windowUs, periodUs, startUs }),
          );
          expect(got).toEqual(rateReference(events, windowUs, periodUs, startUs));
        },
      ),
      RUNS,
    );
  });
});
