/**
 * A compiled spiking network: exact, event-driven, layer after layer. Two ways to drive it:
 *
 * - `run(spikes)`: one window, whole input at once; returns every layer's spikes (copies) and counters.
 * - streaming: `reset(windowStart)`, then `feed(times, indices, count)` any number of times with
 *   sorted input, and `advance(T)` once all input up to T has been fed: afterwards every spike of
 *   every layer with t ≤ T is final and visible through `layerSpikes`, `spikeCounts` and
 *   `firstSpikeTimes` (live views; a TTFS readout can decide on the first output spike at once).
 *   Any split of the input into feeds and advances gives the same spikes as `run`.
 */
import { type LayerCounters, type RunCounters, addCounters } from './counters.ts';
import { InputSpikeError } from './errors.ts';
import { Conv2dLayer } from './layers/conv2d.ts';
import { DenseLayer } from './layers/dense.ts';
import { PoolLayer } from './layers/pool.ts';
import type { SpikeLog } from './spike-log.ts';
import type { LayerSpec, NetworkSpec } from './spec.ts';
import { checkNetworkSpec } from './validate.ts';

type LayerRuntime = DenseLayer | Conv2dLayer | PoolLayer;

export interface CompileOptions {
  /**
   * Record per spike the terms the exact gradient needs (`aNorm`, `xNorm` in LayerSpikes). Default
   * false. Costs two Float64 stores per spike.
   */
  readonly record?: boolean;
  /** Check every weight is finite at compile time. Default true (one pass over the weights). */
  readonly checkWeightValues?: boolean;
  /**
   * Inner loop of dense layers. `js` (default): plain loops reading the spec's weights by
   * reference, so edits take effect at once (what a trainer wants). `wasm`: a WebAssembly SIMD
   * kernel over a copy of the weights (call `syncWeights()` after editing them); falls back to
   * `js` where SIMD is unavailable. `auto` = `wasm` when available. Results are identical.
   */
  readonly kernel?: 'js' | 'wasm' | 'auto';
}

export interface LayerInfo {
  readonly name: string;
  readonly type: LayerSpec['type'];
  readonly size: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
}

/** Spikes of one layer in time order (ties: by neuron within one settle step). */
export interface LayerSpikes {
  readonly name: string;
  readonly count: number;
  /** Spike times, model time units (absolute, same timeline as the input). */
  readonly times: Float64Array;
  readonly neurons: Int32Array;
  /**
   * With `record`: per spike a_k·e^{−t_k/τ_s} = Σ_{inputs before t_k} w·e^{(t_i − t_k)/τ_s}. With
   * xNorm and c = θ/τ the exact BATS gradient factors are f1 = (τ/aNorm)·(1 + c/xNorm) and
   * f2 = τ/xNorm, applied to e^{(t_z − t_k)/τ_s} and e^{(t_z − t_k)/τ} of each earlier input t_z;
   * the reset chain term for an earlier own spike t_j is (c/xNorm)·e^{(t_j − t_k)/τ}.
   */
  readonly aNorm?: Float64Array;
  /** With `record`: per spike √(b² − 4ac)·e^{−t_k/τ} (the discriminant root relative to t_k). */
  readonly xNorm?: Float64Array;
}

export interface LayerResult extends LayerSpikes {
  /** Spikes per neuron. */
  readonly spikeCounts: Int32Array;
  /** First spike per neuron (+Infinity when silent). */
  readonly firstSpikeTimes: Float64Array;
}

export interface RunResult {
  readonly layers: readonly LayerResult[];
  readonly counters: RunCounters;
  /** Things `run` repaired on request (e.g. sorted the input). */
  readonly warnings: readonly string[];
}

export interface InputSpikes {
  /** Spike times in model time units. */
  readonly times: Float64Array | readonly number[];
  /** Input neuron per spike, 0 ≤ index < inputSize (c·H·W + y·W + x for image-shaped input). */
  readonly indices: Int32Array | readonly number[];
}

