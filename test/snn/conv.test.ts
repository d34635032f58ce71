import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileNetwork } from '../../src/snn/network.ts';
import type { NetworkSpec } from '../../src/snn/spec.ts';
import { expectSameResponseAt } from './long-stream.ts';
import { randomInput, rng, uniformWeights } from './random-nets.ts';

function convNet(seed: number): NetworkSpec {
  const r = rng(seed);
  const neuron = { tauS: 0.13, threshold: 0.12, maxSpikes: 4 };
  return {
    inputShape: [2, 8, 8],
    layers: [
      {
        type: 'conv2d',
        outChannels: 3,
        kernel: 3,
        stride: 1,
        padding: 1,
        neuron,
        weights: uniformWeights(r, 3 * 2 * 9, -0.3, 1),
      },
      { type: 'pool', kernel: 2 },
      {
        type: 'conv2d',
        outChannels: 2,
        kernel: 3,
        stride: 2,
        padding: 1,
        neuron,
        weights: uniformWeights(r, 2 * 3 * 9, -0.3, 1),
      },
      { type: 'dense', size: 4, neuron, weights: uniformWeights(r, 2 * 2 * 2 * 4, -0.3, 1) },
    ],
  };
}

describe('conv2d and pooling', () => {
  const spec = convNet(1);
  const input = randomInput(2, 128, 150, 0.4);
  const whole = compileNetwork(spec).run(input, { windowEnd: 1 });

  it('is active enough to test something', () => {
    expect(whole.layers.map((l) => l.count).every((n) => n > 5)).toBe(true);
  });

  it('streaming: any split into feeds and advances gives the same spikes as run()', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: input.times.length }), { maxLength: 8 }), (cuts) => {
        const net = compileNetwork(spec);
        net.reset(0);
        const bounds = [...new Set([0, ...cuts, input.times.length])].sort((a, b) => a - b);
        const times = Float64Array.from(input.times);
        const indices = Int32Array.from(input.indices);
        for (let s = 0; s + 1 < bounds.length; s++) {
          net.feed(times.subarray(bounds[s], bounds[s + 1]), indices.subarray(bounds[s], bounds[s + 1]));
          if (bounds[s + 1] < times.length)
            net.advance((times[bounds[s + 1] - 1] + times[bounds[s + 1]]) / 2);
        }
        net.advance(1);
        for (let l = 0; l < net.depth; l++) {
          const v = net.layerSpikes(l);
          expect(Array.from(v.neurons)).toEqual(Array.from(whole.layers[l].neurons));
          v.times.forEach((t, k) => {
            expect(Math.abs(t - whole.layers[l].times[k])).toBeLessThan(1e-12);
          });
        }
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('stays exact over 10 hours of one window (re-referencing in conv and pooling paths)', () => {
    const uncapped: NetworkSpec = {
      ...spec,
      layers: spec.layers.map((l) =>
        l.type === 'pool' ? l : { ...l, neuron: { ...l.neuron, maxSpikes: 1e6 } },
      ),
    };
    const once = compileNetwork(uncapped).run(input, { windowEnd: 1 });
    expect(once.layers[3].count).toBeGreaterThan(5);
    const net = compileNetwork(uncapped);
    net.reset(0);
    expectSameResponseAt(net, input, once, 3, [0, 700, 36000]);
  });

  it('every layer reports spikes in time order', () => {
    for (const l of whole.layers)
      for (let k = 1; k < l.count; k++) expect(l.times[k]).toBeGreaterThanOrEqual(l.times[k - 1]);
  });

  it('synaptic ops use the fan-out inside the output (borders adjusted); pooling has none', () => {
    // one spike at a corner and one in the middle of a 1×5×5 input, 2 out channels, 3×3 kernel, padding 1
    const net = compileNetwork({
      inputShape: [1, 5, 5],
      layers: [
        {
          type: 'conv2d',
          outChannels: 2,
          kernel: 3,
          padding: 1,
          neuron: { tauS: 1, threshold: 100, maxSpikes: 1 },
          weights: new Float32Array(18),
        },
        { type: 'pool', kernel: 2 },
      ],
    });
    const res = net.run({ times: [0, 1], indices: [0, 12] });
    // corner (0,0) reaches outputs (0..1, 0..1): 4 taps × 2 channels; centre reaches 9 × 2
    expect(res.counters.layers[0].synOps).toBe(8 + 18);
    expect(res.counters.layers[1].synOps).toBe(0);
    // stride 2 without padding: input (1,1) reaches only output (0,0); input (2,2) reaches 4 outputs
    const strided = compileNetwork({
      inputShape: [1, 5, 5],
      layers: [
        {
          type: 'conv2d',
          outChannels: 1,
          kernel: 3,
          stride: 2,
          neuron: { tauS: 1, threshold: 100, maxSpikes: 1 },
          weights: new Float32Array(9),
        },
      ],
    });
    expect(strided.run({ times: [0, 1], indices: [6, 12] }).counters.synOps).toBe(1 + 4);
  });

  it('pooling re-emits the union of its window at the same times; overlapping windows duplicate', () => {
    const net = compileNetwork({ inputShape: [1, 4, 4], layers: [{ type: 'pool', kernel: 2 }] });
    const res = net.run({ times: [0.1, 0.2, 0.3], indices: [0, 5, 15] });
    expect(Array.from(res.layers[0].neurons)).toEqual([0, 0, 3]);
    expect(Array.from(res.layers[0].times)).toEqual([0.1, 0.2, 0.3]);
    const overlap = compileNetwork({
      inputShape: [1, 3, 3],
      layers: [{ type: 'pool', kernel: 2, stride: 1 }],
    });
    // the centre pixel belongs to all four windows
    expect(Array.from(overlap.run({ times: [0], indices: [4] }).layers[0].neurons)).toEqual([0, 1, 2, 3]);
  });
});
