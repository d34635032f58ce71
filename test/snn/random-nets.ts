/** Seeded random networks and inputs for the SNN tests. */
import type { LayerSpec, NetworkSpec, NeuronParams } from '../../src/snn/spec.ts';

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniformWeights(r: () => number, n: number, lo: number, hi: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = lo + (hi - lo) * r();
  return w;
}

/** A random dense network inputSize → sizes…, weights U(lo, hi). */
export function randomDense(
  seed: number,
  inputSize: number,
  sizes: readonly number[],
  neuron: (layer: number) => NeuronParams,
  lo = -0.5,
  hi = 1.5,
): NetworkSpec {
  const r = rng(seed);
  const layers: LayerSpec[] = [];
  let inSize = inputSize;
  sizes.forEach((size, l) => {
    layers.push({
      type: 'dense',
      size,
      neuron: neuron(l),
      weights: uniformWeights(r, inSize * size, lo, hi),
    });
    inSize = size;
  });
  return { inputShape: [inputSize], layers };
}

/** Random input spikes: `count` spikes at uniform times in [t0, t0 + span), sorted. */
export function randomInput(
  seed: number,
  inputSize: number,
  count: number,
  span: number,
  t0 = 0,
): { times: number[]; indices: number[] } {
  const r = rng(seed);
  const pairs: [number, number][] = [];
  for (let k = 0; k < count; k++) pairs.push([t0 + span * r(), Math.floor(r() * inputSize)]);
  pairs.sort((a, b) => a[0] - b[0]);
  return { times: pairs.map((p) => p[0]), indices: pairs.map((p) => p[1]) };
}
