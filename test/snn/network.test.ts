import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputSpikeError, NetworkSpecError } from '../../src/snn/errors.ts';
import { compileNetwork } from '../../src/snn/network.ts';
import type { NetworkSpec } from '../../src/snn/spec.ts';
import { expectSameResponseAt } from './long-stream.ts';
import { randomDense, randomInput } from './random-nets.ts';

const tauS = 0.13;
const tau = 2 * tauS;

function single(threshold: number, w: number, maxSpikes = 1): NetworkSpec {
  return {
    inputShape: [1],
    layers: [
      { type: 'dense', size: 1, neuron: { tauS, threshold, maxSpikes }, weights: new Float32Array([w]) },
    ],
  };
}

describe('single neuron, analytic', () => {
  // One input of weight w at t0: u(t) = w·τ·(e^{−s/τ} − e^{−s/τ_s}), s = t − t0. The peak is at
  // s = τ·ln 2 with u = w·τ/4; the first crossing of θ solves w·τ·(y − y²) = θ, y = e^{−s/τ}.
  const w = 1;
  const peak = (w * tau) / 4;

  it('crosses at the closed-form time when θ is below the peak', () => {
    for (const frac of [0.1, 0.5, 0.9, 0.999]) {
      const theta = frac * peak;
      const res = compileNetwork(single(theta, w)).run({ times: [0.25], indices: [0] });
      const y = (1 + Math.sqrt(1 - (4 * theta) / (w * tau))) / 2;
      expect(res.layers[0].count).toBe(1);
      expect(res.layers[0].times[0]).toBeCloseTo(0.25 - tau * Math.log(y), 12);
      expect(res.layers[0].times[0]).toBeLessThanOrEqual(0.25 + tau * Math.LN2 + 1e-12);
    }
  });

  it('as θ approaches the peak w·τ/4 the crossing approaches the peak time τ·ln 2 after the input', () => {
    const wf = Math.fround(0.8);
    const top = (wf * tau) / 4;
    const res = compileNetwork(single(top * (1 - 1e-10), wf)).run({ times: [2], indices: [0] });
    expect(res.layers[0].count).toBe(1);
    // s = τ·ln 2 − τ·√ε + O(ε) for θ = (1 − ε)·peak
    expect(Math.abs(res.layers[0].times[0] - (2 + tau * Math.LN2))).toBeLessThan(2 * tau * 1e-5);
    expect(res.layers[0].times[0]).toBeLessThan(2 + tau * Math.LN2);
  });

  it('never fires when θ is above the peak', () => {
    const res = compileNetwork(single(peak * 1.0001, w, 5)).run({ times: [0.25], indices: [0] });
    expect(res.layers[0].count).toBe(0);
    expect(res.counters.layers[0].silent).toBe(1);
  });

  it('a strong input makes a burst; the reset subtracts θ each time', () => {
    // w·τ/4 = 10·θ: u peaks far above θ, so the neuron fires several times
    const theta = 0.01;
    const big = Math.fround((40 * theta) / tau); // weights are float32
    const res = compileNetwork(single(theta, big, 100)).run({ times: [0], indices: [0] });
    expect(res.layers[0].count).toBeGreaterThan(3);
    const t = res.layers[0].times;
    for (let k = 1; k < t.length; k++) expect(t[k]).toBeGreaterThan(t[k - 1]);
    // check each spike: u(t_k) before reset equals (k+1)·θ, with u = w·τ·(e^{−t/τ} − e^{−t/τs}) − θ·Σ_{j<k} e^{−(t−t_j)/τ}
    for (let k = 0; k < t.length; k++) {
      let u = big * tau * (Math.exp(-t[k] / tau) - Math.exp(-t[k] / tauS));
      for (let j = 0; j < k; j++) u -= theta * Math.exp(-(t[k] - t[j]) / tau);
      expect(u).toBeCloseTo(theta, 10);
    }
  });

  it('ignores spikes after the window end', () => {
    const theta = 0.5 * peak;
    const full = compileNetwork(single(theta, w)).run({ times: [0], indices: [0] });
    const tSpike = full.layers[0].times[0];
    const cut = compileNetwork(single(theta, w)).run(
      { times: [0], indices: [0] },
      { windowEnd: tSpike * 0.999 },
    );
    expect(cut.layers[0].count).toBe(0);
    const at = compileNetwork(single(theta, w)).run(
      { times: [0], indices: [0] },
      { windowEnd: tSpike + 1e-9 },
    );
    expect(at.layers[0].count).toBe(1);
  });

  it('a negative weight never makes a spike', () => {
    const res = compileNetwork(single(0.001, -1, 5)).run({ times: [0, 0.1], indices: [0, 0] });
    expect(res.layers[0].count).toBe(0);
  });
});

