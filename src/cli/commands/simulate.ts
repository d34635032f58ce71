/**
 * `spikestream simulate --model DIR --spikes FILE.json`: one input spike list through a model;
 * prints every layer's spikes, the counters, the energy estimate (with its table's name) and the
 * readout decision.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { estimateEnergy, resolveCostTable } from '../../energy/cost-tables.ts';
import { SpikestreamError, UsageError } from '../../events/errors.ts';
import { loadModel } from '../../model/loader.ts';
import { InputSpikeError } from '../../snn/errors.ts';
import { compileNetwork } from '../../snn/network.ts';
import { decide } from '../../snn/readout.ts';
import type { CliCommand } from '../command.ts';

const HELP = `usage: spikestream simulate --model DIR --spikes FILE.json [options]

Runs one input spike list through a model with the exact event-driven engine and prints every
layer's spikes, the counters (input spikes, spikes, synaptic ops, neuron updates, silent neurons
per layer), the energy estimate with its cost table's name, and the readout decision.

FILE.json: {"times": [...], "indices": [...]} in model time units (see the model's timeUnitUs);
indices are input neurons (c·H·W + y·W + x). "-" reads stdin.

options:
  --model DIR          model directory (model.json + weights.bin)
  --spikes FILE        input spikes (JSON)
  --json               one JSON object on stdout: {model, window, spikes: [{layer, neuron, t}],
                       layers, counters, energy, decision, warnings}
  --cost-table NAME    cmos45nm (default), loihi, or a JSON file {name, synOpJ, neuronUpdateJ?, macJ?}
  --window-start T     window start, model time (default 0)
  --window-end T       window end, model time; "inf" for none (default: start + the model's
                       readout window)
  --sort               sort unsorted input (with a warning) instead of failing

exit codes: 0 ok, 1 bad model or input file, 2 bad usage.`;

class SpikesFileError extends SpikestreamError {
  constructor(file: string, field: string, message: string) {
    super('E_SPIKES_FILE', `${file}: ${field}: ${message}`);
  }
}

function readSpikes(file: string): { times: number[]; indices: number[] } {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new SpikesFileError(file, '(file)', `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SpikesFileError(file, '(json)', (err as Error).message);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SpikesFileError(file, '(root)', 'must be an object {"times": [...], "indices": [...]}');
  }
  const o = json as Record<string, unknown>;
  for (const key of ['times', 'indices'] as const) {
    if (!Array.isArray(o[key])) throw new SpikesFileError(file, key, 'must be an array of numbers');
  }
  const times = o.times as unknown[];
  const indices = o.indices as unknown[];
  if (times.length !== indices.length) {
    throw new SpikesFileError(file, 'indices', `has ${indices.length} entries but times has ${times.length}`);
  }
  times.forEach((t, k) => {
    if (typeof t !== 'number' || !Number.isFinite(t))
      throw new SpikesFileError(file, `times[${k}]`, `must be a finite number, got ${JSON.stringify(t)}`);
  });
  indices.forEach((j, k) => {
    if (typeof j !== 'number' || !Number.isInteger(j) || j < 0) {
      throw new SpikesFileError(file, `indices[${k}]`, `must be an integer ≥ 0, got ${JSON.stringify(j)}`);
    }
  });
  return { times: times as number[], indices: indices as number[] };
}

function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'inf' || raw === 'Infinity') return Number.POSITIVE_INFINITY;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v))
    throw new UsageError(`--${name} must be a number, got "${raw}"`);
  return v;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(6)).toString();
}

export const command: CliCommand = {
  summary: "run one input spike list through a model; every layer's spikes and counters",
  help: HELP,
  async run(argv) {
    let values: ReturnType<typeof parse>;
    function parse() {
      return parseArgs({
        args: [...argv],
        options: {
          model: { type: 'string' },
          spikes: { type: 'string' },
          json: { type: 'boolean', default: false },
          'cost-table': { type: 'string' },
          'window-start': { type: 'string' },
          'window-end': { type: 'string' },
          sort: { type: 'boolean', default: false },
        },
        allowPositionals: false,
        strict: true,
      }).values;
    }
    try {
      values = parse();
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!values.model) throw new UsageError('--model DIR is required');
    if (!values.spikes) throw new UsageError('--spikes FILE.json is required');
    const windowStart = numberOption('window-start', values['window-start']) ?? 0;
    if (!Number.isFinite(windowStart)) throw new UsageError('--window-start must be finite');
    const table = resolveCostTable(values['cost-table']);
    const model = loadModel(values.model);
    const windowEnd = numberOption('window-end', values['window-end']) ?? windowStart + model.readout.window;
    if (!(windowEnd >= windowStart))
      throw new UsageError(`--window-end (${windowEnd}) must be ≥ --window-start (${windowStart})`);
    const input = readSpikes(values.spikes);
    const net = compileNetwork(model, { checkWeightValues: false, kernel: 'auto' });
    let result: ReturnType<typeof net.run>;
    try {
      result = net.run(input, { windowStart, windowEnd, sort: values.sort });
    } catch (err) {
      if (err instanceof InputSpikeError) {
        throw new SpikesFileError(
          values.spikes,
          `spike ${err.position}`,
          err.message.replace(/^input spike \d+: /, ''),
        );
      }
      throw err;
    }
    const energy = estimateEnergy(result.counters, table);
    const out = result.layers[result.layers.length - 1];
    const decision = decide(model.readout.kind, out.firstSpikeTimes, out.spikeCounts);
    const label = decision.classIndex >= 0 ? model.labels[decision.classIndex] : null;
    if (values.json) {
      const spikes: { layer: string; neuron: number; t: number }[] = [];
      result.layers.forEach((l) => {
        for (let k = 0; k < l.count; k++) spikes.push({ layer: l.name, neuron: l.neurons[k], t: l.times[k] });
      });
      spikes.sort((p, q) => p.t - q.t);
      const doc = {
        model: model.name,
        timeUnitUs: model.timeUnitUs,
        window: { start: windowStart, end: Number.isFinite(windowEnd) ? windowEnd : null },
        spikes,
        layers: net.layerInfo.map((info, i) => ({ ...info, spikes: result.layers[i].count })),
        counters: result.counters,
        energy,
        decision: {
          readout: model.readout.kind,
          classIndex: decision.classIndex,
          label,
          tie: decision.tie,
          scores: decision.scores.map((s) => (Number.isFinite(s) ? s : null)),
        },
        warnings: result.warnings,
      };
      process.stdout.write(`${JSON.stringify(doc)}\n`);
      return 0;
    }
    const lines: string[] = [];
    lines.push(
      `model ${model.name}: ${result.counters.inputSpikes} input spikes, window [${fmt(windowStart)}, ${fmt(windowEnd)}] (model time; 1 unit = ${model.timeUnitUs} µs)`,
    );
    for (const w of result.warnings) lines.push(`warning: ${w}`);
    result.layers.forEach((l, i) => {
      const c = result.counters.layers[i];
      lines.push('');
      lines.push(
        `layer ${l.name} (${c.type}, ${c.size} units): ${l.count} spikes, ${c.synOps} synaptic ops in, ${c.neuronUpdates} neuron updates, ${c.silent} silent`,
      );
      for (let k = 0; k < l.count; k++) lines.push(`  t=${fmt(l.times[k])}  neuron ${l.neurons[k]}`);
    });
    lines.push('');
    lines.push(
      `total: ${result.counters.spikes} spikes, ${result.counters.synOps} synaptic ops, ${result.counters.neuronUpdates} neuron updates`,
    );
    lines.push(
      `energy (${energy.costTable}): ${energy.energyJ.toExponential(3)} J` +
        (energy.denseEquivalentJ === null
          ? ''
          : `; dense equivalent ${energy.denseEquivalentJ.toExponential(3)} J`),
    );
    lines.push(
      `decision (${model.readout.kind}): ${label === null ? 'none (every output silent)' : `${label} (class ${decision.classIndex})${decision.tie ? ', tied' : ''}`}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
