/**
 * Training configuration: every hyperparameter of the reference trainer, with defaults taken from
 * the BATS scripts (snn-method reference §2.4) per method, and validation that names the field.
 */
import { UsageError } from '../events/errors.ts';
import type { TrainMethod } from './sample-gradient.ts';

export interface TrainConfig {
  readonly method: TrainMethod;
  /** Data set name (see src/datasets): mnist, fashion-mnist, yinyang, idx:DIR, nmnist-emulated. */
  readonly dataset: string;
  /** Hidden layer sizes, e.g. [800] or [400, 400]. */
  readonly hidden: readonly number[];
  /** Threshold θ per weighted layer (hidden…, output). */
  readonly thresholds: readonly number[];
  /** Spike cap per weighted layer (1 everywhere for TTFS). */
  readonly maxSpikes: readonly number[];
  /** Synaptic time constant τ_s (model time units); τ_m = 2τ_s. */
  readonly tauS: number;
  /** Simulation window T (model time units): spikes after it are ignored. */
  readonly window: number;
  /** Image inputs: latest input spike time (intensity → 0), model time units. */
  readonly inputWindow: number;
  /** Event inputs: µs per model time unit. */
  readonly timeUnitUs: number;
  /** Initial weights U(low, high) per weighted layer. */
  readonly init: readonly (readonly [number, number])[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Multiply the learning rate by this every `lrDecayEvery` epochs, not below `lrMin`. */
  readonly lrDecay: number;
  readonly lrDecayEvery: number;
  readonly lrMin: number;
  /** TTFS softmax temperature τ_L (model time units). */
  readonly tauLoss: number;
  /** Spike-count targets. */
  readonly targetTrue: number;
  readonly targetFalse: number;
  /** Gradient pushing silent output neurons to fire (per input spike; 0 = off, as in BATS). */
  readonly silentBump: number;
  /** The same for silent hidden neurons (0 = off, as in BATS). */
  readonly hiddenBump: number;
  /**
   * Shift each training sample's input spikes by up to ±N cells in x and y (images and event
   * streams alike; uniform, drawn anew per sample and epoch from the seed; 0 = off). Validation and
   * test samples are never shifted.
   */
  readonly augmentShift: number;
  /**
   * From this epoch on, also keep the mean of the weights at the end of each epoch (stochastic
   * weight averaging) and select it when it scores best on validation (0 = off).
   */
  readonly averageFrom: number;
  /**
   * Start from the weights of this model directory instead of random ones ('' = random init).
   * Its layer sizes and input shape must match; neuron parameters come from this config.
   */
  readonly initFrom: string;
  readonly seed: number;
  /** Worker threads computing gradients (0 = in the main thread). */
  readonly workers: number;
  /** Use at most this many training samples per epoch (0 = all). */
  readonly trainLimit: number;
  /** Use at most this many validation samples (0 = all). */
  readonly validationLimit: number;
  /** Share of the training file held out for validation (IDX data sets). */
  readonly validationFraction: number;
}

/** Architecture defaults per data set: input shape comes from the data. */
export function defaultConfig(method: TrainMethod, dataset: string): TrainConfig {
  const events = dataset.startsWith('nmnist');
  const yinyang = dataset === 'yinyang' || dataset === 'yinyang-bias';
  const fashion = dataset === 'fashion-mnist';
  const hidden = fashion ? [400, 400] : yinyang ? [120] : events ? [400] : [800];
  const nWeighted = hidden.length + 1;
  const ttfs = method === 'ttfs';
  const thresholds = ttfs
    ? fashion
      ? [0.7, 0.7, 2.0]
      : yinyang
        ? [0.1, 0.5]
        : events
          ? [1.0, 2.0]
          : [0.7, 2.0]
    : fashion
      ? [0.13, 0.45, 0.7]
      : yinyang
        ? [0.2, 0.6]
        : events
          ? [0.5, 1.3]
          : [0.2, 1.3];
  const maxSpikes = ttfs
    ? new Array<number>(nWeighted).fill(1)
    : fashion
      ? [5, 5, 20]
      : yinyang
        ? [10, 20]
        : [30, 30];
  const init: [number, number][] = new Array(nWeighted).fill(ttfs ? [0, 1] : [-1, 1]);
  return {
    method,
    dataset,
    hidden,
    thresholds,
    maxSpikes,
    tauS: 0.13,
    window: ttfs ? 1.0 : events ? 0.5 : 0.2,
    // Yin-Yang TTFS: the 4 coordinates need input times spread over ≈3τ_s, not 0.1 (86 → 98 %
    // validation; scripts/train-models.sh)
    inputWindow: yinyang && ttfs ? 0.4 : 0.1,
    timeUnitUs: 1e6,
    init,
    epochs: ttfs ? (yinyang ? 60 : 30) : fashion ? 100 : 100,
    batchSize: fashion && !ttfs ? 5 : 50,
    lr: ttfs ? (yinyang ? 0.001 : 0.002) : fashion ? 0.0005 : 0.003,
    lrDecay: fashion ? 0.5 : yinyang && ttfs ? 0.7 : 1,
    lrDecayEvery: 10,
    lrMin: fashion ? 1e-4 : 0,
    tauLoss: 0.005,
    targetTrue: 15,
    targetFalse: 3,
    silentBump: ttfs ? 1 : 0,
    hiddenBump: 0,
    augmentShift: 0,
    averageFrom: 0,
    initFrom: '',
    seed: 1,
    workers: 2,
    trainLimit: 0,
    validationLimit: 0,
    validationFraction: 0.1,
  };
}

function positive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`"${name}" must be a positive number, got ${v}`);
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`"${name}" must be an integer ≥ 1, got ${v}`);
}

function nonNegInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`"${name}" must be an integer ≥ 0, got ${v}`);
}

/** Throws UsageError naming the first bad field. */
export function validateConfig(c: TrainConfig): void {
  if (c.method !== 'ttfs' && c.method !== 'relaxed') {
    throw new UsageError(`"method" must be ttfs or relaxed, got "${c.method}"`);
  }
  for (const [i, h] of c.hidden.entries()) positiveInt(`hidden[${i}]`, h);
  const n = c.hidden.length + 1;
  if (c.thresholds.length !== n) {
    throw new UsageError(
      `"thresholds" needs ${n} values (one per weighted layer), got ${c.thresholds.length}`,
    );
  }
  if (c.maxSpikes.length !== n) {
    throw new UsageError(`"maxSpikes" needs ${n} values (one per weighted layer), got ${c.maxSpikes.length}`);
  }
  if (c.init.length !== n) throw new UsageError(`"init" needs ${n} ranges, got ${c.init.length}`);
  for (const [i, t] of c.thresholds.entries()) positive(`thresholds[${i}]`, t);
  for (const [i, m] of c.maxSpikes.entries()) positiveInt(`maxSpikes[${i}]`, m);
  if (c.method === 'ttfs' && c.maxSpikes.some((m) => m !== 1)) {
    throw new UsageError('"maxSpikes" must be 1 in every layer for the ttfs method');
  }
  for (const [i, [lo, hi]] of c.init.entries()) {
    if (!(hi > lo)) throw new UsageError(`"init[${i}]" must be a range low < high, got [${lo}, ${hi}]`);
  }
  positive('tauS', c.tauS);
  positive('window', c.window);
  positive('inputWindow', c.inputWindow);
  positive('timeUnitUs', c.timeUnitUs);
  if (c.window / c.tauS > 500)
    throw new UsageError(`"window" / "tauS" must be ≤ 500, got ${c.window / c.tauS}`);
  positiveInt('epochs', c.epochs);
  positiveInt('batchSize', c.batchSize);
  positive('lr', c.lr);
  positive('lrDecay', c.lrDecay);
  positiveInt('lrDecayEvery', c.lrDecayEvery);
  if (!(c.lrMin >= 0)) throw new UsageError(`"lrMin" must be ≥ 0, got ${c.lrMin}`);
  positive('tauLoss', c.tauLoss);
  if (!(c.targetTrue >= 0) || !(c.targetFalse >= 0)) throw new UsageError('spike-count targets must be ≥ 0');
  if (!(c.silentBump >= 0)) throw new UsageError(`"silentBump" must be ≥ 0, got ${c.silentBump}`);
  if (!(c.hiddenBump >= 0)) throw new UsageError(`"hiddenBump" must be ≥ 0, got ${c.hiddenBump}`);
  nonNegInt('augmentShift', c.augmentShift);
  nonNegInt('averageFrom', c.averageFrom);
  nonNegInt('seed', c.seed);
  nonNegInt('workers', c.workers);
  nonNegInt('trainLimit', c.trainLimit);
  nonNegInt('validationLimit', c.validationLimit);
  if (!(c.validationFraction > 0 && c.validationFraction < 1)) {
    throw new UsageError(`"validationFraction" must be in (0, 1), got ${c.validationFraction}`);
  }
}
