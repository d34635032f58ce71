/**
 * `spikestream eval --model DIR --dataset NAME`: accuracy, spikes and synaptic ops per sample,
 * decision latency percentiles, silent neurons, energy; optionally under input perturbations.
 */
import { parseArgs } from 'node:util';
import { parseSplit, type SplitName } from '../../datasets/types.ts';
import { resolveCostTable } from '../../energy/cost-tables.ts';
import { UsageError } from '../../events/errors.ts';
import { loadModel } from '../../model/loader.ts';
import { loadDataset } from '../../train/data.ts';
import { type EvalReport, evaluate } from '../../train/evaluate.ts';
import type { CliCommand } from '../command.ts';

const HELP = `usage: spikestream eval --model DIR --dataset NAME [options]

Evaluates a model on a data set split with the exact engine and reports accuracy, spikes per
sample per layer, synaptic operations per sample, energy (named cost table), decision latency
percentiles in model time (TTFS: first output spike; spike count: when the prediction stops
changing, plus the early-margin rule) and the share of silent neurons.

options:
  --model DIR          model directory
  --dataset NAME       mnist, fashion-mnist, yinyang, idx:DIR, nmnist-emulated
  --split S            test (default), validation, train
  --limit N            evaluate the first N samples only
  --window X           simulation window, model time (default: the model's readout window)
  --margin N           early-decision margin for spike-count models (default 3)
  --jitter X           add Gaussian jitter σ = X (model time) to every input spike
  --delete X           delete a share X of the input spikes
  --add X              add random input spikes, a share X of the sample's spike count
  --seed N             seed of the perturbation (default 1)
  --cost-table NAME    cmos45nm (default), loihi, or a JSON file
  --json               print the report as JSON`;

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name}: not a number: "${v}"`);
  return n;
}

export function formatReport(r: EvalReport): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : 'n/a');
  const lines = [
    `model ${r.model} on ${r.dataset} (${r.split}, ${r.samples} samples)`,
    `accuracy                ${(100 * r.accuracy).toFixed(2)} %`,
    `input spikes / sample   ${r.inputSpikesPerSample.toFixed(1)}`,
    `spikes / sample         ${r.spikesPerSample.map((v) => v.toFixed(1)).join(' / ')}`,
    `synaptic ops / sample   ${r.synapticOpsPerSample.toFixed(0)}`,
    `energy / sample         ${(r.energyPerSample.joules * 1e9).toPrecision(3)} nJ (${r.energyPerSample.costTable})`,
    `decision latency        p50 ${f(r.decisionLatency.p50)}  p90 ${f(r.decisionLatency.p90)}  p99 ${f(r.decisionLatency.p99)} (model time)`,
    `silent neurons          ${r.silentNeuronShare.map((v) => `${(100 * v).toFixed(1)}%`).join(' / ')} never spiked`,
  ];
  if (r.margin) {
    lines.push(
      `early decision (m=${r.margin.margin}) accuracy ${(100 * r.margin.accuracy).toFixed(2)} %, latency p50 ${f(r.margin.latency.p50)}`,
    );
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  summary: 'evaluate a model on a data set: accuracy, spikes, synaptic ops, latency, energy',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        model: { type: 'string' },
        dataset: { type: 'string' },
        split: { type: 'string' },
        limit: { type: 'string' },
        window: { type: 'string' },
        margin: { type: 'string' },
        jitter: { type: 'string' },
        delete: { type: 'string' },
        add: { type: 'string' },
        seed: { type: 'string' },
        'cost-table': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.model) throw new UsageError('--model is required');
    if (!values.dataset) throw new UsageError('--dataset is required');
    const model = loadModel(values.model);
    let split: SplitName;
    try {
      split = parseSplit(values.split ?? 'test');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const ds = await loadDataset({ name: values.dataset, split, limit: 0, validationFraction: 0.1 });
    const jitter = num(values.jitter, 'jitter');
    const del = num(values.delete, 'delete');
    const add = num(values.add, 'add');
    const perturbed = jitter !== undefined || del !== undefined || add !== undefined;
    const report = evaluate(model, ds, {
      limit: num(values.limit, 'limit'),
      window: num(values.window, 'window'),
      margin: num(values.margin, 'margin'),
      costTable: resolveCostTable(values['cost-table']),
      progress: process.stderr.isTTY,
      ...(perturbed
        ? { perturbation: { jitter, deleteShare: del, addShare: add, seed: num(values.seed, 'seed') ?? 1 } }
        : {}),
    });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
    return 0;
  },
};
