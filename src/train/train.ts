/**
 * The training loop: data-parallel exact-gradient training of a dense spiking network with Adam,
 * model selection on a validation split carved from the training data (the test set is never
 * touched here), per-epoch JSON-lines log, checkpoints every epoch and resume.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveSeed, Prng } from '../emulation/prng.ts';
import { loadModel } from '../model/loader.ts';
import { saveModel } from '../model/saver.ts';
import { inputMappingShape } from '../model/input-mapping.ts';
import type { ModelSpec } from '../model/schema.ts';
import type { DenseLayerSpec } from '../snn/spec.ts';
import { UsageError } from '../events/errors.ts';
import { Adam } from './adam.ts';
import { type BatchStats, BatchRunner, type RunnerSetup } from './batch-runner.ts';
import { type TrainConfig, validateConfig } from './config.ts';
import { type DatasetRef, loadDataset, mappingFor } from './data.ts';
import { Progress } from './progress.ts';
import { readTrainLog, startStageLogs, TRAIN_LOG } from './training-log.ts';

export interface EpochRecord {
  readonly epoch: number;
  readonly lr: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
  /** Mean spikes per validation sample, per layer. */
  readonly spikesPerSample: readonly number[];
  /** Share of validation samples whose label output never spiked. */
  readonly labelSilentShare: number;
  /**
   * With weight averaging (`averageFrom`), the validation accuracy of the mean of the weights
   * after epochs averageFrom…epoch; the model keeps the mean when it beats every earlier choice.
   */
  readonly averageValidationAccuracy?: number;
}

/** Whether the model selected at this epoch is the weight average rather than the epoch's weights. */
export function averageSelected(record: EpochRecord | undefined): boolean {
  const avg = record?.averageValidationAccuracy;
  return avg !== undefined && avg > record!.validationAccuracy;
}

export interface TrainOptions {
  readonly config: TrainConfig;
  /** Output model directory (model.json, weights.bin, train-log.jsonl, checkpoint/). */
  readonly out: string;
  /** Model name written into model.json (default: last path component of `out`). */
  readonly name?: string;
  /** Continue from out/checkpoint if present. */
  readonly resume?: boolean;
  /** The command line that produced this run (provenance). */
  readonly command?: string;
  /** Called after every epoch. */
  readonly onEpoch?: (r: EpochRecord) => void;
  /** Show a progress bar (default: when stderr is a TTY). */
  readonly progress?: boolean;
}

export interface TrainResult {
  readonly model: ModelSpec;
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
}

interface CheckpointState {
  readonly epoch: number;
  readonly bestEpoch: number;
  readonly bestValidationAccuracy: number;
  readonly lr: number;
  readonly adamSteps: number[];
  /** Epochs summed in checkpoint/average.f64 (weight averaging; absent when off). */
  readonly averagedEpochs?: number;
  /** The configuration that wrote it, less what may change between sittings (absent in older checkpoints). */
  readonly config?: string;
}

/** The settings a resumed run must share with the run that wrote the checkpoint. */
function resumableConfig(cfg: TrainConfig): string {
  const { epochs: _epochs, workers: _workers, ...rest } = cfg;
  return JSON.stringify(rest);
}

function sharedWeights(size: number, inputSize: number, range: readonly [number, number], rng: Prng) {
  const buffer = new SharedArrayBuffer(4 * size * inputSize);
  const w = new Float32Array(buffer);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(range[0], range[1]);
  return { buffer, w };
}

