/**
 * Computes batch gradients and evaluation statistics, in the main thread or data-parallel over
 * worker threads. Weights live in SharedArrayBuffers: every worker compiles the network over the
 * same memory, so an optimiser step in the main thread is seen by all workers without copying.
 * Each worker sums the gradients of a fixed contiguous part of the batch into its own shared
 * buffer, and the main thread adds the workers' buffers in worker order: the result does not
 * depend on thread timing, so training is deterministic given a seed.
 */
import { Worker } from 'node:worker_threads';
import type { InputMapping } from '../model/schema.ts';
import type { DenseLayerSpec, NeuronParams } from '../snn/spec.ts';
import { deriveSeed } from '../emulation/prng.ts';
import { type DatasetRef, loadDataset, SampleEncoder, shiftInputSpikes } from './data.ts';
import { type LossSettings, SampleGradient } from './sample-gradient.ts';

export interface LayerShape {
  readonly size: number;
  readonly inputSize: number;
  readonly neuron: NeuronParams;
}

/** Everything a worker needs to rebuild the same network and data. */
export interface RunnerSetup {
  readonly dataset: DatasetRef;
  readonly mapping: InputMapping;
  readonly timeUnitUs: number;
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerShape[];
  /** One SharedArrayBuffer of float32 weights per layer ([inputSize][size]). */
  readonly weightBuffers: readonly SharedArrayBuffer[];
  readonly window: number;
  readonly loss: LossSettings;
  /** Random input shifts of up to ±shift cells, drawn from (seed, epoch, sample index). */
  readonly augment?: { readonly shift: number; readonly seed: number };
}

/** Sums over the samples of a batch or an evaluation. */
export interface BatchStats {
  samples: number;
  lossSum: number;
  correct: number;
  labelSilent: number;
  /** Σ spikes per layer. */
  spikes: number[];
}

export function emptyStats(layers: number): BatchStats {
  return { samples: 0, lossSum: 0, correct: 0, labelSilent: 0, spikes: new Array<number>(layers).fill(0) };
}

export function addStats(into: BatchStats, s: BatchStats): void {
  into.samples += s.samples;
  into.lossSum += s.lossSum;
  into.correct += s.correct;
  into.labelSilent += s.labelSilent;
  for (let l = 0; l < into.spikes.length; l++) into.spikes[l] += s.spikes[l];
}

/** The per-thread engine: one network, one encoder, gradient buffers. */
export class LocalRunner {
  readonly grads: Float64Array[];
  private readonly gradient: SampleGradient;
  private readonly encoder: SampleEncoder;
  private readonly layerCount: number;
  private readonly inputShape: readonly number[];
  private readonly augment: RunnerSetup['augment'];

  constructor(setup: RunnerSetup, encoder: SampleEncoder, gradBuffers?: readonly SharedArrayBuffer[]) {
    const layers: DenseLayerSpec[] = setup.layers.map((l, i) => ({
      type: 'dense',
      size: l.size,
      neuron: l.neuron,
      weights: new Float32Array(setup.weightBuffers[i]),
    }));
    this.gradient = new SampleGradient({ inputShape: setup.inputShape, layers }, setup.window, setup.loss);
    this.encoder = encoder;
    this.layerCount = layers.length;
    this.inputShape = setup.inputShape;
    this.augment = setup.augment;
    this.grads = gradBuffers
      ? gradBuffers.map((b) => new Float64Array(b))
      : layers.map((l) => new Float64Array(l.weights.length));
  }

  /**
   * Runs samples `indices`; with `withGradient` the gradient sums are left in `grads` (zeroed
   * first). `epoch` > 0 applies the setup's augmentation as drawn for that epoch.
   */
  run(indices: ArrayLike<number>, withGradient: boolean, epoch = 0): BatchStats {
    if (withGradient) for (const g of this.grads) g.fill(0);
    const stats = emptyStats(this.layerCount);
    const augment = epoch > 0 ? this.augment : undefined;
    const epochSeed = augment ? deriveSeed(augment.seed, 3000 + epoch) : 0;
    for (let s = 0; s < indices.length; s++) {
      let sample = this.encoder.encode(indices[s]);
      if (augment) {
        // a draw that depends only on (seed, epoch, sample), whichever thread runs the sample
        const span = 2 * augment.shift + 1;
        const h = deriveSeed(epochSeed, indices[s]);
        const dx = (h % span) - augment.shift;
        const dy = (Math.floor(h / span) % span) - augment.shift;
        sample = { ...sample, count: shiftInputSpikes(sample, this.inputShape, dx, dy) };
      }
      const r = this.gradient.run(sample, withGradient ? this.grads : undefined);
      stats.samples++;
      stats.lossSum += r.loss;
      if (r.predicted === sample.label) stats.correct++;
      stats.labelSilent += r.labelSilent;
      for (let l = 0; l < this.layerCount; l++) stats.spikes[l] += r.spikes[l];
    }
    return stats;
  }
}

