import fc from 'fast-check';
import { from, lastValueFrom, Subject, toArray, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type EventPacket, packetFromArrays, slicePacket } from '../../src/events/packet.ts';
import type { ModelSpec } from '../../src/model/schema.ts';
import {
  Classifier,
  type ClassifierOptions,
  classify,
  parseWindowSpec,
} from '../../src/operators/classify/index.ts';
import type { Prediction } from '../../src/protocol/prediction.ts';
import { compileNetwork } from '../../src/snn/network.ts';

/**
 * A 2×2 sensor, polarity split → 8 inputs (index = p·4 + y·2 + x) → 3 outputs; input j excites
 * output j % 3 strongly (w = 10 fires within a fraction of τ_s), and nothing else.
 */
function tinyModel(overrides: Partial<ModelSpec> = {}, maxSpikes = 1): ModelSpec {
  const weights = new Float32Array(8 * 3);
  for (let j = 0; j < 8; j++) weights[j * 3 + (j % 3)] = 10;
  return {
    name: 'tiny',
    description: 'test model',
    timeUnitUs: 1000,
    inputShape: [2, 2, 2],
    layers: [{ type: 'dense', size: 3, neuron: { tauS: 1, threshold: 1, maxSpikes }, weights }],
    inputMapping: { kind: 'events', sensorWidth: 2, sensorHeight: 2, polarity: 'split' },
    readout: { kind: 'first-spike', window: 10 },
    labels: ['a', 'b', 'c'],
    ...overrides,
  };
}

/** A random 2-layer model over the same 2×2 sensor (8 → 6 → 3). */
function randomModel(seed: number, maxSpikes: number): ModelSpec {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const w1 = Float32Array.from({ length: 8 * 6 }, () => rnd() * 5 - 1);
  const w2 = Float32Array.from({ length: 6 * 3 }, () => rnd() * 6 - 1);
  return tinyModel(
    {
      name: `random${seed}`,
      layers: [
        { type: 'dense', size: 6, neuron: { tauS: 1, threshold: 1, maxSpikes }, weights: w1 },
        { type: 'dense', size: 3, neuron: { tauS: 1, threshold: 1, maxSpikes }, weights: w2 },
      ],
      readout: maxSpikes === 1 ? { kind: 'first-spike', window: 5 } : { kind: 'spike-count', window: 5 },
    },
    maxSpikes,
  );
}

function events(list: readonly [number, number, number, number][], arrivalMs?: number): EventPacket {
  const pk = packetFromArrays(
    list.map((e) => e[0]),
    list.map((e) => e[1]),
    list.map((e) => e[2]),
    list.map((e) => e[3]),
  );
  return arrivalMs === undefined ? pk : { ...pk, arrivalMs };
}

function runAll(options: ClassifierOptions, packets: readonly EventPacket[]): Prediction[] {
  const c = new Classifier(options);
  const out: Prediction[] = [];
  for (const p of packets) c.push(p, (x) => out.push(x));
  c.flush((x) => out.push(x));
  return out;
}

/** Everything but the wall-clock latency and the packet-granular energy counters. */
function modelTimeView(p: Prediction) {
  const { pipelineUs: _, energy: __, ...rest } = p;
  return rest;
}