export interface RunOptions {
  /** Start of the window (model time). Default: min(0, first input time). Inputs before it are an error. */
  readonly windowStart?: number;
  /** End of the window (model time, inclusive): spikes after it are not computed. Default +Infinity. */
  readonly windowEnd?: number;
  /** Sort unsorted input (stable) and say so in `warnings`, instead of raising. Default false. */
  readonly sort?: boolean;
}

export class Network {
  readonly spec: NetworkSpec;
  readonly inputSize: number;
  readonly layerInfo: readonly LayerInfo[];
  private readonly layers: readonly LayerRuntime[];
  /** How many of layer l's logged spikes have been delivered to layer l+1. */
  private readonly forwarded: Int32Array;
  private readonly denseMacsPerWindow: number;
  private windowStartTime = 0;
  /** Latest time fed or advanced to; inputs before it are rejected. */
  private horizon = 0;
  /** All spikes ≤ this time are final. */
  private settled = 0;
  private inputSpikes = 0;
  private windowTouched = false;
  private finished: RunCounters | null = null;

  constructor(spec: NetworkSpec, options: CompileOptions = {}) {
    const { inputShapes, outputShapes } = checkNetworkSpec(spec, {
      checkWeightValues: options.checkWeightValues ?? true,
    });
    const record = options.record ?? false;
    const kernel = options.kernel ?? 'js';
    if (kernel !== 'js' && kernel !== 'wasm' && kernel !== 'auto') {
      throw new TypeError(`"kernel" must be "js", "wasm" or "auto", got ${JSON.stringify(kernel)}`);
    }
    this.spec = spec;
    this.inputSize = spec.inputShape.reduce((p, q) => p * q, 1);
    this.layers = spec.layers.map((l, i) => {
      switch (l.type) {
        case 'dense':
          return new DenseLayer(
            l,
            inputShapes[i].reduce((p, q) => p * q, 1),
            record,
            kernel !== 'js',
          );
        case 'conv2d':
          return new Conv2dLayer(l, inputShapes[i], record);
        default:
          return new PoolLayer(l, inputShapes[i]);
      }
    });
    this.layerInfo = spec.layers.map((l, i) => ({
      name: l.name ?? `${l.type}${i}`,
      type: l.type,
      size: this.layers[i].size,
      inputShape: inputShapes[i],
      outputShape: outputShapes[i],
    }));
    let macs = 0;
    for (const l of this.layers) {
      if (l.kind === 'dense') macs += l.inputSize * l.size;
      else if (l.kind === 'conv2d') {
        const g = l.geometry;
        macs += l.size * g.inChannels * g.kernelH * g.kernelW;
      }
    }
    this.denseMacsPerWindow = macs;
    this.forwarded = new Int32Array(this.layers.length);
    this.reset(0);
    this.windowTouched = false;
  }

  /** The dense-layer inner loop in use: `wasm` if any dense layer runs the SIMD kernel. */
  get kernel(): 'js' | 'wasm' {
    return this.layers.some((l) => l.kind === 'dense' && l.kernelKind === 'wasm') ? 'wasm' : 'js';
  }

  /** After editing weights in place: makes the wasm kernel's copies current (no-op for `js`). */
  syncWeights(): void {
    for (const l of this.layers) if (l.kind === 'dense') l.syncWeights();
  }

  /** Number of layers (input excluded). */
  get depth(): number {
    return this.layers.length;
  }

  /** Start of the current window. */
  get windowStart(): number {
    return this.windowStartTime;
  }

  /** Every spike with t ≤ this time is final (the last `advance`, or the last fed input time). */
  get settledTime(): number {
    return this.settled;
  }

  /** Starts a new window at `windowStart` (model time): clears all state; folds counters into the totals. */
  reset(windowStart = 0): void {
    if (!Number.isFinite(windowStart))
      throw new RangeError(`"windowStart" must be finite, got ${windowStart}`);
    if (this.windowTouched) {
      const c = this.counters();
      this.finished = this.finished ? addCounters(this.finished, c) : c;
    }
    for (const l of this.layers) l.reset(windowStart);
    this.forwarded.fill(0);
    this.windowStartTime = windowStart;
    this.horizon = windowStart;
    this.settled = windowStart;
    this.inputSpikes = 0;
    this.windowTouched = true;
  }

