/** Kernel tests with hand-computed expectations. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PacketBuilder } from '../../src/events/builder.ts';
import { EventOrderError, EventOutOfBoundsError } from '../../src/operators/errors.ts';
import {
  backgroundActivityInto,
  createBackgroundActivityState,
} from '../../src/operators/kernels/background-activity.ts';
import { cropInto, maskInto } from '../../src/operators/kernels/crop.ts';
import { downsampledGeometry, downsampleInto } from '../../src/operators/kernels/downsample.ts';
import { EventBuffer } from '../../src/operators/kernels/event-buffer.ts';
import {
  calibrateHotPixels,
  countPixelsBefore,
  createHotPixelCalibrationState,
  createRelativeHotPixelState,
  finishHotPixelCalibration,
  hotPixelMask,
  hotPixelRelativeInto,
} from '../../src/operators/kernels/hot-pixel.ts';
import { orientedGeometry, orientInto } from '../../src/operators/kernels/orient.ts';
import {
  invertPolarityInto,
  selectPolarityInto,
  setPolarityInto,
} from '../../src/operators/kernels/polarity.ts';
import { createRefractoryState, refractoryInto } from '../../src/operators/kernels/refractory.ts';
import { type Ev, evs, pk } from './helpers.ts';

function run(fn: (out: PacketBuilder) => number): { n: number; events: Ev[] } {
  const out = new PacketBuilder(1);
  const n = fn(out);
  expect(out.length).toBe(n);
  return { n, events: evs(out.take()) };
}

describe('cropInto', () => {
  const src = pk([
    [1, 0, 0, 1],
    [2, 2, 3, 0],
    [3, 5, 3, 1],
    [4, 4, 6, 0],
    [5, 4, 5, 1],
  ]);
  it('keeps x0 ≤ x < x0+w, y0 ≤ y < y0+h and shifts to the new origin', () => {
    const { events } = run((out) => cropInto(src, { x0: 2, y0: 3, width: 3, height: 3, shift: true }, out));
    expect(events).toEqual([
      [2, 0, 0, 0],
      [5, 2, 2, 1],
    ]);
  });
  it('keeps sensor coordinates when shift is false', () => {
    const { events } = run((out) => cropInto(src, { x0: 2, y0: 3, width: 3, height: 3, shift: false }, out));
    expect(events).toEqual([
      [2, 2, 3, 0],
      [5, 4, 5, 1],
    ]);
  });
  it('appends after what the builder already holds', () => {
    const out = new PacketBuilder(2);
    out.push(0, 9, 9, 1);
    cropInto(src, { x0: 0, y0: 0, width: 1, height: 1, shift: true }, out);
    expect(evs(out.take())).toEqual([
      [0, 9, 9, 1],
      [1, 0, 0, 1],
    ]);
  });
});

describe('maskInto', () => {
  // 3×2 mask: keep (0,0), (2,0), (1,1).
  const mask = { width: 3, height: 2, keep: Uint8Array.from([1, 0, 1, 0, 1, 0]) };
  it('keeps events on kept pixels only', () => {
    const src = pk([
      [1, 0, 0, 1],
      [2, 1, 0, 1],
      [3, 2, 0, 0],
      [4, 0, 1, 0],
      [5, 1, 1, 1],
    ]);
    expect(run((out) => maskInto(src, mask, out)).events.map((e) => e[0])).toEqual([1, 3, 5]);
  });
  it('commits the kept events before an out-of-bounds event, then throws naming it', () => {
    const src = pk([
      [1, 0, 0, 1],
      [2, 3, 0, 1],
      [3, 2, 0, 1],
    ]);
    const out = new PacketBuilder();
    let error: unknown;
    try {
      maskInto(src, mask, out);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventOutOfBoundsError);
    expect((error as EventOutOfBoundsError).index).toBe(1);
    expect((error as Error).message).toContain('x=3');
    expect(evs(out.take())).toEqual([[1, 0, 0, 1]]);
  });
});

describe('orientInto', () => {
  // 4×3 sensor; the event (1, 0).
  const src = pk([
    [7, 1, 0, 1],
    [8, 3, 2, 0],
  ]);
  const cases: [string, boolean, boolean, boolean, Ev[]][] = [
    [
      'flipX',
      true,
      false,
      false,
      [
        [7, 2, 0, 1],
        [8, 0, 2, 0],
      ],
    ],
    [
      'flipY',
      false,
      true,
      false,
      [
        [7, 1, 2, 1],
        [8, 3, 0, 0],
      ],
    ],
    [
      'rotate180',
      true,
      true,
      false,
      [
        [7, 2, 2, 1],
        [8, 0, 0, 0],
      ],
    ],
    [
      'transpose',
      false,
      false,
      true,
      [
        [7, 0, 1, 1],
        [8, 2, 3, 0],
      ],
    ],
    // rotate 90° clockwise: (x, y) → (H−1−y, x)
    [
      'rotate90cw',
      false,
      true,
      true,
      [
        [7, 2, 1, 1],
        [8, 0, 3, 0],
      ],
    ],
  ];
  for (const [name, flipX, flipY, transpose, expected] of cases) {
    it(`${name} maps coordinates as documented`, () => {
      const o = { width: 4, height: 3, flipX, flipY, transpose };
      expect(run((out) => orientInto(src, o, out)).events).toEqual(expected);
    });
  }
  it('reports the transposed geometry', () => {
    expect(orientedGeometry({ width: 4, height: 3, flipX: false, flipY: false, transpose: true })).toEqual({
      width: 3,
      height: 4,
    });
  });
  it('throws on an event outside the source geometry after keeping the ones before', () => {
    const out = new PacketBuilder();
    const bad = pk([
      [1, 3, 2, 1],
      [2, 0, 3, 1],
    ]);
    expect(() =>
      orientInto(bad, { width: 4, height: 3, flipX: true, flipY: false, transpose: false }, out),
    ).toThrow(/event 1 .*y=3.*4x3/);
    expect(evs(out.take())).toEqual([[1, 0, 2, 1]]);
  });
});

describe('downsampleInto', () => {
  it('floors x / dx and y / dy and keeps every event', () => {
    const src = pk([
      [1, 0, 0, 1],
      [2, 5, 7, 0],
      [3, 6, 8, 1],
    ]);
    expect(run((out) => downsampleInto(src, { divisorX: 2, divisorY: 3 }, out)).events).toEqual([
      [1, 0, 0, 1],
      [2, 2, 2, 0],
      [3, 3, 2, 1],
    ]);
  });
  it('is exact for large coordinates and non power-of-two divisors', () => {
    const src = pk([[1, 65535, 65534, 1]]);
    expect(run((out) => downsampleInto(src, { divisorX: 3, divisorY: 7 }, out)).events).toEqual([
      [1, 21845, 9362, 1],
    ]);
  });
  it('rounds the output geometry up', () => {
    expect(downsampledGeometry(346, 260, { divisorX: 4, divisorY: 4 })).toEqual({ width: 87, height: 65 });
  });
});

describe('polarity kernels', () => {
  const src = pk([
    [1, 1, 1, 1],
    [2, 2, 2, 0],
    [3, 3, 3, 1],
  ]);
  it('selects one polarity', () => {
    expect(run((out) => selectPolarityInto(src, 0, out)).events).toEqual([[2, 2, 2, 0]]);
    expect(run((out) => selectPolarityInto(src, 1, out)).events.map((e) => e[0])).toEqual([1, 3]);
  });
  it('inverts and merges', () => {
    expect(run((out) => invertPolarityInto(src, out)).events.map((e) => e[3])).toEqual([0, 1, 0]);
    expect(run((out) => setPolarityInto(src, 1, out)).events.map((e) => e[3])).toEqual([1, 1, 1]);
  });
});

describe('refractoryInto', () => {
  // One pixel firing at 0, 40, 80, 120 µs and another pixel at 50; period 100 µs.
  const src = pk([
    [0, 1, 1, 1],
    [40, 1, 1, 1],
    [50, 2, 1, 0],
    [80, 1, 1, 1],
    [120, 1, 1, 1],
    [200, 1, 1, 0],
  ]);
  it("'all': every event refreshes the pixel, so a fast pixel stays silent until it pauses", () => {
    const state = createRefractoryState(4, 4, 100, 'all');
    // 0 passes; 40, 80, 120 are each < 100 after the previous event; 200 is 80 after 120 → dropped.
    expect(run((out) => refractoryInto(src, state, out)).events.map((e) => e[0])).toEqual([0, 50]);
  });
  it("'pass': only passed events refresh, so a burst yields one event per period", () => {
    const state = createRefractoryState(4, 4, 100, 'pass');
    // 0 passes; 40, 80 dropped (< 100 after 0); 120 passes; 200 is 80 after 120 → dropped.
    expect(run((out) => refractoryInto(src, state, out)).events.map((e) => e[0])).toEqual([0, 50, 120]);
  });
  it('keeps its state across calls (packets)', () => {
    const state = createRefractoryState(4, 4, 100, 'pass');
    run((out) => refractoryInto(pk([[0, 1, 1, 1]]), state, out));
    expect(run((out) => refractoryInto(pk([[99, 1, 1, 1]]), state, out)).n).toBe(0);
    expect(run((out) => refractoryInto(pk([[100, 1, 1, 1]]), state, out)).n).toBe(1);
  });
  it('throws EventOutOfBoundsError with the event index', () => {
    const state = createRefractoryState(4, 4, 100, 'all');
    const out = new PacketBuilder();
    expect(() =>
      refractoryInto(
        pk([
          [0, 1, 1, 1],
          [1, 1, 4, 1],
        ]),
        state,
        out,
      ),
    ).toThrow(EventOutOfBoundsError);
    expect(out.length).toBe(1);
  });
});

describe('backgroundActivityInto', () => {
  it('passes an event only with a neighbour (not itself) within dt before it', () => {
    const state = createBackgroundActivityState(8, 8, 10, 0);
    const src = pk([
      [0, 3, 3, 1], // no support yet → dropped
      [5, 4, 4, 1], // neighbour (3,3) at 0, 5 ≤ 10 → passes
      [6, 4, 4, 1], // own pixel at 5 does not count; neighbour (3,3) at 0, 6 ≤ 10 → passes
      [20, 6, 6, 1], // (5,5) never fired → dropped
      [21, 3, 3, 1], // neighbour (4,4) last at 6: 15 > 10 → dropped
      [25, 3, 4, 1], // neighbours (3,3) at 21 → passes
      [40, 0, 0, 1], // corner, no neighbours fired → dropped
    ]);
    expect(run((out) => backgroundActivityInto(src, state, out)).events.map((e) => e[0])).toEqual([5, 6, 25]);
  });
  it('handles sensor borders (padding) without bounds errors', () => {
    const state = createBackgroundActivityState(3, 2, 10, 0);
    const src = pk([
      [0, 0, 0, 1],
      [1, 1, 1, 1],
      [2, 2, 1, 1],
      [3, 2, 0, 1],
    ]);
    expect(run((out) => backgroundActivityInto(src, state, out)).events.map((e) => e[0])).toEqual([1, 2, 3]);
  });
  it('subsamples pixels into 2^k cells whose members do not support each other', () => {
    const state = createBackgroundActivityState(8, 8, 10, 1);
    const src = pk([
      [0, 0, 0, 1], // cell (0,0)
      [1, 1, 1, 1], // same cell (0,0) → no support → dropped
      [2, 2, 0, 1], // cell (1,0), neighbour of (0,0) → passes
      [3, 7, 7, 1], // cell (3,3) → dropped
    ]);
    expect(run((out) => backgroundActivityInto(src, state, out)).events.map((e) => e[0])).toEqual([2]);
  });
});

describe('hot pixel kernels', () => {
  it('counts events before the calibration end and returns where it stopped', () => {
    const counts = { width: 2, height: 2, counts: new Uint32Array(4) };
    const src = pk([
      [0, 1, 0, 1],
      [5, 1, 0, 1],
      [9, 0, 1, 1],
      [10, 1, 1, 1],
    ]);
    expect(countPixelsBefore(src, 10, counts)).toBe(3);
    expect(Array.from(counts.counts)).toEqual([0, 2, 1, 0]);
  });
  it('masks pixels at or above the rate threshold', () => {
    const counts = { width: 2, height: 2, counts: Uint32Array.from([0, 50, 49, 100]) };
    const keep = new Uint8Array(4);
    // 1 s calibration, 50 Hz threshold: 50 and 100 events are hot.
    expect(hotPixelMask(counts, 1_000_000, 50, keep)).toBe(2);
    expect(Array.from(keep)).toEqual([1, 0, 1, 0]);
  });
  it('calibrates across packets from the first event and reports hot pixels with their rates', () => {
    const state = createHotPixelCalibrationState(3, 2, 100, 25_000);
    expect(
      calibrateHotPixels(
        pk([
          [50, 2, 1, 1],
          [60, 2, 1, 1],
        ]),
        state,
      ),
    ).toBe(2);
    // Calibration is [50, 150): the event at 150 is the first one after it.
    expect(
      calibrateHotPixels(
        pk([
          [70, 2, 1, 1],
          [80, 0, 0, 1],
          [150, 2, 1, 1],
        ]),
        state,
      ),
    ).toBe(2);
    const full = finishHotPixelCalibration(state, false);
    // (2,1): 3 events in 100 µs = 30 kHz ≥ 25 kHz; (0,0): 10 kHz.
    expect(full.durationUs).toBe(100);
    expect(full.hotPixels).toEqual([{ x: 2, y: 1, rateHz: 30_000 }]);
    expect(Array.from(full.keep)).toEqual([1, 1, 1, 1, 1, 0]);
    // Stream ended early: the observed span 50..80 is 31 µs, so (0,0) is 1/31 µs ≈ 32 kHz → hot too.
    const early = finishHotPixelCalibration(state, true);
    expect(early.durationUs).toBe(31);
    expect(early.hotPixels.map((h) => [h.x, h.y])).toEqual([
      [0, 0],
      [2, 1],
    ]);
  });

  it('drops, per packet, pixels busier than ratio × their busiest 4-neighbour', () => {
    const state = createRelativeHotPixelState(4, 4, 3, 3);
    const events: Ev[] = [];
    for (let i = 0; i < 10; i++) events.push([i, 1, 1, 1]); // 10 events at (1,1): neighbour max 2 → hot
    events.push([20, 1, 2, 1], [21, 1, 2, 1]); // (1,2): 2 events < minCount → kept
    for (let i = 0; i < 4; i++) events.push([30 + i, 3, 3, 0]); // (3,3): 4 > 3 × 0 → hot
    const { events: kept } = run((out) => hotPixelRelativeInto(pk(events), state, out));
    expect(kept).toEqual([
      [20, 1, 2, 1],
      [21, 1, 2, 1],
    ]);
    expect(state.counts.every((c) => c === 0)).toBe(true);
  });
  it('keeps a busy pixel whose neighbour is nearly as busy', () => {
    const state = createRelativeHotPixelState(4, 4, 3, 3);
    const events: Ev[] = [];
    for (let i = 0; i < 6; i++) events.push([i, 1, 1, 1]);
    for (let i = 0; i < 2; i++) events.push([10 + i, 2, 1, 1]);
    // 6 > 3 × 2 is false → kept.
    expect(run((out) => hotPixelRelativeInto(pk(events), state, out)).n).toBe(8);
  });
});

describe('EventBuffer', () => {
  it('appends in order, finds bounds, discards and copies with the latest arrival time', () => {
    const buffer = new EventBuffer(2);
    expect(
      buffer.append(
        pk(
          [
            [1, 0, 0, 1],
            [3, 0, 0, 1],
          ],
          100,
        ),
        Number.NEGATIVE_INFINITY,
      ),
    ).toBe(2);
    expect(
      buffer.append(
        pk(
          [
            [3, 1, 0, 1],
            [7, 1, 0, 1],
          ],
          200,
        ),
        3,
      ),
    ).toBe(2);
    expect(buffer.size).toBe(4);
    expect(buffer.lowerBound(3)).toBe(1);
    expect(buffer.lowerBound(4)).toBe(3);
    expect(buffer.lowerBound(99)).toBe(4);
    expect(buffer.copy(0, 2).arrivalMs).toBe(100);
    expect(buffer.copy(0, 3).arrivalMs).toBe(200);
    buffer.discard(2);
    expect(buffer.timeAt(0)).toBe(3);
    expect(evs(buffer.copy(0, 2))).toEqual([
      [3, 1, 0, 1],
      [7, 1, 0, 1],
    ]);
    expect(buffer.copy(0, 1).arrivalMs).toBe(200);
  });
  it('stops at the first event that goes back in time (or is NaN)', () => {
    const buffer = new EventBuffer();
    expect(
      buffer.append(
        pk([
          [5, 0, 0, 1],
          [4, 0, 0, 1],
        ]),
        0,
      ),
    ).toBe(1);
    expect(buffer.append(pk([[Number.NaN, 0, 0, 1]]), 5)).toBe(0);
    expect(buffer.size).toBe(1);
  });
  it('EventOrderError names the index and both times', () => {
    const err = new EventOrderError('x', 3, 5, 9);
    expect(err.code).toBe('E_EVENT_ORDER');
    expect(err.message).toContain('event 3');
  });
});

describe('kernel layering', () => {
  it('kernels import neither rxjs nor node modules, only events/ and operators/ files', () => {
    const dir = new URL('../../src/operators/kernels/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const specifiers = [...source.matchAll(/(?:from|import)\s*'([^']+)'/g)].map((m) => m[1]);
      for (const specifier of specifiers) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\/(?:\.\.\/events\/|[a-z-]+\.ts$)/);
      }
    }
  });
});