describe('Classifier: TTFS on fixed windows', () => {
  it('decides at the first output spike, with decisionUs in sensor time from the window start', () => {
    // Window 10 ms from the first event (t = 5000). Pixel (1,0) ON → input 5 → output 2 ("c").
    const out = runAll({ model: tinyModel(), now: () => 100 }, [
      events(
        [
          [5000, 1, 0, 1],
          [5200, 0, 0, 0],
        ],
        99.5,
      ),
    ]);
    expect(out).toHaveLength(1);
    const p = out[0];
    expect(p).toMatchObject({
      model: 'tiny',
      label: 'c',
      classIndex: 2,
      reason: 'first-spike',
      scoreKind: 'first-spike-time-us',
      windowStartUs: 5000,
      windowEndUs: 15000,
    });
    // One input of weight 10 into τ_s = 1 ms, τ = 2 ms, θ = 1: u = 20(e^{-t/2} − e^{-t}) = 1 at
    // t = −2·ln((1 + √(1 − 4/20)) / 2) ms (smaller root of X² − X + 1/20 = 0, X = e^{-t/2}).
    const expected = -2 * Math.log((1 + Math.sqrt(1 - 4 / 20)) / 2) * 1000;
    expect(p.decisionUs).toBeCloseTo(expected, 6);
    expect(p.scores[2]).toBeCloseTo(expected, 6);
    expect(p.scores[0]).toBe(Number.POSITIVE_INFINITY);
    expect(p.pipelineUs).toBeCloseTo(500, 6);
    expect(p.energy).toMatchObject({ inputEvents: 2, spikesPerLayer: [1], costTable: 'cmos45nm' });
    expect(p.energy.energyJ).toBeCloseTo(p.energy.synapticOps * 0.9e-12, 20);
  });

  it('stops feeding a window after an early decision (fewer input events counted)', () => {
    const list: [number, number, number, number][] = [];
    for (let k = 0; k < 50; k++) list.push([1000 + k * 100, 1, 0, 1]);
    const packets = list.map((e, k) => events([e], k));
    const [p] = runAll({ model: tinyModel() }, packets);
    expect(p.reason).toBe('first-spike');
    expect(p.energy.inputEvents).toBeLessThan(10);
  });

  it('reports a window without any output spike as classIndex −1 at the window end', () => {
    const weights = new Float32Array(24); // all zero: nothing ever fires
    const model = tinyModel({
      layers: [{ type: 'dense', size: 3, neuron: { tauS: 1, threshold: 1, maxSpikes: 1 }, weights }],
    });
    const [p] = runAll({ model }, [events([[0, 0, 0, 1]])]);
    expect(p).toMatchObject({ classIndex: -1, label: '', reason: 'window-end', decisionUs: 10_000 });
  });

  it('skips empty windows and starts one per non-empty grid slot', () => {
    const out = runAll({ model: tinyModel(), window: { kind: 'fixed', lengthUs: 1000 } }, [
      events([
        [0, 0, 0, 1],
        [500, 0, 0, 1],
        [5300, 1, 1, 0],
      ]),
    ]);
    expect(out.map((p) => [p.windowStartUs, p.windowEndUs])).toEqual([
      [0, 1000],
      [5000, 6000],
    ]);
    // ON (0,0) → input 4 → b; OFF (1,1) → input 3 → a.
    expect(out.map((p) => p.label)).toEqual(['b', 'a']);
  });
});

describe('Classifier: matches network.run() on every window (property)', () => {
  const eventArb = fc.tuple(
    fc.integer({ min: 0, max: 40_000 }),
    fc.integer({ min: 0, max: 1 }),
    fc.integer({ min: 0, max: 1 }),
    fc.integer({ min: 0, max: 1 }),
  );
  it.each([1, 3])(
    'maxSpikes %i: same decisions as an offline run, however the stream is split',
    (maxSpikes) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1000 }),
          fc.array(eventArb, { minLength: 1, maxLength: 120 }),
          fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 6 }),
          (seed, evs, cuts) => {
            const model = randomModel(seed, maxSpikes);
            evs.sort((a, b) => a[0] - b[0]);
            const whole = events(evs);
            const lengthUs = 5000;
            const options: ClassifierOptions = { model, window: { kind: 'fixed', lengthUs } };
            const got = runAll(options, [whole]);
            // Independent of packet boundaries.
            const pts = [...new Set(cuts.map((c) => Math.min(c, evs.length)))].sort((a, b) => a - b);
            const pieces: EventPacket[] = [];
            let prev = 0;
            for (const c of [...pts, evs.length]) {
              pieces.push(slicePacket(whole, prev, c));
              prev = c;
            }
            expect(runAll(options, pieces).map(modelTimeView)).toEqual(got.map(modelTimeView));
            // Oracle: run() over each non-empty window's events.
            const net = compileNetwork(model);
            const t0 = evs[0][0];
            const windows = new Map<number, [number, number, number, number][]>();
            for (const e of evs) {
              const k = Math.floor((e[0] - t0) / lengthUs);
              const list = windows.get(k) ?? [];
              list.push(e);
              windows.set(k, list);
            }
            const keys = [...windows.keys()].sort((a, b) => a - b);
            expect(got.map((p) => p.windowStartUs)).toEqual(keys.map((k) => t0 + k * lengthUs));
            keys.forEach((k, n) => {
              const start = t0 + k * lengthUs;
              const list = windows.get(k)!;
              const r = net.run(
                {
                  times: list.map((e) => (e[0] - start) / 1000),
                  indices: list.map((e) => e[3] * 4 + e[2] * 2 + e[1]),
                },
                { windowStart: 0, windowEnd: lengthUs / 1000 },
              );
              const outLayer = r.layers[r.layers.length - 1];
              const p = got[n];
              if (maxSpikes === 1) {
                if (outLayer.count === 0) expect(p.classIndex).toBe(-1);
                else {
                  expect(p.classIndex).toBe(outLayer.neurons[0]);
                  expect(p.decisionUs).toBeCloseTo(outLayer.times[0] * 1000, 6);
                }
              } else {
                const counts = Array.from(outLayer.spikeCounts);
                expect(p.scores).toEqual(counts);
                if (counts.every((c) => c === 0)) expect(p.classIndex).toBe(-1);
                else expect(counts[p.classIndex]).toBe(Math.max(...counts));
              }
            });
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});