/** Trains per `options.config`; writes the best-on-validation model to `options.out`. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const cfg = options.config;
  validateConfig(cfg);
  const name = options.name ?? options.out.split('/').filter(Boolean).pop() ?? 'model';
  mkdirSync(options.out, { recursive: true });
  const trainRef: DatasetRef = {
    name: cfg.dataset,
    split: 'train',
    limit: cfg.trainLimit,
    validationFraction: cfg.validationFraction,
  };
  const valRef: DatasetRef = { ...trainRef, split: 'validation', limit: cfg.validationLimit };
  const trainSet = await loadDataset(trainRef);
  const mapping = mappingFor(trainSet, cfg.inputWindow);
  const inputShape = inputMappingShape(mapping);
  const inputSize = inputShape[0] * inputShape[1] * inputShape[2];
  const sizes = [inputSize, ...cfg.hidden, trainSet.classNames.length];
  const rng = new Prng(deriveSeed(cfg.seed, 0));
  const layers = [] as { buffer: SharedArrayBuffer; w: Float32Array }[];
  for (let l = 1; l < sizes.length; l++)
    layers.push(sharedWeights(sizes[l], sizes[l - 1], cfg.init[l - 1], rng));
  const layerShapes = sizes.slice(1).map((size, l) => ({
    size,
    inputSize: sizes[l],
    neuron: { tauS: cfg.tauS, threshold: cfg.thresholds[l], maxSpikes: cfg.maxSpikes[l] },
  }));
  // the random weights above are drawn even when replaced, so later draws do not depend on initFrom
  const initialisedFrom = cfg.initFrom
    ? copyInitialWeights(cfg.initFrom, sizes, inputShape, layers)
    : undefined;
  const optimisers = layers.map((l) => new Adam(l.w.length, { lr: cfg.lr }));

  const checkpointDir = join(options.out, 'checkpoint');
  const logPath = join(options.out, TRAIN_LOG);
  let startEpoch = 1;
  let bestEpoch = 0;
  let bestAcc = -1;
  let lr = cfg.lr;
  const history: EpochRecord[] = [];
  const bestWeights = layers.map((l) => new Float32Array(l.w.length));
  // weight averaging: running sums in float64 so the mean does not depend on rounding order
  const averaging = cfg.averageFrom > 0;
  const weightSums = averaging ? layers.map((l) => new Float64Array(l.w.length)) : [];
  const heldWeights = averaging ? layers.map((l) => new Float32Array(l.w.length)) : [];
  let averagedEpochs = 0;
  if (options.resume && existsSync(join(checkpointDir, 'state.json'))) {
    const state = JSON.parse(readFileSync(join(checkpointDir, 'state.json'), 'utf8')) as CheckpointState;
    if (state.config !== undefined && state.config !== resumableConfig(cfg))
      throw new UsageError(
        `${join(checkpointDir, 'state.json')}: the checkpoint was written by a run with other settings ` +
          `(${state.config}); resume with the same options (only --epochs and --workers may change)`,
      );
    fillFrom(
      readFileSync(join(checkpointDir, 'weights.f32')),
      layers.map((l) => l.w),
    );
    fillFrom(readFileSync(join(checkpointDir, 'best.f32')), bestWeights);
    fillFrom(
      readFileSync(join(checkpointDir, 'adam.f64')),
      optimisers.flatMap((o) => [o.m, o.v]),
    );
    for (const [l, o] of optimisers.entries()) o.step = state.adamSteps[l];
    if (averaging) {
      averagedEpochs = state.averagedEpochs ?? 0;
      fillFrom(readFileSync(join(checkpointDir, 'average.f64')), weightSums);
    }
    startEpoch = state.epoch + 1;
    bestEpoch = state.bestEpoch;
    bestAcc = state.bestValidationAccuracy;
    lr = state.lr;
    history.push(...readTrainLog(logPath).slice(0, state.epoch));
  } else {
    startStageLogs(options.out, cfg.initFrom);
    writeFileSync(logPath, '');
  }

  if (cfg.augmentShift > 0 && (inputShape[1] < 2 || inputShape[2] < 2)) {
    throw new UsageError(
      `"augmentShift" moves inputs on a 2-D grid; ${cfg.dataset} has ${inputShape[1]}×${inputShape[2]} inputs`,
    );
  }
  const setup = (ref: DatasetRef, augment: boolean): RunnerSetup => ({
    dataset: ref,
    mapping,
    timeUnitUs: cfg.timeUnitUs,
    inputShape,
    layers: layerShapes,
    weightBuffers: layers.map((l) => l.buffer),
    window: cfg.window,
    loss: {
      method: cfg.method,
      tauLoss: cfg.tauLoss,
      targetTrue: cfg.targetTrue,
      targetFalse: cfg.targetFalse,
      silentBump: cfg.silentBump,
      hiddenBump: cfg.hiddenBump,
    },
    ...(augment && cfg.augmentShift > 0 ? { augment: { shift: cfg.augmentShift, seed: cfg.seed } } : {}),
  });
  const valSet = await loadDataset(valRef);
  const trainer = await BatchRunner.create(setup(trainRef, true), cfg.workers);
  const validator = await BatchRunner.create(setup(valRef, false), cfg.workers);
  const valIndices = Int32Array.from({ length: valSet.count }, (_, i) => i);
  try {
    const n = trainSet.count;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let epoch = startEpoch; epoch <= cfg.epochs; epoch++) {
      if (epoch > 1 && (epoch - 1) % cfg.lrDecayEvery === 0) lr = Math.max(cfg.lrMin, lr * cfg.lrDecay);
      for (const o of optimisers) o.lr = lr;
      // a shuffle that depends only on (seed, epoch), so a resumed run repeats it exactly
      const shuffle = new Prng(deriveSeed(cfg.seed, 1000 + epoch));
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = shuffle.int(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      const t0 = performance.now();
      const progress = new Progress(`epoch ${epoch}/${cfg.epochs}`, n, options.progress);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < n; b += cfg.batchSize) {
        const batch = order.subarray(b, Math.min(n, b + cfg.batchSize));
        const stats = await trainer.run(batch, true, epoch);
        const scale = 1 / batch.length;
        for (let l = 0; l < layers.length; l++) {
          const g = trainer.grads[l];
          for (let i = 0; i < g.length; i++) g[i] *= scale;
          optimisers[l].update(layers[l].w, g);
        }
        lossSum += stats.lossSum;
        correct += stats.correct;
        seen += stats.samples;
        progress.update(
          seen,
          `loss ${(lossSum / seen).toFixed(3)} acc ${((100 * correct) / seen).toFixed(1)}%`,
        );
      }
      progress.done();
      const trainSeconds = (performance.now() - t0) / 1000;
      const val: BatchStats = await validator.run(valIndices, false);
      let averageAccuracy: number | undefined;
      if (averaging && epoch >= cfg.averageFrom) {
        averagedEpochs++;
        // the validator reads the shared weights: lend it the mean, then put the epoch's back
        for (let l = 0; l < layers.length; l++) {
          const w = layers[l].w;
          const sum = weightSums[l];
          heldWeights[l].set(w);
          for (let i = 0; i < w.length; i++) {
            sum[i] += w[i];
            w[i] = sum[i] / averagedEpochs;
          }
        }
        const avg = await validator.run(valIndices, false);
        averageAccuracy = avg.correct / avg.samples;
      }
      const record: EpochRecord = {
        epoch,
        lr,
        seconds: trainSeconds,
        samplesPerSecond: n / trainSeconds,
        trainLoss: lossSum / n,
        trainAccuracy: correct / n,
        validationLoss: val.lossSum / val.samples,
        validationAccuracy: val.correct / val.samples,
        spikesPerSample: val.spikes.map((s) => s / val.samples),
        labelSilentShare: val.labelSilent / val.samples,
        ...(averageAccuracy !== undefined ? { averageValidationAccuracy: averageAccuracy } : {}),
      };
      history.push(record);
      appendFileSync(logPath, `${JSON.stringify(record)}\n`);
      if (record.validationAccuracy > bestAcc) {
        bestAcc = record.validationAccuracy;
        bestEpoch = epoch;
        for (let l = 0; l < layers.length; l++)
          bestWeights[l].set(averageAccuracy !== undefined ? heldWeights[l] : layers[l].w);
      }
      if (averageAccuracy !== undefined) {
        if (averageAccuracy > bestAcc) {
          bestAcc = averageAccuracy;
          bestEpoch = epoch;
          for (let l = 0; l < layers.length; l++) bestWeights[l].set(layers[l].w);
        }
        for (let l = 0; l < layers.length; l++) layers[l].w.set(heldWeights[l]);
      }
      writeCheckpoint(checkpointDir, layers, bestWeights, optimisers, weightSums, {
        epoch,
        ...(averaging ? { averagedEpochs } : {}),
        bestEpoch,
        bestValidationAccuracy: bestAcc,
        lr,
        adamSteps: optimisers.map((o) => o.step),
        config: resumableConfig(cfg),
      });
      options.onEpoch?.(record);
    }
  } finally {
    await trainer.close();
    await validator.close();
  }
  const denseLayers: DenseLayerSpec[] = layerShapes.map((s, l) => ({
    type: 'dense',
    name: l === layerShapes.length - 1 ? 'output' : `hidden${l + 1}`,
    size: s.size,
    neuron: s.neuron,
    weights: Float32Array.from(bestWeights[l]),
  }));
  const model: ModelSpec = {
    name,
    description: `${cfg.method === 'ttfs' ? 'TTFS' : 'Relaxed (multi-spike)'} spiking network ${sizes.join('-')} trained on ${cfg.dataset}`,
    timeUnitUs: cfg.timeUnitUs,
    inputShape,
    inputMapping: mapping,
    layers: denseLayers,
    readout:
      cfg.method === 'ttfs'
        ? { kind: 'first-spike', window: cfg.window }
        : { kind: 'spike-count', window: cfg.window, margin: 0 },
    labels: trainSet.classNames,
    provenance: {
      command: options.command,
      data: `${trainSet.provenance}; model selected on the validation split`,
      seed: cfg.seed,
      date: new Date().toISOString(),
      method: cfg.method,
      bestEpoch,
      config: JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>,
      ...(initialisedFrom ? { initialisedFrom } : {}),
    },
    metrics: { validationAccuracy: bestAcc, epochs: history.length },
  };
  saveModel(options.out, model);
  return { model, history, bestEpoch };
}

/** One training run in the history of a warm-started model. */
export interface TrainingStage {
  /** The command of that run, as its model recorded it (null if it recorded none). */
  readonly command: string | null;
  /** Epochs that run trained (null if not recorded). */
  readonly epochs: number | null;
}

