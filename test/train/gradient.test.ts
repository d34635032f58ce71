/**
 * Gradient check: the analytic exact gradients of the trainer against central finite differences
 * of the forward pass (the shared runtime), on small random networks, TTFS and relaxed, including
 * neurons that spike several times (the reset chain).
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/emulation/prng.ts';
import type { DenseLayerSpec, NetworkSpec } from '../../src/snn/spec.ts';
import { SampleGradient, type TrainSample } from '../../src/train/sample-gradient.ts';

interface Case {
  spec: NetworkSpec;
  sample: TrainSample;
}

function randomCase(seed: number, maxSpikes: number, spikesPerInput: number): Case {
  const rng = new Prng(seed);
  const sizes = [6, 7, 3];
  const thresholds = [0.25, 0.6];
  const layers: DenseLayerSpec[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const w = new Float32Array(sizes[l - 1] * sizes[l]);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-0.6, 1.8);
    layers.push({
      type: 'dense',
      size: sizes[l],
      neuron: { tauS: 0.13, threshold: thresholds[l - 1], maxSpikes },
      weights: w,
    });
  }
  const times: number[] = [];
  const indices: number[] = [];
  for (let j = 0; j < sizes[0]; j++) {
    for (let s = 0; s < spikesPerInput; s++) {
      times.push(rng.uniform(0, 0.3));
      indices.push(j);
    }
  }
  const order = times.map((_, k) => k).sort((p, q) => times[p] - times[q]);
  return {
    spec: { inputShape: [sizes[0]], layers },
    sample: {
      times: Float64Array.from(order.map((k) => times[k])),
      indices: Int32Array.from(order.map((k) => indices[k])),
      count: times.length,
      label: 0,
    },
  };
}

/** Output spikes keyed by (neuron, n-th spike of that neuron) → time. */
function outputTimes(g: SampleGradient, L: number): Map<string, number> {
  const out = g.network.layerSpikes(L - 1);
  const seen = new Map<number, number>();
  const m = new Map<string, number>();
  for (let k = 0; k < out.count; k++) {
    const n = out.neurons[k];
    const nth = seen.get(n) ?? 0;
    seen.set(n, nth + 1);
    m.set(`${n}:${nth}`, out.times[k]);
  }
  return m;
}

function spikeSignature(g: SampleGradient, L: number): string {
  const parts: string[] = [];
  for (let l = 0; l < L; l++) parts.push(Array.from(g.network.spikeCounts(l)).join(','));
  return parts.join('|');
}

/**
 * Checks ∂(Σ c·t)/∂w for a random fixed linear functional c over output spikes, which is smooth
 * while no spike appears or disappears (perturbations that change any count are skipped).
 */
function checkCase(c: Case, seed: number): { checked: number; worst: number } {
  const L = c.spec.layers.length;
  const g = new SampleGradient(c.spec, 2.0, {
    method: 'relaxed',
    tauLoss: 0.005,
    targetTrue: 5,
    targetFalse: 1,
  });
  g.forward(c.sample);
  const base = outputTimes(g, L);
  const rng = new Prng(seed + 99);
  const coef = new Map<string, number>();
  for (const key of base.keys()) coef.set(key, rng.uniform(-1, 1));
  const functional = (): number => {
    let s = 0;
    for (const [key, t] of outputTimes(g, L)) s += (coef.get(key) ?? 0) * t;
    return s;
  };
  // analytic
  const out = g.network.layerSpikes(L - 1);
  const outErr = new Float64Array(out.count);
  {
    const seen = new Map<number, number>();
    for (let k = 0; k < out.count; k++) {
      const n = out.neurons[k];
      const nth = seen.get(n) ?? 0;
      seen.set(n, nth + 1);
      outErr[k] = coef.get(`${n}:${nth}`) ?? 0;
    }
  }
  const grads = c.spec.layers.map((l) => new Float64Array((l as DenseLayerSpec).weights.length));
  g.backward(c.sample, grads, outErr);
  const signature = spikeSignature(g, L);
  let checked = 0;
  let worst = 0;
  for (let l = 0; l < L; l++) {
    const w = (c.spec.layers[l] as DenseLayerSpec).weights;
    for (let i = 0; i < w.length; i++) {
      const w0 = w[i];
      const h = 1e-4;
      w[i] = w0 + h;
      const wPlus = w[i];
      g.forward(c.sample);
      const sigPlus = spikeSignature(g, L);
      const fPlus = functional();
      w[i] = w0 - h;
      const wMinus = w[i];
      g.forward(c.sample);
      const sigMinus = spikeSignature(g, L);
      const fMinus = functional();
      w[i] = w0;
      if (sigPlus !== signature || sigMinus !== signature) continue;
      const numeric = (fPlus - fMinus) / (wPlus - wMinus);
      const analytic = grads[l][i];
      const err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric), Math.abs(analytic));
      worst = Math.max(worst, err);
      checked++;
      expect(err, `layer ${l} weight ${i}: analytic ${analytic} vs numeric ${numeric}`).toBeLessThan(1e-3);
    }
  }
  return { checked, worst };
}