describe('Classifier: other windows and decisions', () => {
  it('sliding windows overlap and each gets its own network state', () => {
    const out = runAll({ model: tinyModel(), window: { kind: 'sliding', lengthUs: 4000, strideUs: 2000 } }, [
      events([
        [0, 0, 0, 1], // index 4 → b
        [2500, 1, 0, 1], // index 5 → c
        [4500, 0, 1, 1], // index 6 → a
      ]),
    ]);
    expect(out.map((p) => [p.windowStartUs, p.label])).toEqual([
      [0, 'b'],
      [2000, 'c'],
      [4000, 'a'],
    ]);
  });

  it('count windows hold N events and end after their last event', () => {
    const out = runAll({ model: tinyModel(), window: { kind: 'count', events: 3 } }, [
      events([
        [0, 0, 0, 1],
        [100, 0, 0, 1],
      ]),
      events([
        [400, 0, 0, 1],
        [500, 1, 0, 1],
        [600, 1, 0, 1],
        [900, 1, 0, 1],
        [1000, 0, 1, 1],
      ]),
    ]);
    // The output fires ~210 µs after an input: inside the first two windows, not in the last
    // (a single event at 1000 that ends the stream: no output spike by its end).
    expect(out.map((p) => [p.windowStartUs, p.windowEndUs, p.label, p.reason])).toEqual([
      [0, 401, 'b', 'first-spike'],
      [500, 901, 'c', 'first-spike'],
      [1000, 1001, '', 'window-end'],
    ]);
  });

  it('activity windows open at the first event of a burst', () => {
    const quiet: [number, number, number, number][] = [
      [0, 0, 0, 1],
      [10_000, 0, 0, 1],
      [20_000, 0, 0, 1],
    ];
    const burst: [number, number, number, number][] = [
      [30_000, 1, 0, 1],
      [30_100, 1, 0, 1],
      [30_200, 1, 0, 1],
    ];
    const out = runAll(
      { model: tinyModel(), window: { kind: 'activity', minEvents: 3, withinUs: 1000, lengthUs: 5000 } },
      [events(quiet), events(burst)],
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ windowStartUs: 30_000, windowEndUs: 35_000, label: 'c' });
    expect(out[0].energy.inputEvents).toBeGreaterThanOrEqual(1);
  });

  it('spike counts decide early once the leader is ahead by the margin', () => {
    const model = tinyModel({ readout: { kind: 'spike-count', window: 50, margin: 2 } }, 10);
    const list: [number, number, number, number][] = [];
    for (let k = 0; k < 20; k++) list.push([k * 500, 1, 0, 1]); // all → c
    const [p] = runAll(
      { model },
      list.map((e) => events([e])),
    );
    expect(p.reason).toBe('margin');
    expect(p.label).toBe('c');
    expect(p.scoreKind).toBe('spike-count');
    expect(p.scores).toEqual([0, 0, 2]);
    expect(p.decisionUs).toBeLessThan(50_000);
    // With margin 0 the same stream is decided at the window end.
    const [q] = runAll(
      { model, decision: { kind: 'spike-count', margin: 0 } },
      list.map((e) => events([e])),
    );
    expect(q).toMatchObject({ reason: 'window-end', label: 'c', decisionUs: 50_000 });
    expect(q.scores[2]).toBeGreaterThan(2);
  });

  it('drops events outside the crop, applies downsampling and the polarity rule', () => {
    // 4×4 sensor, crop x∈[2,4), y∈[0,4), downsample 2 → 1×2 per channel; "on" → 1 channel.
    const weights = new Float32Array(2 * 2);
    weights[0 * 2 + 0] = 10;
    weights[1 * 2 + 1] = 10;
    const model: ModelSpec = {
      ...tinyModel(),
      inputShape: [1, 2, 1],
      layers: [{ type: 'dense', size: 2, neuron: { tauS: 1, threshold: 1, maxSpikes: 1 }, weights }],
      inputMapping: {
        kind: 'events',
        sensorWidth: 4,
        sensorHeight: 4,
        crop: { x: 2, y: 0, width: 2, height: 4 },
        downsample: 2,
        polarity: 'on',
      },
      labels: ['top', 'bottom'],
    };
    const c = new Classifier({ model });
    const out: Prediction[] = [];
    c.push(
      events([
        [0, 0, 3, 1], // outside crop
        [1, 3, 3, 0], // OFF: dropped by "on"
        [2, 3, 3, 1], // → y 1 → bottom
      ]),
      (p) => out.push(p),
    );
    c.flush((p) => out.push(p));
    expect(c.droppedEvents).toBe(2);
    expect(out.map((p) => p.label)).toEqual(['bottom']);
  });

  it('restarts its windows when the source restarts its timeline (time going backwards)', () => {
    const c = new Classifier({ model: tinyModel() });
    const out: Prediction[] = [];
    c.push(events([[50_000, 0, 0, 1]]), (p) => out.push(p));
    c.push(events([[1_000, 1, 0, 1]]), (p) => out.push(p));
    c.flush((p) => out.push(p));
    expect(c.timelineRestarts).toBe(1);
    expect(out.map((p) => [p.windowStartUs, p.label])).toEqual([
      [50_000, 'b'],
      [1_000, 'c'],
    ]);
  });

  it('fills trueLabel from the source and passes it on', () => {
    const [p] = runAll({ model: tinyModel(), trueLabel: (s) => (s === 0 ? 'b' : undefined) }, [
      events([[0, 0, 0, 1]]),
    ]);
    expect(p.trueLabel).toBe('b');
  });

  it('validates options eagerly with the option name and value', () => {
    expect(() => new Classifier({ model: tinyModel(), window: { kind: 'fixed', lengthUs: 0 } })).toThrow(
      /"window.lengthUs" must be a finite number > 0, got 0/,
    );
    expect(
      () => new Classifier({ model: tinyModel(), window: { kind: 'sliding', lengthUs: 100, strideUs: 200 } }),
    ).toThrow(/strideUs/);
    expect(
      () => new Classifier({ model: tinyModel(), decision: { kind: 'spike-count', margin: -1 } }),
    ).toThrow(/"decision.margin" must be an integer >= 0, got -1/);
    expect(
      () =>
        new Classifier({
          model: tinyModel({
            inputMapping: { kind: 'events', sensorWidth: 3, sensorHeight: 2, polarity: 'split' },
          }),
        }),
    ).toThrow(/inputMapping.*12 inputs but the network has 8/);
    expect(
      () =>
        new Classifier({
          model: tinyModel({ inputMapping: { kind: 'image', width: 2, height: 2, channels: 2, window: 1 } }),
        }),
    ).toThrow(/event input mapping/);
  });

  it('parses CLI window specs', () => {
    expect(parseWindowSpec('fixed:100ms')).toEqual({ kind: 'fixed', lengthUs: 100_000 });
    expect(parseWindowSpec('sliding:100ms/25ms')).toEqual({
      kind: 'sliding',
      lengthUs: 100_000,
      strideUs: 25_000,
    });
    expect(parseWindowSpec('count:2000')).toEqual({ kind: 'count', events: 2000 });
    expect(parseWindowSpec('activity:50/5ms/0.1s')).toEqual({
      kind: 'activity',
      minEvents: 50,
      withinUs: 5000,
      lengthUs: 100_000,
    });
    expect(() => parseWindowSpec('fixed')).toThrow(/--window "fixed"/);
    expect(() => parseWindowSpec('fixed:abc')).toThrow(/not a duration/);
  });
});

