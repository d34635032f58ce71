/**
 * Evaluation of a model on a data set: accuracy, spikes and synaptic operations per sample, decision
 * latency in model time, silent neurons, and robustness to input perturbations (spike-time jitter,
 * deleted spikes, added random spikes). Used by `spikestream eval` and the reproduction report.
 */
import type { Dataset } from '../datasets/types.ts';
import { deriveSeed, Prng } from '../emulation/prng.ts';
import type { ModelSpec } from '../model/schema.ts';
import { type CostTable, estimateEnergy, resolveCostTable } from '../energy/cost-tables.ts';
import { compileNetwork } from '../snn/network.ts';
import { SampleEncoder } from './data.ts';
import { Progress } from './progress.ts';

export interface Perturbation {
  /** Gaussian jitter σ added to every input spike time (model time units). Default 0. */
  readonly jitter?: number;
  /** Share of input spikes deleted at random. Default 0. */
  readonly deleteShare?: number;
  /** Random spikes added, as a share of the sample's input spikes (uniform index and time). Default 0. */
  readonly addShare?: number;
  /** Seed of the perturbation's random numbers. Default 1. */
  readonly seed?: number;
}

export interface EvalOptions {
  /** Evaluate at most this many samples (0 = all). */
  readonly limit?: number;
  /** Simulation window (model time); default the model's readout window. */
  readonly window?: number;
  /** Spike-count readout: the early-decision margin (spikes ahead of the runner-up). Default 3. */
  readonly margin?: number;
  readonly perturbation?: Perturbation;
  /** Cost table for the energy estimate (default cmos45nm). */
  readonly costTable?: CostTable;
  readonly progress?: boolean;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

export interface EvalReport {
  readonly model: string;
  readonly dataset: string;
  readonly split: string;
  readonly samples: number;
  readonly accuracy: number;
  readonly readout: 'first-spike' | 'spike-count';
  /** Samples where no output neuron spiked (counted as wrong unless class 0 is right, as in BATS). */
  readonly allSilentSamples: number;
  readonly inputSpikesPerSample: number;
  /** Mean spikes per sample per layer (hidden…, output). */
  readonly spikesPerSample: readonly number[];
  readonly synapticOpsPerSample: number;
  /** Energy per sample under the named cost table, joules; and the same network run densely. */
  readonly energyPerSample: {
    readonly costTable: string;
    readonly joules: number;
    readonly denseJoules: number | null;
  };
  /** Share of neurons per layer that never spiked on any evaluated sample. */
  readonly silentNeuronShare: readonly number[];
  /** Mean share of silent neurons per sample, per layer. */
  readonly silentPerSampleShare: readonly number[];
  /**
   * Decision latency in model time units (and µs via the model's timeUnitUs), over samples with a decision:
   * TTFS: the first output spike; spike count: the time after which the prediction no longer changes.
   */
  readonly decisionLatency: Percentiles;
  readonly decisionLatencyUs: Percentiles;
  /** Spike count only: the early rule (leader ahead by `margin`): its latency and accuracy (undecided → window end). */
  readonly margin?: { readonly margin: number; readonly accuracy: number; readonly latency: Percentiles };
  readonly perturbation?: Perturbation;
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, mean: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(f * s.length) - 1))];
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

function scalePercentiles(p: Percentiles, f: number): Percentiles {
  return { p50: p.p50 * f, p90: p.p90 * f, p99: p.p99 * f, mean: p.mean * f };
}

/** Applies a perturbation to sorted input spikes; returns new sorted arrays. */
export function perturbSpikes(
  times: Float64Array,
  indices: Int32Array,
  count: number,
  inputSize: number,
  span: number,
  p: Perturbation,
  rng: Prng,
): { times: Float64Array; indices: Int32Array; count: number } {
  const jitter = p.jitter ?? 0;
  const del = p.deleteShare ?? 0;
  const add = Math.round((p.addShare ?? 0) * count);
  const t: number[] = [];
  const ix: number[] = [];
  for (let k = 0; k < count; k++) {
    if (del > 0 && rng.next() < del) continue;
    let tk = times[k] + (jitter > 0 ? jitter * rng.normal() : 0);
    if (tk < 0) tk = -tk;
    t.push(tk);
    ix.push(indices[k]);
  }
  for (let k = 0; k < add; k++) {
    t.push(rng.uniform(0, span));
    ix.push(rng.int(inputSize));
  }
  const order = t.map((_, k) => k).sort((a, b) => t[a] - t[b] || a - b);
  return {
    times: Float64Array.from(order, (k) => t[k]),
    indices: Int32Array.from(order, (k) => ix[k]),
    count: order.length,
  };
}