describe('exact gradients vs finite differences', () => {
  it('TTFS (maxSpikes = 1)', () => {
    let total = 0;
    for (let seed = 1; seed <= 4; seed++) total += checkCase(randomCase(seed, 1, 1), seed).checked;
    expect(total).toBeGreaterThan(40);
  });

  it('relaxed with bursts (several spikes per neuron, reset chain)', () => {
    let total = 0;
    let multi = 0;
    for (let seed = 11; seed <= 14; seed++) {
      const c = randomCase(seed, 6, 3);
      const g = new SampleGradient(c.spec, 2.0, {
        method: 'relaxed',
        tauLoss: 0.005,
        targetTrue: 5,
        targetFalse: 1,
      });
      g.forward(c.sample);
      for (let l = 0; l < c.spec.layers.length; l++)
        for (const n of g.network.spikeCounts(l)) if (n > 1) multi++;
      total += checkCase(c, seed).checked;
    }
    expect(multi, 'some neurons must spike several times for this test to mean anything').toBeGreaterThan(3);
    expect(total).toBeGreaterThan(40);
  });

  it('TTFS cross-entropy and spike-count losses give the gradient of their own loss', () => {
    const c = randomCase(21, 1, 1);
    const g = new SampleGradient(c.spec, 2.0, {
      method: 'ttfs',
      tauLoss: 0.05,
      targetTrue: 5,
      targetFalse: 1,
    });
    const L = c.spec.layers.length;
    const grads = c.spec.layers.map((l) => new Float64Array((l as DenseLayerSpec).weights.length));
    const r0 = g.run(c.sample, grads);
    const signature = spikeSignature(g, L);
    const w = (c.spec.layers[L - 1] as DenseLayerSpec).weights;
    let checked = 0;
    for (let i = 0; i < w.length; i++) {
      const w0 = w[i];
      w[i] = w0 + 1e-3;
      const wp = w[i];
      const lp = g.run(c.sample, undefined).loss;
      const sp = spikeSignature(g, L);
      w[i] = w0 - 1e-3;
      const wm = w[i];
      const lm = g.run(c.sample, undefined).loss;
      const sm = spikeSignature(g, L);
      w[i] = w0;
      if (sp !== signature || sm !== signature) continue;
      const numeric = (lp - lm) / (wp - wm);
      expect(Math.abs(numeric - grads[L - 1][i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      checked++;
    }
    expect(r0.loss).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(3);
  });

  it('hidden bump adds exactly −X from each input spike to each silent hidden neuron', () => {
    const c = randomCase(31, 1, 1);
    // make hidden neuron 0 unreachable so it stays silent
    const hidden = c.spec.layers[0] as DenseLayerSpec;
    const size = hidden.size;
    for (let j = 0; j < hidden.weights.length / size; j++) hidden.weights[j * size] = -1;
    const settings = { method: 'ttfs', tauLoss: 0.05, targetTrue: 5, targetFalse: 1 } as const;
    const zeros = () => c.spec.layers.map((l) => new Float64Array((l as DenseLayerSpec).weights.length));
    const plain = zeros();
    const bumped = zeros();
    new SampleGradient(c.spec, 2.0, settings).run(c.sample, plain);
    const g = new SampleGradient(c.spec, 2.0, { ...settings, hiddenBump: 0.25 });
    g.run(c.sample, bumped);
    const counts = g.network.spikeCounts(0);
    expect(counts[0]).toBe(0);
    const inputSpikes = new Array<number>(hidden.weights.length / size).fill(0);
    for (let k = 0; k < c.sample.count; k++) inputSpikes[c.sample.indices[k]]++;
    for (let j = 0; j < inputSpikes.length; j++) {
      for (let i = 0; i < size; i++) {
        const want = counts[i] === 0 ? -0.25 * inputSpikes[j] : 0;
        expect(bumped[0][j * size + i] - plain[0][j * size + i]).toBeCloseTo(want, 12);
      }
    }
    expect(Array.from(bumped[1])).toEqual(Array.from(plain[1]));
  });
});
