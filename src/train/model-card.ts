/** Writes a model's README.md (model card) from its spec, its test evaluation and its training log. */
import type { ModelSpec } from '../model/schema.ts';
import type { TrainConfig } from './config.ts';
import type { EvalReport } from './evaluate.ts';
import { averageSelected, type EpochRecord, initialisedFrom } from './train.ts';

function pct(v: number): string {
  return `${(100 * v).toFixed(2)} %`;
}

function num(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toPrecision(digits) : 'n/a';
}

/** The selected model's validation accuracy: the epoch's weights or their running mean. */
function selectedAccuracy(record: EpochRecord | undefined): string {
  if (!record) return pct(Number.NaN);
  return pct(averageSelected(record) ? record.averageValidationAccuracy! : record.validationAccuracy);
}

/** The trainer's additions to BATS, when on: silent-neuron bumps, input shifts, weight averaging. */
function trainingExtras(config: TrainConfig): string {
  const parts: string[] = [];
  if (config.silentBump > 0) parts.push(`silent-output bump ${config.silentBump}`);
  if (config.hiddenBump > 0) parts.push(`silent-hidden bump ${config.hiddenBump}`);
  if (config.augmentShift > 0) parts.push(`training inputs shifted by up to ±${config.augmentShift} px`);
  if (config.averageFrom > 0) parts.push(`weights averaged over the epochs from ${config.averageFrom} on`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

/**
 * The card's "Test figures" table, row by row, from an evaluation: `scripts/check-model-cards.ts`
 * compares a fresh `eval` against the card with it.
 */
export function testFiguresTable(test: EvalReport): string[] {
  const lat = test.decisionLatency;
  const rows = [
    '| measure | value |',
    '|---|---|',
    `| test accuracy (${test.samples} samples) | ${pct(test.accuracy)} |`,
    `| input spikes per sample | ${num(test.inputSpikesPerSample, 4)} |`,
    `| spikes per sample, per layer | ${test.spikesPerSample.map((v) => num(v, 4)).join(' / ')} |`,
    `| synaptic operations per sample | ${num(test.synapticOpsPerSample, 4)} |`,
    `| energy per sample (${test.energyPerSample.costTable}) | ${num(test.energyPerSample.joules * 1e9, 3)} nJ${test.energyPerSample.denseJoules !== null ? ` (dense equivalent ${num(test.energyPerSample.denseJoules * 1e9, 3)} nJ)` : ''} |`,
    `| decision latency p50 / p90 / p99 (model time) | ${num(lat.p50)} / ${num(lat.p90)} / ${num(lat.p99)} |`,
    `| neurons never spiking on the test set, per layer | ${test.silentNeuronShare.map(pct).join(' / ')} |`,
    `| samples with a silent output layer | ${test.allSilentSamples} |`,
  ];
  if (test.margin) {
    rows.push(
      `| early decision (leader ahead by ${test.margin.margin}): accuracy | ${pct(test.margin.accuracy)} |`,
      `| early decision latency p50 / p90 (model time) | ${num(test.margin.latency.p50)} / ${num(test.margin.latency.p90)} |`,
    );
  }
  return rows;
}

export function modelCard(
  model: ModelSpec,
  config: TrainConfig,
  test: EvalReport,
  history: readonly EpochRecord[],
  bestEpoch: number,
  command: string,
  /** Logs of earlier training stages present beside the model (train-log.stageN.jsonl). */
  earlierStageLogs: readonly string[] = [],
): string {
  const sizes = [
    model.inputShape.reduce((a, b) => a * b, 1),
    ...model.layers.map((l) => (l.type === 'dense' ? l.size : 0)),
  ];
  const init = initialisedFrom(model);
  const lines = [
    `# ${model.name}`,
    '',
    model.description,
    '',
    '## Reproduce',
    '',
    ...(init
      ? [
          `Trained in ${init.stages.length + 1} stages: the earlier ${init.stages.length === 1 ? 'command makes' : 'commands, run in order, make'} the starting weights in`,
          `\`${init.dir}\`; the last continues from them.`,
          '',
        ]
      : []),
    '```sh',
    ...(init?.stages.map((stage) => stage.command ?? `# a stage of ${init.dir} recorded no command`) ?? []),
    command,
    `npx spikestream eval --model models/${model.name} --dataset ${config.dataset} --split test --json`,
    '```',
    '',
    'The figures below were printed by the last command (the test split is evaluated once, after',
    'model selection on the validation split).',
    '',
    '## Data and method',
    '',
    `- Data: ${config.dataset} (${model.provenance?.data ?? ''}).`,
    `- Method: ${config.method === 'ttfs' ? `time-to-first-spike (one spike per neuron, softmax cross-entropy on first-spike times, τ_L = ${config.tauLoss})` : `relaxed multi-spike (spike-count loss, targets ${config.targetTrue}/${config.targetFalse}, spike caps ${config.maxSpikes.join('/')})`}, exact gradients through spike times (BATS), Adam.`,
    `- Architecture: ${sizes.join('-')}, CuBa LIF, τ_s = ${config.tauS}, τ_m = ${2 * config.tauS}, thresholds ${config.thresholds.join('/')}, window ${config.window} model time units (1 unit = ${model.timeUnitUs} µs).`,
    ...(init
      ? [`- Starting weights: those of \`${init.dir}\` (model "${init.name}"), not random ones.`]
      : []),
    `- Training: ${history.length} epochs, batch ${config.batchSize}, lr ${config.lr}${config.lrDecay !== 1 ? ` ×${config.lrDecay} every ${config.lrDecayEvery} epochs (min ${config.lrMin})` : ''}, init U(${config.init.map(([a, b]) => `${a},${b}`).join(' | ')}), seed ${config.seed}${trainingExtras(config)}; best validation accuracy ${selectedAccuracy(history[bestEpoch - 1])} at epoch ${bestEpoch}${averageSelected(history[bestEpoch - 1]) ? ` (the mean of the weights after epochs ${config.averageFrom}–${bestEpoch})` : ''}.`,
    '',
    '## Test figures',
    '',
    ...testFiguresTable(test),
  ];
  lines.push(
    '',
    config.method === 'ttfs'
      ? 'Decision latency: time of the first output spike.'
      : 'Decision latency: the time after which the spike-count prediction no longer changes.',
    '',
    '## Training curve',
    '',
    '![training curves](training-curves.svg)',
    '',
    earlierStageLogs.length > 0
      ? `Per-epoch figures are in \`train-log.jsonl\` (the last stage) and ${earlierStageLogs.map((f) => `\`${f}\``).join(', ')} (earlier stages); the curve spans them all.`
      : 'Per-epoch figures are in `train-log.jsonl`.',
    '',
  );
  return lines.join('\n');
}