/** What a warm-started model records about the model it started from. */
export interface InitialisedFrom {
  readonly dir: string;
  readonly name: string;
  /**
   * The runs that made the starting model, earliest first: its own earlier stages, then the run
   * that wrote it. Running their commands in order, then this model's, reproduces this model.
   */
  readonly stages: readonly TrainingStage[];
}

/** The model a warm-started model started from, as its provenance records it (else undefined). */
export function initialisedFrom(model: ModelSpec): InitialisedFrom | undefined {
  const init = model.provenance?.initialisedFrom;
  if (init === null || typeof init !== 'object') return undefined;
  const record = init as Partial<InitialisedFrom> & { command?: string | null };
  if (Array.isArray(record.stages)) return record as InitialisedFrom;
  // models trained before stages were recorded name only the run that wrote the starting model;
  // a run trains every epoch its command asks for, so the command tells its epochs
  const command = record.command ?? null;
  const epochs = command?.match(/--epochs[ =](\d+)/)?.[1];
  return {
    dir: String(record.dir),
    name: String(record.name),
    stages: [{ command, epochs: epochs === undefined ? null : Number(epochs) }],
  };
}

/**
 * Overwrites the fresh weights with those of the model in `dir`, after checking that it is a dense
 * network of the same sizes on the same input shape.
 */
