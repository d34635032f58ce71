/**
 * Training speed: forward + exact backward samples/s on the Fashion-MNIST relaxed architecture
 * (784-400-400-10, spike caps 5/5/20, θ 0.13/0.45/0.7, BATS encoding), for
 *   - the engine in one thread (CPU time),
 *   - the engine data-parallel over 2 worker threads (wall time: what an epoch takes here),
 *   - a baseline measured in the same run: a straightforward single-threaded implementation
 *     (per neuron: walk the input spikes and solve the quadratic at each step; backward: for each
 *     output spike, loop over every earlier input spike; reset chain per neuron in O(n²)).
 * The target: one 60 000-sample epoch in ≤ 3 minutes on this 2-core machine (≥ 333 samples/s).
 */
import { loadFashionMnist } from '../src/datasets/idx-dataset.ts';
import { deriveSeed, Prng } from '../src/emulation/prng.ts';
import type { ImageInputMapping } from '../src/model/schema.ts';
import { encodeImage } from '../src/model/input-mapping.ts';
import type { DenseLayerSpec } from '../src/snn/spec.ts';
import { BatchRunner } from '../src/train/batch-runner.ts';
import { defaultConfig } from '../src/train/config.ts';
import { type LossSettings, SampleGradient, type TrainSample } from '../src/train/sample-gradient.ts';
import { spikeCountLoss } from '../src/train/losses.ts';
import { type BenchRow, median } from './lib.ts';

const cfg = defaultConfig('relaxed', 'fashion-mnist');
const SAMPLES = 120;
const BASELINE_SAMPLES = 12;
const mapping: ImageInputMapping = { kind: 'image', width: 28, height: 28, window: cfg.inputWindow };
const loss: LossSettings = { method: 'relaxed', tauLoss: cfg.tauLoss, targetTrue: 15, targetFalse: 3 };

function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

function makeLayers(buffers?: SharedArrayBuffer[]): DenseLayerSpec[] {
  const sizes = [784, ...cfg.hidden, 10];
  const rng = new Prng(deriveSeed(cfg.seed, 0));
  return sizes.slice(1).map((size, l) => {
    const w = buffers ? new Float32Array(buffers[l]) : new Float32Array(sizes[l] * size);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform(cfg.init[l][0], cfg.init[l][1]);
    return {
      type: 'dense',
      size,
      neuron: { tauS: cfg.tauS, threshold: cfg.thresholds[l], maxSpikes: cfg.maxSpikes[l] },
      weights: w,
    };
  });
}

interface NaiveSpike {
  t: number;
  n: number;
  a: number;
  x: number;
  X: number;
}

/** Straightforward forward of one dense layer (absolute-time exponentials; windows are short). */
function naiveForward(layer: DenseLayerSpec, inT: number[], inN: number[], window: number): NaiveSpike[] {
  const { tauS, threshold, maxSpikes } = layer.neuron;
  const tau = 2 * tauS;
  const c = threshold / tau;
  const size = layer.size;
  const out: NaiveSpike[] = [];
  for (let i = 0; i < size; i++) {
    let a = 0;
    let b = 0;
    let count = 0;
    let tPrev = 0;
    for (let k = 0; k <= inT.length && count < maxSpikes; k++) {
      const tNext = k < inT.length ? inT[k] : window;
      for (;;) {
        if (count >= maxSpikes) break;
        const disc = b * b - 4 * a * c;
        if (disc < 0 || a <= 0) break;
        const x = Math.sqrt(disc);
        const X = (2 * a) / (b + x);
        if (!(X > 0)) break;
        const t = tau * Math.log(X);
        if (!(t > tPrev && t <= tNext)) break;
        out.push({ t, n: i, a, x, X });
        count++;
        b -= c * X;
        tPrev = t;
      }
      if (k === inT.length) break;
      const w = layer.weights[inN[k] * size + i];
      a += w * Math.exp(inT[k] / tauS);
      b += w * Math.exp(inT[k] / tau);
      tPrev = inT[k];
    }
  }
  out.sort((p, q) => p.t - q.t || p.n - q.n);
  return out;
}