interface WorkerReply {
  readonly type: 'ready' | 'done' | 'error';
  readonly id?: number;
  readonly stats?: BatchStats;
  readonly message?: string;
}

/** A worker thread running a LocalRunner. */
class RemoteRunner {
  readonly grads: Float64Array[];
  private readonly worker: Worker;
  private pending: { resolve: (s: BatchStats) => void; reject: (e: Error) => void } | undefined;
  private nextId = 0;

  private constructor(worker: Worker, grads: Float64Array[]) {
    this.worker = worker;
    this.grads = grads;
    worker.on('message', (m: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.type === 'done' && m.stats) p.resolve(m.stats);
      else p.reject(new Error(m.message ?? 'worker failed'));
    });
    worker.on('error', (e) => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(e);
    });
  }

  static async start(setup: RunnerSetup): Promise<RemoteRunner> {
    const gradBuffers = setup.layers.map((l) => new SharedArrayBuffer(8 * l.size * l.inputSize));
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: { entry: new URL('./worker.ts', import.meta.url).href, setup, gradBuffers },
    });
    const ready = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (ready.type !== 'ready') {
      await worker.terminate();
      throw new Error(`training worker failed to start: ${ready.message ?? ready.type}`);
    }
    return new RemoteRunner(
      worker,
      gradBuffers.map((b) => new Float64Array(b)),
    );
  }

  run(indices: Int32Array, withGradient: boolean, epoch: number): Promise<BatchStats> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ type: 'run', id: this.nextId++, indices, withGradient, epoch });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Batch gradients over `workers` threads (0 = in this thread). `grads` holds the summed gradient
 * of the last `batch` call.
 */
export class BatchRunner {
  readonly grads: Float64Array[];
  private readonly local: LocalRunner | undefined;
  private readonly remotes: RemoteRunner[];

  private constructor(grads: Float64Array[], local: LocalRunner | undefined, remotes: RemoteRunner[]) {
    this.grads = grads;
    this.local = local;
    this.remotes = remotes;
  }

  static async create(setup: RunnerSetup, workers: number): Promise<BatchRunner> {
    const grads = setup.layers.map((l) => new Float64Array(l.size * l.inputSize));
    if (workers === 0) {
      const ds = await loadDataset(setup.dataset);
      const local = new LocalRunner(setup, new SampleEncoder(ds, setup.mapping, setup.timeUnitUs));
      return new BatchRunner(grads, local, []);
    }
    const remotes = await Promise.all(Array.from({ length: workers }, () => RemoteRunner.start(setup)));
    return new BatchRunner(grads, undefined, remotes);
  }

  /**
   * Runs samples `indices` (gradients summed into `grads` when `withGradient`); `epoch` > 0 turns
   * on the setup's augmentation for that epoch.
   */
  async run(indices: Int32Array, withGradient: boolean, epoch = 0): Promise<BatchStats> {
    const L = this.grads.length;
    if (this.local) {
      const stats = this.local.run(indices, withGradient, epoch);
      if (withGradient) for (let l = 0; l < L; l++) this.grads[l].set(this.local.grads[l]);
      return stats;
    }
    const W = this.remotes.length;
    const parts: Promise<BatchStats>[] = [];
    const per = Math.ceil(indices.length / W);
    for (let w = 0; w < W; w++) {
      parts.push(
        this.remotes[w].run(
          indices.slice(w * per, Math.min(indices.length, (w + 1) * per)),
          withGradient,
          epoch,
        ),
      );
    }
    const results = await Promise.all(parts);
    const total = emptyStats(L);
    for (const r of results) addStats(total, r);
    if (withGradient) {
      for (let l = 0; l < L; l++) {
        const g = this.grads[l];
        g.set(this.remotes[0].grads[l]);
        for (let w = 1; w < W; w++) {
          const gw = this.remotes[w].grads[l];
          for (let i = 0; i < g.length; i++) g[i] += gw[i];
        }
      }
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.remotes.map((r) => r.close()));
  }
}
