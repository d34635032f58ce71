/**
 * `spikestream run --model DIR --source URI [--json]`: offline inference over a recording (as fast
 * as possible), predictions one per line, then a summary per model: accuracy when labels are known,
 * decision (sensor time) and pipeline (wall time) latency percentiles, spikes, synaptic ops and
 * energy per prediction.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Observable } from 'rxjs';
import { openSource } from '../../../drivers/index.ts';
import { UsageError } from '../../events/errors.ts';
import type { EventPacket } from '../../events/packet.ts';
import { classify } from '../../operators/classify/operator.ts';
import { predictionMessage } from '../../protocol/messages.ts';
import type { Prediction } from '../../protocol/prediction.ts';
import type { CliCommand } from '../command.ts';
import { setupPipeline } from './serve.ts';

const HELP = `usage: spikestream run --model DIR [--model DIR ...] --source URI [--json] [options]

Runs a recording through one or more models as fast as possible (file sources get speed=0 unless
the URI sets a speed) and prints one line per prediction, then a summary per model: accuracy when
true labels are known, decision latency (sensor time from window start, µs), pipeline latency
(wall time from the deciding packet's arrival, µs), and per prediction: input events, spikes per
layer, synaptic operations and the energy estimate with its cost table.

options:
  --model DIR          model directory (repeat for several models on the same stream)
  --source URI         file:PATH (or a bare path), emulate:..., any source URI
  --labels FILE        true labels {"labels":[{startUs,endUs,label}]} (default: PATH.labels.json next
                       to a file source, when it exists)
  --json               predictions as JSON lines, then one {"type":"summary",...} line
  --window SPEC        fixed:100ms | sliding:100ms/50ms | count:2000 | activity:50/5ms/100ms
  --decision RULE      first-spike | count | count:MARGIN
  --cost-table NAME    cmos45nm (default), loihi, or a JSON file
  --quiet              only the summary`;

const OPTIONS: ParseArgsConfig['options'] = {
  model: { type: 'string', multiple: true },
  source: { type: 'string' },
  labels: { type: 'string' },
  json: { type: 'boolean' },
  window: { type: 'string' },
  decision: { type: 'string' },
  'cost-table': { type: 'string' },
  quiet: { type: 'boolean' },
};

/** Adds speed=0 to a file source that does not set a speed (offline = as fast as possible). */
export function offlineUri(uri: string): string {
  const isFile = uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri);
  if (!isFile || /[?&]speed=/.test(uri)) return uri;
  const base = uri.startsWith('file:') ? uri : `file:${uri}`;
  return `${base}${base.includes('?') ? '&' : '?'}speed=0`;
}

function percentiles(values: number[]): { p50: number | null; p90: number | null; p99: number | null } {
  if (values.length === 0) return { p50: null, p90: null, p99: null };
  const s = Float64Array.from(values).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

class ModelTally {
  predictions = 0;
  noDecision = 0;
  labelled = 0;
  correct = 0;
  readonly reasons: Record<string, number> = {};
  readonly decisionUs: number[] = [];
  readonly pipelineUs: number[] = [];
  inputEvents = 0;
  spikesPerLayer: number[] = [];
  synapticOps = 0;
  energyJ = 0;
  costTable = '';

  add(p: Prediction): void {
    this.predictions++;
    if (p.classIndex < 0) this.noDecision++;
    this.reasons[p.reason] = (this.reasons[p.reason] ?? 0) + 1;
    if (p.trueLabel !== undefined) {
      this.labelled++;
      if (p.trueLabel === p.label) this.correct++;
    }
    this.decisionUs.push(p.decisionUs);
    this.pipelineUs.push(p.pipelineUs);
    this.inputEvents += p.energy.inputEvents;
    p.energy.spikesPerLayer.forEach((n, i) => {
      this.spikesPerLayer[i] = (this.spikesPerLayer[i] ?? 0) + n;
    });
    this.synapticOps += p.energy.synapticOps;
    this.energyJ += p.energy.energyJ;
    this.costTable = p.energy.costTable;
  }

  summary(model: string) {
    const n = Math.max(1, this.predictions);
    return {
      model,
      predictions: this.predictions,
      noDecision: this.noDecision,
      reasons: { ...this.reasons },
      labelled: this.labelled,
      accuracy: this.labelled > 0 ? this.correct / this.labelled : null,
      decisionUs: percentiles(this.decisionUs),
      pipelineUs: percentiles(this.pipelineUs),
      perPrediction: {
        inputEvents: this.inputEvents / n,
        spikesPerLayer: this.spikesPerLayer.map((s) => s / n),
        synapticOps: this.synapticOps / n,
        energyJ: this.energyJ / n,
      },
      costTable: this.costTable,
    };
  }
}

function fmt(v: number | null, digits = 0): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return v.toFixed(digits);
}