describe('classify operator', () => {
  it('runs several models on one stream; each prediction names its model', async () => {
    const packets = [
      events([
        [0, 0, 0, 1],
        [100, 1, 0, 1],
      ]),
    ];
    const relaxed = tinyModel({ name: 'tiny-relaxed', readout: { kind: 'spike-count', window: 10 } }, 4);
    const preds = await lastValueFrom(
      from(packets).pipe(classify([{ model: tinyModel() }, { model: relaxed }]), toArray()),
    );
    expect(preds.map((p) => p.model).sort()).toEqual(['tiny', 'tiny-relaxed']);
    expect(preds.find((p) => p.model === 'tiny')?.reason).toBe('first-spike');
    expect(preds.find((p) => p.model === 'tiny-relaxed')?.reason).toBe('window-end');
  });

  it('decides open windows after idleFlushMs without packets (wall clock, via the scheduler)', () => {
    const scheduler = new VirtualTimeScheduler();
    const input = new Subject<EventPacket>();
    const got: Prediction[] = [];
    const relaxed = tinyModel({ readout: { kind: 'spike-count', window: 10 } }, 4);
    input.pipe(classify({ model: relaxed }, { idleFlushMs: 200, scheduler })).subscribe((p) => got.push(p));
    input.next(events([[0, 0, 0, 1]]));
    scheduler.flush(); // 200 virtual ms pass with no packet: the open window is decided
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ reason: 'window-end', label: 'b', windowStartUs: 0 });
    input.next(events([[3000, 1, 0, 1]])); // a new grid starts at the next event
    input.complete();
    expect(got.map((p) => [p.windowStartUs, p.label])).toEqual([
      [0, 'b'],
      [3000, 'c'],
    ]);
  });

  it('refuses two models with the same name', () => {
    expect(() => classify([{ model: tinyModel() }, { model: tinyModel() }])).toThrow(
      /two models are named "tiny"/,
    );
  });
});