/** Evaluates `model` on `ds` (which must be the kind of data its input mapping expects). */
export function evaluate(model: ModelSpec, ds: Dataset, options: EvalOptions = {}): EvalReport {
  const net = compileNetwork(model, { kernel: 'auto' });
  const encoder = new SampleEncoder(ds, model.inputMapping, model.timeUnitUs);
  const window = options.window ?? model.readout.window;
  const margin = options.margin ?? 3;
  const n = options.limit && options.limit > 0 ? Math.min(options.limit, ds.count) : ds.count;
  const L = net.depth;
  const nOut = model.labels.length;
  const everSpiked = model.layers.map((_, l) => new Uint8Array(net.layerInfo[l].size));
  const spikeSums = new Float64Array(L);
  const silentSums = new Float64Array(L);
  let inputSpikes = 0;
  let synOps = 0;
  let correct = 0;
  let marginCorrect = 0;
  let allSilent = 0;
  const latencies: number[] = [];
  const marginLatencies: number[] = [];
  const counts = new Float64Array(nOut);
  const pert = options.perturbation;
  const span = model.inputMapping.kind === 'image' ? model.inputMapping.window : window;
  const progress = new Progress(`eval ${model.name}`, n, options.progress);
  for (let i = 0; i < n; i++) {
    let s = encoder.encode(i);
    if (pert) {
      const rng = new Prng(deriveSeed(pert.seed ?? 1, i));
      s = {
        ...perturbSpikes(s.times, s.indices, s.count, encoder.inputSize, span, pert, rng),
        label: s.label,
      };
    }
    let count = s.count;
    while (count > 0 && s.times[count - 1] > window) count--;
    net.reset(0);
    net.feed(s.times, s.indices, count);
    net.advance(window);
    const c = net.counters();
    inputSpikes += c.inputSpikes;
    synOps += c.synOps;
    for (let l = 0; l < L; l++) {
      const sc = net.spikeCounts(l);
      spikeSums[l] += c.layers[l].spikes;
      silentSums[l] += c.layers[l].silent / sc.length;
      const ever = everSpiked[l];
      for (let k = 0; k < sc.length; k++) if (sc[k] > 0) ever[k] = 1;
    }
    const out = net.layerSpikes(L - 1);
    if (out.count === 0) allSilent++;
    let predicted = 0;
    if (model.readout.kind === 'first-spike') {
      const first = net.firstSpikeTimes(L - 1);
      for (let k = 1; k < nOut; k++) if (first[k] < first[predicted]) predicted = k;
      if (out.count > 0) latencies.push(out.times[0]);
    } else {
      const final = net.spikeCounts(L - 1);
      for (let k = 1; k < nOut; k++) if (final[k] > final[predicted]) predicted = k;
      // replay the output spikes: when did the argmax settle, and when did the margin rule fire?
      counts.fill(0);
      let leader = 0;
      let settled = Number.NaN;
      let marginTime = Number.NaN;
      let marginPick = -1;
      for (let k = 0; k < out.count; k++) {
        counts[out.neurons[k]]++;
        let best = 0;
        for (let j = 1; j < nOut; j++) if (counts[j] > counts[best]) best = j;
        if (best !== leader || k === 0) {
          leader = best;
          settled = out.times[k];
        }
        if (marginPick < 0) {
          let second = -1;
          for (let j = 0; j < nOut; j++)
            if (j !== best && (second < 0 || counts[j] > counts[second])) second = j;
          if (counts[best] - (second >= 0 ? counts[second] : 0) >= margin) {
            marginPick = best;
            marginTime = out.times[k];
          }
        }
      }
      if (out.count > 0) latencies.push(settled);
      if (marginPick < 0) {
        marginPick = predicted;
        marginTime = window;
      }
      marginLatencies.push(marginTime);
      if (marginPick === s.label) marginCorrect++;
    }
    if (predicted === s.label) correct++;
    progress.update(i + 1);
  }
  progress.done();
  const lat = percentiles(latencies);
  const energy = estimateEnergy(net.cumulativeCounters(), options.costTable ?? resolveCostTable());
  const windows = net.cumulativeCounters().windows;
  return {
    model: model.name,
    dataset: ds.name,
    split: ds.split,
    samples: n,
    accuracy: correct / n,
    readout: model.readout.kind,
    allSilentSamples: allSilent,
    inputSpikesPerSample: inputSpikes / n,
    spikesPerSample: Array.from(spikeSums, (v) => v / n),
    synapticOpsPerSample: synOps / n,
    energyPerSample: {
      costTable: energy.costTable,
      joules: energy.energyJ / windows,
      denseJoules: energy.denseEquivalentJ === null ? null : energy.denseEquivalentJ / windows,
    },
    silentNeuronShare: everSpiked.map((e) => e.reduce((a, v) => a + (v ? 0 : 1), 0) / e.length),
    silentPerSampleShare: Array.from(silentSums, (v) => v / n),
    decisionLatency: lat,
    decisionLatencyUs: scalePercentiles(lat, model.timeUnitUs),
    ...(model.readout.kind === 'spike-count'
      ? { margin: { margin, accuracy: marginCorrect / n, latency: percentiles(marginLatencies) } }
      : {}),
    ...(pert ? { perturbation: pert } : {}),
  };
}