/** Straightforward backward of one dense layer. */
function naiveBackward(
  layer: DenseLayerSpec,
  inT: number[],
  inN: number[],
  out: NaiveSpike[],
  g: number[],
  gradW: Float64Array,
): number[] {
  const { tauS, threshold } = layer.neuron;
  const tau = 2 * tauS;
  const c = threshold / tau;
  const size = layer.size;
  const total = g.slice();
  for (let k = out.length - 1; k >= 0; k--) {
    for (let j = 0; j < k; j++) {
      if (out[j].n === out[k].n) total[j] += total[k] * ((c * out[j].X) / out[k].x);
    }
  }
  const inErr = new Array<number>(inT.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    const s = out[k];
    const f1 = (tau / s.a) * (1 + (c * s.X) / s.x);
    const f2 = tau / s.x;
    for (let z = 0; z < inT.length && inT[z] < s.t; z++) {
      const e1 = Math.exp(inT[z] / tauS);
      const e2 = Math.exp(inT[z] / tau);
      const idx = inN[z] * size + s.n;
      gradW[idx] += total[k] * (f1 * e1 - f2 * e2);
      inErr[z] += total[k] * layer.weights[idx] * ((f1 * e1) / tauS - (f2 * e2) / tau);
    }
  }
  return inErr;
}

function naiveSample(layers: DenseLayerSpec[], s: TrainSample, grads: Float64Array[]): void {
  const ins: { t: number[]; n: number[] }[] = [
    { t: Array.from(s.times.subarray(0, s.count)), n: Array.from(s.indices.subarray(0, s.count)) },
  ];
  const outs: NaiveSpike[][] = [];
  for (const layer of layers) {
    const o = naiveForward(layer, ins[ins.length - 1].t, ins[ins.length - 1].n, cfg.window);
    outs.push(o);
    ins.push({ t: o.map((x) => x.t), n: o.map((x) => x.n) });
  }
  const last = outs[outs.length - 1];
  const outErr = new Float64Array(last.length);
  spikeCountLoss(
    {
      count: last.length,
      neurons: Int32Array.from(last, (x) => x.n),
      times: Float64Array.from(last, (x) => x.t),
    },
    10,
    s.label,
    15,
    3,
    outErr,
  );
  let g = Array.from(outErr);
  for (let l = layers.length - 1; l >= 0; l--)
    g = naiveBackward(layers[l], ins[l].t, ins[l].n, outs[l], g, grads[l]);
}

export default async function (): Promise<BenchRow[]> {
  const ds = loadFashionMnist({ split: 'train', limit: SAMPLES });
  const samples: TrainSample[] = [];
  for (let i = 0; i < ds.count; i++) {
    const { times, indices } = encodeImage(ds.image(i), mapping);
    samples.push({ times, indices, count: times.length, label: ds.labels[i] });
  }
  // engine, one thread
  const layers = makeLayers();
  const engine = new SampleGradient({ inputShape: [1, 28, 28], layers }, cfg.window, loss);
  const grads = layers.map((l) => new Float64Array(l.weights.length));
  const engineRates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = cpuSeconds(() => {
      for (const sm of samples) engine.run(sm, grads);
    });
    engineRates.push(samples.length / s);
  }
  // baseline, one thread
  const baseRates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const s = cpuSeconds(() => {
      for (let i = 0; i < BASELINE_SAMPLES; i++) naiveSample(layers, samples[i], grads);
    });
    baseRates.push(BASELINE_SAMPLES / s);
  }
  // engine, data-parallel over 2 workers (wall time, batches of 20)
  const buffers = layers.map((l) => new SharedArrayBuffer(4 * l.weights.length));
  makeLayers(buffers);
  const runner = await BatchRunner.create(
    {
      dataset: { name: 'fashion-mnist', split: 'train', limit: SAMPLES, validationFraction: 0.1 },
      mapping,
      timeUnitUs: cfg.timeUnitUs,
      inputShape: [1, 28, 28],
      layers: layers.map((l) => ({ size: l.size, inputSize: l.weights.length / l.size, neuron: l.neuron })),
      weightBuffers: buffers,
      window: cfg.window,
      loss,
    },
    2,
  );
  const parallelRates: number[] = [];
  try {
    const idx = Int32Array.from({ length: SAMPLES }, (_, i) => i);
    await runner.run(idx.subarray(0, 20), true);
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let b = 0; b < SAMPLES; b += 20) await runner.run(idx.subarray(b, b + 20), true);
      parallelRates.push(SAMPLES / ((performance.now() - t0) / 1000));
    }
  } finally {
    await runner.close();
  }
  const one = median(engineRates);
  const two = median(parallelRates);
  const base = median(baseRates);
  return [
    {
      group: 'train',
      name: 'fmnist-relaxed fwd+bwd, 1 thread (CPU time)',
      value: one,
      unit: 'samples/s',
      baseline: base,
      baselineName: 'straightforward',
      samples: engineRates,
    },
    {
      group: 'train',
      name: 'fmnist-relaxed fwd+bwd, 2 workers (wall)',
      value: two,
      unit: 'samples/s',
      baseline: base,
      baselineName: 'straightforward',
      target: 60000 / 180,
      higherIsBetter: true,
      note: `one 60 000-sample epoch ≈ ${(60000 / two / 60).toFixed(1)} min`,
      samples: parallelRates,
    },
  ];
}