function spikesOf(net: ReturnType<typeof compileNetwork>): { times: number[]; neurons: number[] }[] {
  const out = [];
  for (let l = 0; l < net.depth; l++) {
    const v = net.layerSpikes(l);
    out.push({ times: Array.from(v.times), neurons: Array.from(v.neurons) });
  }
  return out;
}

describe('streaming API', () => {
  const spec = randomDense(7, 10, [12, 6], (l) => ({ tauS: 0.13, threshold: [0.15, 0.2][l], maxSpikes: 6 }));
  const input = randomInput(8, 10, 40, 0.5);
  const whole = compileNetwork(spec).run(input, { windowEnd: 1 });

  it('gives the same spikes as run() for any split into feeds and advances', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: input.times.length }), { maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        (cuts, advances) => {
          const net = compileNetwork(spec);
          net.reset(0);
          const bounds = [...new Set([0, ...cuts, input.times.length])].sort((a, b) => a - b);
          const times = Float64Array.from(input.times);
          const indices = Int32Array.from(input.indices);
          const adv = [...advances].sort((a, b) => a - b);
          for (let s = 0; s + 1 < bounds.length; s++) {
            const from = bounds[s];
            const to = bounds[s + 1];
            net.feed(times.subarray(from, to), indices.subarray(from, to), to - from);
            // advance to any time before the next input (inputs up to then are all fed)
            const next = to < times.length ? times[to] : 1;
            for (const T of adv) if (T <= next && T >= (to > 0 ? times[to - 1] : 0)) net.advance(T);
          }
          net.advance(1);
          const got = spikesOf(net);
          got.forEach((layer, l) => {
            expect(layer.neurons).toEqual(Array.from(whole.layers[l].neurons));
            layer.times.forEach((t, k) => {
              expect(Math.abs(t - whole.layers[l].times[k])).toBeLessThan(1e-12);
            });
          });
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('after advance(T) every spike ≤ T is final and none later is reported', () => {
    const net = compileNetwork(spec);
    net.reset(0);
    net.feed(Float64Array.from(input.times), Int32Array.from(input.indices));
    const T = 0.6;
    net.advance(T);
    for (let l = 0; l < net.depth; l++) {
      const v = net.layerSpikes(l);
      const want = Array.from(whole.layers[l].times).filter((t) => t <= T);
      expect(v.count).toBe(want.length);
      for (const t of v.times) expect(t).toBeLessThanOrEqual(T);
    }
  });

  it('rejects input before the current time, unsorted input and bad indices, feeding nothing', () => {
    const net = compileNetwork(spec);
    net.reset(0);
    net.feed(Float64Array.of(0.1), Int32Array.of(1));
    net.advance(0.2);
    expect(() => net.feed(Float64Array.of(0.15), Int32Array.of(1))).toThrow(InputSpikeError);
    expect(() => net.feed(Float64Array.of(0.3, 0.25), Int32Array.of(1, 1))).toThrow(/sorted/);
    expect(() => net.feed(Float64Array.of(0.3), Int32Array.of(10))).toThrow(/outside the input/);
    expect(() => net.feed(Float64Array.of(Number.NaN), Int32Array.of(0))).toThrow(/not finite/);
    expect(net.counters().inputSpikes).toBe(1);
  });

  it('run() refuses unsorted input unless asked to sort, then warns', () => {
    const net = compileNetwork(spec);
    const rev = { times: [...input.times].reverse(), indices: [...input.indices].reverse() };
    expect(() => net.run(rev)).toThrow(/sort: true/);
    const res = net.run(rev, { sort: true, windowEnd: 1 });
    expect(res.warnings.join(' ')).toMatch(/sorted 40/);
    expect(res.counters.spikes).toBe(whole.counters.spikes);
  });
});

describe('counters', () => {
  it('cumulative counters sum the windows; per-window counters restart at reset', () => {
    const spec = randomDense(41, 8, [10, 3], () => ({ tauS: 0.13, threshold: 0.15, maxSpikes: 4 }));
    const net = compileNetwork(spec);
    const one = net.run(randomInput(42, 8, 20, 0.3)).counters;
    const two = net.run(randomInput(43, 8, 25, 0.3)).counters;
    expect(two.inputSpikes).toBe(25);
    const total = net.cumulativeCounters();
    expect(total.windows).toBe(2);
    expect(total.inputSpikes).toBe(45);
    expect(total.synOps).toBe(one.synOps + two.synOps);
    expect(total.layers[0].spikes).toBe(one.layers[0].spikes + two.layers[0].spikes);
    expect(total.layers[1].silent).toBe(one.layers[1].silent + two.layers[1].silent);
    // dense synaptic ops: every incoming spike × layer size
    expect(one.layers[0].synOps).toBe(20 * 10);
    expect(one.layers[1].synOps).toBe(one.layers[0].spikes * 3);
    expect(one.denseMacs).toBe(8 * 10 + 10 * 3);
  });
});

describe('TTFS is the first spike of the relaxed network', () => {
  it('with maxSpikes = 1 in one layer, its spikes are the first spikes of that layer with maxSpikes = N', () => {
    for (const seed of [11, 12, 13, 14]) {
      const caps = [5, 5, 5];
      const base = randomDense(seed, 16, [20, 12, 6], (l) => ({
        tauS: 0.1,
        threshold: 0.12,
        maxSpikes: caps[l],
      }));
      const input = randomInput(seed, 16, 50, 0.5);
      const relaxed = compileNetwork(base).run(input, { windowEnd: 2 });
      for (let l = 0; l < 3; l++) {
        const layers = base.layers.map((layer, m) =>
          m === l && layer.type === 'dense' ? { ...layer, neuron: { ...layer.neuron, maxSpikes: 1 } } : layer,
        );
        const ttfs = compileNetwork({ ...base, layers }).run(input, { windowEnd: 2 });
        const first = relaxed.layers[l].firstSpikeTimes;
        const got = ttfs.layers[l].firstSpikeTimes;
        expect(ttfs.layers[l].count).toBe(first.filter((t) => Number.isFinite(t)).length);
        for (let n = 0; n < first.length; n++) expect(got[n]).toBe(first[n]);
      }
      expect(relaxed.counters.spikes).toBeGreaterThan(relaxed.layers[0].spikeCounts.length);
    }
  });
});

describe('streaming numerics', () => {
  const spec = randomDense(21, 10, [12, 6], () => ({ tauS: 0.13, threshold: 0.15, maxSpikes: 6 }));
  const input = randomInput(22, 10, 40, 0.5);
  const at0 = compileNetwork(spec).run(input, { windowEnd: 1 });

  it('the same window at t = 0 and at t = 10 h of sensor time gives the same spikes (1e-9 relative)', () => {
    const offset = 10 * 3600; // model unit = 1 s
    const shifted = { times: input.times.map((t) => t + offset), indices: input.indices };
    for (const windowStart of [offset, 0]) {
      const res = compileNetwork(spec).run(shifted, { windowStart, windowEnd: offset + 1 });
      res.layers.forEach((layer, l) => {
        expect(Array.from(layer.neurons)).toEqual(Array.from(at0.layers[l].neurons));
        layer.times.forEach((t, k) => {
          const want = at0.layers[l].times[k];
          expect(Math.abs(t - offset - want) / want).toBeLessThan(1e-9);
        });
      });
    }
  });

  it('stays exact over a long stream without reset (re-referencing)', () => {
    // the same burst of input at 0, 100, 5000 and 36000 s in one window (no spike cap reached):
    // each burst's response must match the response at t = 0
    const uncapped = randomDense(21, 10, [12, 6], () => ({ tauS: 0.13, threshold: 0.15, maxSpikes: 1e6 }));
    const once = compileNetwork(uncapped).run(input, { windowEnd: 1 });
    const net = compileNetwork(uncapped);
    net.reset(0);
    expectSameResponseAt(net, input, once, 1, [0, 100, 5000, 36000]);
  });
});

describe('compile errors name the field', () => {
  it.each([
    [{ inputShape: [2], layers: [] }, /layers/],
    [{ inputShape: [0], layers: [] }, /inputShape/],
    [
      {
        inputShape: [2],
        layers: [
          {
            type: 'dense',
            size: 2,
            neuron: { tauS: 0, threshold: 1, maxSpikes: 1 },
            weights: new Float32Array(4),
          },
        ],
      },
      /layers\[0\]\.neuron\.tauS/,
    ],
    [
      {
        inputShape: [2],
        layers: [
          {
            type: 'dense',
            size: 2,
            neuron: { tauS: 1, threshold: 1, maxSpikes: 1 },
            weights: new Float32Array(3),
          },
        ],
      },
      /layers\[0\]\.weights: expected 4/,
    ],
    [
      {
        inputShape: [2],
        layers: [
          {
            type: 'dense',
            size: 2,
            neuron: { tauS: 1, threshold: 1, maxSpikes: 1 },
            weights: Float32Array.of(0, Number.NaN, 0, 0),
          },
        ],
      },
      /layers\[0\]\.weights\[1\]/,
    ],
    [{ inputShape: [2], layers: [{ type: 'lstm' }] }, /layers\[0\]\.type: unknown layer type "lstm"/],
  ])('%#', (spec, msg) => {
    expect(() => compileNetwork(spec as unknown as NetworkSpec)).toThrow(NetworkSpecError);
    expect(() => compileNetwork(spec as unknown as NetworkSpec)).toThrow(msg);
  });
});