  /**
   * Feeds `count` input spikes (model time, non-decreasing, not before the last fed or advanced
   * time, indices in [0, inputSize)). Spikes up to the last fed time are final afterwards.
   * Throws InputSpikeError (nothing is fed) on bad input.
   */
  feed(times: Float64Array, indices: Int32Array, count: number = times.length): void {
    if (!Number.isInteger(count) || count < 0 || count > times.length || count > indices.length) {
      throw new RangeError(
        `"count" must be an integer in [0, ${Math.min(times.length, indices.length)}], got ${count}`,
      );
    }
    if (count === 0) return;
    let prev = this.horizon;
    const n = this.inputSize;
    for (let k = 0; k < count; k++) {
      const t = times[k];
      if (!(t >= prev)) {
        if (Number.isNaN(t) || !Number.isFinite(t)) throw new InputSpikeError(k, `time ${t} is not finite`);
        throw new InputSpikeError(
          k,
          k === 0 || prev === this.horizon
            ? `time ${t} is before the current network time ${prev} (window start or last fed/advanced time)`
            : `time ${t} is before the previous spike's ${prev} (input must be sorted)`,
        );
      }
      if (t === Number.POSITIVE_INFINITY) throw new InputSpikeError(k, 'time is infinite');
      const j = indices[k];
      if (!(j >= 0 && j < n) || !Number.isInteger(j)) {
        throw new InputSpikeError(k, `index ${j} is outside the input (0..${n - 1})`);
      }
      prev = t;
    }
    this.layers[0].consume(times, indices, 0, count);
    this.inputSpikes += count;
    this.horizon = prev;
    this.propagate(prev);
  }

  /**
   * Declares that all input up to T has been fed: settles every layer up to T. Afterwards all
   * spikes with t ≤ T are final. T = +Infinity ends the window (every remaining spike is computed).
   * A T before the current time changes nothing.
   */
  advance(T: number): void {
    if (Number.isNaN(T)) throw new RangeError('"T" must be a number, got NaN');
    if (T < this.horizon) return;
    this.horizon = T;
    this.propagate(T);
  }

