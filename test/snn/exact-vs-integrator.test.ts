import { describe, expect, it } from 'vitest';
import { compileNetwork } from '../../src/snn/network.ts';
import type { NetworkSpec } from '../../src/snn/spec.ts';
import { randomDense, randomInput, rng, uniformWeights } from './random-nets.ts';
import { type RefSpikes, referenceRun } from './reference-integrator.ts';

/** Per neuron spike lists of one layer. */
function perNeuron(times: ArrayLike<number>, neurons: ArrayLike<number>, size: number): number[][] {
  const out: number[][] = Array.from({ length: size }, () => []);
  for (let k = 0; k < times.length; k++) out[neurons[k]].push(times[k]);
  return out;
}

/** Compares engine and reference: same counts per neuron; returns the largest time difference. */
function compare(spec: NetworkSpec, input: { times: number[]; indices: number[] }, tEnd: number, h: number) {
  const net = compileNetwork(spec);
  const res = net.run(input, { windowEnd: tEnd });
  const ref: RefSpikes[] = referenceRun(spec, { times: input.times, neurons: input.indices }, tEnd, h);
  let maxErr = 0;
  let spikes = 0;
  res.layers.forEach((layer, l) => {
    const size = net.layerInfo[l].size;
    const got = perNeuron(layer.times, layer.neurons, size);
    const want = perNeuron(ref[l].times, ref[l].neurons, size);
    for (let n = 0; n < size; n++) {
      expect(got[n].length, `layer ${l} neuron ${n} spike count`).toBe(want[n].length);
      for (let k = 0; k < got[n].length; k++) maxErr = Math.max(maxErr, Math.abs(got[n][k] - want[n][k]));
      spikes += got[n].length;
    }
  });
  return { maxErr, spikes };
}

describe('exact engine vs fine-step RK4 integration of the same ODEs', () => {
  const tEnd = 1.0;
  for (const [label, caps] of [
    ['TTFS', [1, 1, 1]],
    ['relaxed', [8, 8, 12]],
  ] as const) {
    for (const seed of [1, 2, 3]) {
      it(`${label} 12-16-10-4 random network, seed ${seed}: same spikes, error shrinks with the step`, () => {
        const tauS = [0.13, 0.1, 0.2];
        const spec = randomDense(seed, 12, [16, 10, 4], (l) => ({
          tauS: tauS[l],
          threshold: [0.15, 0.2, 0.25][l],
          maxSpikes: caps[l],
        }));
        const input = randomInput(seed + 100, 12, 30, 0.4);
        const coarse = compare(spec, input, tEnd, 0.02);
        const fine = compare(spec, input, tEnd, 0.005);
        expect(fine.spikes).toBeGreaterThan(10);
        // RK4's global error is O(h⁴): the tolerance is 200·h⁴ (model time units)
        expect(coarse.maxErr).toBeLessThan(200 * 0.02 ** 4);
        expect(fine.maxErr).toBeLessThan(200 * 0.005 ** 4);
        expect(fine.maxErr).toBeLessThan(coarse.maxErr / 8);
      });
    }
  }
});

describe('conv2d and spike-aggregation pooling vs the integrator', () => {
  for (const seed of [4, 5]) {
    it(`2×7×7 → conv(3, k3, s1, p1) → pool 2 → conv(4, k2, s2, p1) → dense 5, seed ${seed}`, () => {
      const r = rng(seed);
      const neuron = (maxSpikes: number, threshold: number) => ({ tauS: 0.13, threshold, maxSpikes });
      const spec: NetworkSpec = {
        inputShape: [2, 7, 7],
        layers: [
          {
            type: 'conv2d',
            outChannels: 3,
            kernel: 3,
            padding: 1,
            neuron: neuron(4, 0.12),
            weights: uniformWeights(r, 3 * 2 * 9, -0.3, 1),
          },
          { type: 'pool', kernel: 2 },
          {
            type: 'conv2d',
            outChannels: 4,
            kernel: [2, 3],
            stride: 2,
            padding: [1, 0],
            neuron: neuron(3, 0.15),
            weights: uniformWeights(r, 4 * 3 * 6, -0.3, 1),
          },
          {
            type: 'dense',
            size: 5,
            neuron: neuron(6, 0.2),
            weights: uniformWeights(r, 4 * 2 * 1 * 5, -0.3, 1),
          },
        ],
      };
      const net = compileNetwork(spec);
      expect(net.layerInfo.map((l) => l.outputShape)).toEqual([[3, 7, 7], [3, 3, 3], [4, 2, 1], [5]]);
      const input = randomInput(seed + 50, 98, 120, 0.4);
      const coarse = compare(spec, input, 1, 0.02);
      const fine = compare(spec, input, 1, 0.005);
      expect(fine.spikes).toBeGreaterThan(30);
      expect(coarse.maxErr).toBeLessThan(200 * 0.02 ** 4);
      expect(fine.maxErr).toBeLessThan(200 * 0.005 ** 4);
    });
  }
});