async function run(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const modelDirs = (values.model as string[] | undefined) ?? [];
  const sourceArg = values.source as string | undefined;
  if (modelDirs.length === 0) throw new UsageError('--model DIR is required (see spikestream run --help)');
  if (sourceArg === undefined) throw new UsageError('--source URI is required (see spikestream run --help)');
  const json = values.json === true;
  const quiet = values.quiet === true;
  const uri = offlineUri(sourceArg);
  const setup = setupPipeline(
    modelDirs,
    uri,
    {
      window: values.window as string | undefined,
      decision: values.decision as string | undefined,
      costTable: values['cost-table'] as string | undefined,
      labels: values.labels as string | undefined,
    },
    false,
  );
  const source = await openSource(uri);
  setup.labelsFromSource(source.info);
  const tallies = new Map<string, ModelTally>();
  for (const o of setup.classifierOptions) tallies.set(o.name ?? o.model.name, new ModelTally());
  let events = 0;
  let seq = 0;
  let predictions = 0;
  const t0 = performance.now();
  const progress = process.stderr.isTTY && !json;
  let lastProgress = t0;
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    out.length = 0;
  };
  let interrupted = false;
  let failure: unknown;
  let onSigint: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    const counted = new Observable<EventPacket>((sub) =>
      source.packets.subscribe({
        next: (p) => {
          events += p.length;
          sub.next(p);
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      }),
    );
    const subscription = counted.pipe(classify(setup.classifierOptions)).subscribe({
      next: (p) => {
        tallies.get(p.model)?.add(p);
        predictions++;
        if (!quiet) {
          if (json)
            out.push(
              JSON.stringify(predictionMessage(p, ++seq, 0), (k, v) => (k === 'sentAtMs' ? undefined : v)),
            );
          else {
            const truth =
              p.trueLabel === undefined
                ? ''
                : `  true ${p.trueLabel} ${p.trueLabel === p.label ? 'ok' : 'WRONG'}`;
            out.push(
              `${p.model}  [${p.windowStartUs}, ${p.windowEndUs}) µs  -> ${p.classIndex < 0 ? '(none)' : p.label}  ` +
                `${p.reason} at ${fmt(p.decisionUs)} µs, pipeline ${fmt(p.pipelineUs)} µs, ` +
                `${p.energy.synapticOps} SOPs, ${p.energy.energyJ.toExponential(2)} J${truth}`,
            );
          }
          if (out.length >= 256) flush();
        }
        const now = performance.now();
        if (progress && now - lastProgress > 1000) {
          lastProgress = now;
          process.stderr.write(`\rrun: ${events} events, ${predictions} predictions`);
        }
      },
      error: (err: unknown) => {
        failure = err;
        resolve();
      },
      complete: () => resolve(),
    });
    onSigint = () => {
      interrupted = true;
      subscription.unsubscribe();
      resolve();
    };
    process.once('SIGINT', onSigint);
  });
  if (onSigint) process.off('SIGINT', onSigint);
  flush();
  await source.close();
  if (progress) process.stderr.write('\r\x1b[K');
  const wallS = (performance.now() - t0) / 1000;
  const models = [...tallies.entries()].map(([name, t]) => t.summary(name));
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ type: 'summary', source: uri, events, wallS, eventsPerS: events / wallS, interrupted, models })}\n`,
    );
  } else {
    const lines: string[] = [''];
    for (const m of models) {
      const acc =
        m.accuracy === null ? 'no labels' : `${(100 * m.accuracy).toFixed(2)} % of ${m.labelled} labelled`;
      lines.push(
        `${m.model}: ${m.predictions} predictions (${m.noDecision} without an output spike); accuracy ${acc}`,
        `  decision latency (sensor µs from window start)  p50 ${fmt(m.decisionUs.p50)}  p90 ${fmt(m.decisionUs.p90)}  p99 ${fmt(m.decisionUs.p99)}`,
        `  pipeline latency (wall µs from packet arrival)  p50 ${fmt(m.pipelineUs.p50)}  p90 ${fmt(m.pipelineUs.p90)}  p99 ${fmt(m.pipelineUs.p99)}`,
        `  per prediction: ${fmt(m.perPrediction.inputEvents, 1)} input events, spikes per layer [${m.perPrediction.spikesPerLayer.map((s) => s.toFixed(1)).join(', ')}], ` +
          `${fmt(m.perPrediction.synapticOps)} synaptic ops, ${m.perPrediction.energyJ.toExponential(3)} J (${m.costTable})`,
      );
    }
    lines.push(
      `${events} events in ${wallS.toFixed(2)} s (${(events / wallS / 1e6).toFixed(2)} M events/s)${interrupted ? ' — interrupted' : ''}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (failure !== undefined) throw failure;
  return interrupted ? 130 : 0;
}

export const command: CliCommand = {
  summary: 'offline inference over a recording: predictions as lines, then a summary',
  help: HELP,
  run,
};