  private propagate(T: number): void {
    const layers = this.layers;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      layer.advanceTo(T);
      if (l + 1 < layers.length) {
        const log = layer.log;
        const from = this.forwarded[l];
        if (log.count > from) {
          layers[l + 1].consume(log.times, log.neurons, from, log.count);
          this.forwarded[l] = log.count;
        }
      }
    }
    this.settled = T;
  }

  /** Live view of layer l's spikes in this window (valid until the next feed/advance/reset). */
  layerSpikes(l: number): LayerSpikes {
    const layer = this.layerAt(l);
    const log: SpikeLog = layer.log;
    return {
      name: this.layerInfo[l].name,
      count: log.count,
      times: log.times.subarray(0, log.count),
      neurons: log.neurons.subarray(0, log.count),
      ...(log.aNorm && log.xNorm
        ? { aNorm: log.aNorm.subarray(0, log.count), xNorm: log.xNorm.subarray(0, log.count) }
        : {}),
    };
  }

  /** Live per-neuron spike counts of layer l in this window. */
  spikeCounts(l: number): Int32Array {
    return this.layerAt(l).spikeCounts;
  }

  /** Live per-neuron first spike times of layer l in this window (+Infinity when silent). */
  firstSpikeTimes(l: number): Float64Array {
    return this.layerAt(l).firstSpikeTimes;
  }

  private layerAt(l: number): LayerRuntime {
    const layer = this.layers[l];
    if (!layer) throw new RangeError(`layer ${l} does not exist (0..${this.layers.length - 1})`);
    return layer;
  }

  /** Counters of the current window so far. */
  counters(): RunCounters {
    const layers: LayerCounters[] = this.layers.map((l, i) => ({
      name: this.layerInfo[i].name,
      type: this.layerInfo[i].type,
      size: l.size,
      spikes: l.log.count,
      synOps: l.synOps,
      neuronUpdates: l.neuronUpdates,
      silent: l.silentNeurons(),
    }));
    let synOps = 0;
    let neuronUpdates = 0;
    let spikes = 0;
    for (const l of layers) {
      synOps += l.synOps;
      neuronUpdates += l.neuronUpdates;
      spikes += l.spikes;
    }
    return {
      windows: 1,
      inputSpikes: this.inputSpikes,
      layers,
      synOps,
      neuronUpdates,
      spikes,
      denseMacs: this.denseMacsPerWindow,
    };
  }

  /** Counters summed over every window since compilation, the current one included. */
  cumulativeCounters(): RunCounters {
    const c = this.counters();
    return this.finished ? addCounters(this.finished, c) : c;
  }

  /** Runs one window over the whole input. Result arrays are copies (safe to keep). */
  run(spikes: InputSpikes, options: RunOptions = {}): RunResult {
    const warnings: string[] = [];
    const n = spikes.times.length;
    if (spikes.indices.length !== n) {
      throw new InputSpikeError(
        Math.min(n, spikes.indices.length),
        `times has ${n} entries but indices has ${spikes.indices.length}`,
      );
    }
    let times = spikes.times instanceof Float64Array ? spikes.times : Float64Array.from(spikes.times);
    let indices = spikes.indices instanceof Int32Array ? spikes.indices : Int32Array.from(spikes.indices);
    if (!(spikes.indices instanceof Int32Array)) {
      for (let k = 0; k < n; k++) {
        if (indices[k] !== spikes.indices[k]) {
          throw new InputSpikeError(k, `index ${spikes.indices[k]} is not an integer in the input range`);
        }
      }
    }
    let sorted = true;
    for (let k = 1; k < n; k++) {
      if (times[k] < times[k - 1]) {
        sorted = false;
        if (!options.sort) {
          throw new InputSpikeError(
            k,
            `time ${times[k]} is before the previous spike's ${times[k - 1]} (input must be sorted; pass sort: true to sort)`,
          );
        }
        break;
      }
    }
    if (!sorted) {
      const order = new Int32Array(n);
      for (let k = 0; k < n; k++) order[k] = k;
      const t0 = times;
      order.sort((p, q) => t0[p] - t0[q] || p - q);
      const st = new Float64Array(n);
      const si = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        st[k] = t0[order[k]];
        si[k] = indices[order[k]];
      }
      times = st;
      indices = si;
      warnings.push(`input spikes were not in time order; sorted ${n} spikes`);
    }
    const windowStart = options.windowStart ?? Math.min(0, n > 0 ? times[0] : 0);
    const windowEnd = options.windowEnd ?? Number.POSITIVE_INFINITY;
    if (!(windowEnd >= windowStart)) {
      throw new RangeError(`"windowEnd" (${windowEnd}) must be ≥ "windowStart" (${windowStart})`);
    }
    let count = n;
    while (count > 0 && times[count - 1] > windowEnd) count--;
    if (count < n) warnings.push(`${n - count} input spikes after the window end (${windowEnd}) ignored`);
    this.reset(windowStart);
    this.feed(times, indices, count);
    this.advance(windowEnd);
    const layers: LayerResult[] = this.layers.map((layer, l) => {
      const view = this.layerSpikes(l);
      return {
        name: view.name,
        count: view.count,
        times: view.times.slice(),
        neurons: view.neurons.slice(),
        ...(view.aNorm && view.xNorm ? { aNorm: view.aNorm.slice(), xNorm: view.xNorm.slice() } : {}),
        spikeCounts: layer.spikeCounts.slice(),
        firstSpikeTimes: layer.firstSpikeTimes.slice(),
      };
    });
    return { layers, counters: this.counters(), warnings };
  }
}

/** Validates `spec` and builds its runtime. Weights are used by reference (see the layer specs). */
export function compileNetwork(spec: NetworkSpec, options: CompileOptions = {}): Network {
  return new Network(spec, options);
}