function copyInitialWeights(
  dir: string,
  sizes: readonly number[],
  inputShape: readonly number[],
  layers: readonly { w: Float32Array }[],
): InitialisedFrom {
  const source = loadModel(dir);
  const where = `initFrom ${join(dir, 'model.json')}`;
  if (source.inputShape.join('×') !== inputShape.join('×'))
    throw new UsageError(
      `${where}: input shape ${source.inputShape.join('×')} does not match this data set's ${inputShape.join('×')}`,
    );
  const dense: DenseLayerSpec[] = [];
  for (const [l, layer] of source.layers.entries()) {
    if (layer.type !== 'dense')
      throw new UsageError(
        `${where}: layer ${layer.name ?? l + 1} is ${layer.type}; the trainer builds dense networks`,
      );
    dense.push(layer);
  }
  const sourceSizes = [sizes[0], ...dense.map((layer) => layer.size)];
  if (sourceSizes.join('-') !== sizes.join('-'))
    throw new UsageError(`${where}: architecture ${sourceSizes.join('-')} does not match ${sizes.join('-')}`);
  for (const [l, layer] of dense.entries()) layers[l].w.set(layer.weights);
  const command = source.provenance?.command;
  const epochs = source.metrics?.epochs;
  const lastStage: TrainingStage = {
    command: typeof command === 'string' ? command : null,
    epochs: typeof epochs === 'number' ? epochs : null,
  };
  const earlier = initialisedFrom(source)?.stages ?? [];
  return { dir, name: source.name, stages: [...earlier, lastStage] };
}

/** Fills `arrays` in order from `bytes`, the layout `writeCheckpoint` concatenates them in. */
function fillFrom(bytes: Uint8Array, arrays: readonly (Float32Array | Float64Array)[]): void {
  let offset = 0;
  for (const a of arrays) {
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(bytes.subarray(offset, offset + a.byteLength));
    offset += a.byteLength;
  }
}

function writeCheckpoint(
  dir: string,
  layers: readonly { w: Float32Array }[],
  best: readonly Float32Array[],
  optimisers: readonly Adam[],
  weightSums: readonly Float64Array[],
  state: CheckpointState,
): void {
  mkdirSync(dir, { recursive: true });
  const concat = (arrays: readonly (Float32Array | Float64Array)[]): Uint8Array => {
    let n = 0;
    for (const a of arrays) n += a.byteLength;
    const out = new Uint8Array(n);
    let o = 0;
    for (const a of arrays) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
      o += a.byteLength;
    }
    return out;
  };
  // write-then-rename so a crash mid-write never leaves a half checkpoint
  const files: [string, Uint8Array | string][] = [
    ['weights.f32', concat(layers.map((l) => l.w))],
    ['best.f32', concat(best)],
    ['adam.f64', concat(optimisers.flatMap((o) => [o.m, o.v]))],
    ...(weightSums.length > 0 ? [['average.f64', concat(weightSums)] as [string, Uint8Array]] : []),
    ['state.json', `${JSON.stringify(state)}\n`],
  ];
  for (const [f, data] of files) {
    writeFileSync(join(dir, `${f}.tmp`), data);
    renameSync(join(dir, `${f}.tmp`), join(dir, f));
  }
}
