/**
 * `spikestream serve`: source → models → WebSocket + dashboard (DESIGN.md §7, §9). With no
 * arguments it serves the shipped demo recording, looped in real time, through the shipped models.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { openSource, parseSourceUri } from '../../../drivers/index.ts';
import { resolveCostTable } from '../../energy/cost-tables.ts';
import { decodeFile } from '../../formats/open.ts';
import { UsageError } from '../../events/errors.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { ClassifierOptions } from '../../operators/classify/classifier.ts';
import { Classifier } from '../../operators/classify/classifier.ts';
import { LabelTimeline } from '../../operators/classify/labels.ts';
import {
  type DecisionPolicy,
  parseWindowSpec,
  type WindowPolicy,
} from '../../operators/classify/policies.ts';
import { type LoadedModel, loadModelDir, modelSummary } from '../../server/models.ts';
import { StreamServer } from '../../server/server.ts';
import { SourceRunner } from '../../server/source-runner.ts';
import type { CliCommand } from '../command.ts';

/**
 * Models served when no --model is given (made by scripts/train-models.sh; see models/README.md).
 * Those present are served; none present is an error naming them.
 */
export const DEFAULT_MODEL_DIRS: readonly string[] = [
  'models/nmnist-emulated-ttfs',
  'models/nmnist-emulated-relaxed',
];
/** Recording served when no --source is given (made by scripts/make-demo-recording.ts). */
export const DEFAULT_SOURCE_PATH = 'recordings/demo-nmnist.aedat4';
/**
 * Windows for the shipped recording when no --window is given: its digits last 315 ms with 50 ms
 * of quiet between them, so activity-triggered windows line up with the digits where fixed
 * windows would cut across them.
 */
export const DEFAULT_SOURCE_WINDOW = 'activity:20/2ms/315ms';
export const DEFAULT_SOURCE = `file:${DEFAULT_SOURCE_PATH}?speed=1&loop=inf`;
export const DEFAULT_PORT = 8080;

const HELP = `usage: spikestream serve [--model DIR ...] [--source URI] [--port 8080] [--host 127.0.0.1]
                         [--token T] [--window SPEC] [--decision RULE] [options]

Streams a source through one or more models and serves predictions, metrics and events over
WebSocket (ws://HOST:PORT/v1/stream) with a live dashboard at http://HOST:PORT/.
With no arguments: ${DEFAULT_SOURCE} through ${DEFAULT_MODEL_DIRS.join(' and ')}.

options:
  --model DIR          a model directory (model.json, weights.bin, README.md); repeat for several
                       models on the same stream (default: ${DEFAULT_MODEL_DIRS.join(', ')})
  --source URI         file:PATH?speed=1&loop=inf, edvs:/dev/ttyUSB0, serial:..., dv://..., emulate:...
                       (default: ${DEFAULT_SOURCE})
  --labels FILE        true labels {"labels":[{startUs,endUs,label}]} for accuracy (default: PATH.labels.json
                       next to a file source, when it exists)
  --port N             TCP port (default ${DEFAULT_PORT}; 0 = any free port, printed)
  --host ADDR          interface (default 127.0.0.1; 0.0.0.0 serves the network — set a token)
  --token T            token clients must send (?token= or Authorization: Bearer); default
                       $SPIKESTREAM_TOKEN when set
  --allow-origin O     browser origin allowed to connect besides the server's own; repeatable; '*' = any
  --window SPEC         fixed:100ms | sliding:100ms/50ms | count:2000 | activity:50/5ms/100ms
                       (default: the model's readout window, fixed; for the shipped recording
                       without --source: activity:20/2ms/315ms, one window per digit)
  --decision RULE      first-spike | count | count:MARGIN (default: the model's readout)
  --cost-table NAME    energy cost table: cmos45nm (default), loihi, or a JSON file
  --max-clients N      connection limit (default 100)
  --heartbeat-ms N     ping interval; a client missing one pong is dropped (default 10000)
  --idle-flush-ms N    decide open windows when no events arrived for N ms of wall time, so a
                       quiet sensor still gets its predictions (default 500; 0 = never)
  --no-dashboard       do not serve the dashboard

SIGINT/SIGTERM close every client with a reason and exit 0.`;

const OPTIONS: ParseArgsConfig['options'] = {
  model: { type: 'string', multiple: true },
  source: { type: 'string' },
  labels: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  window: { type: 'string' },
  decision: { type: 'string' },
  'cost-table': { type: 'string' },
  'max-clients': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'idle-flush-ms': { type: 'string' },
  'no-dashboard': { type: 'boolean' },
};

export function parseDecision(text: string): DecisionPolicy {
  if (text === 'first-spike' || text === 'ttfs') return { kind: 'first-spike' };
  const m = /^(?:count|spike-count)(?::(\d+))?$/.exec(text);
  if (m) return { kind: 'spike-count', margin: m[1] === undefined ? 0 : Number(m[1]) };
  throw new UsageError(`--decision "${text}": expected first-spike, count or count:MARGIN`);
}

function intArg(name: string, raw: string | undefined, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return v;
}

/** Path of a `file:` source, or undefined for other schemes. */
export function filePathOf(uri: string): string | undefined {
  try {
    const url = parseSourceUri(uri);
    return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : undefined;
  } catch {
    return undefined;
  }
}

/** The labels sidecar of a file source: PATH.labels.json or PATH-without-extension.labels.json. */
export function findLabelsSidecar(uri: string): string | undefined {
  const path = filePathOf(uri);
  if (!path) return undefined;
  const candidates = [`${path}.labels.json`, `${path.replace(/\.[^./]+$/, '')}.labels.json`];
  return candidates.find((c) => existsSync(c));
}

/**
 * First event time and pass length of a looped `file:` source (`loop` > 0), by decoding it once;
 * undefined for other sources. Used to repeat the true labels with each pass.
 */
export async function loopSpanOf(uri: string): Promise<{ firstUs: number; periodUs: number } | undefined> {
  const path = filePathOf(uri);
  if (!path) return undefined;
  const url = parseSourceUri(uri);
  const loop = url.searchParams.get('loop');
  if (loop === null || loop === '0') return undefined;
  const format = url.searchParams.get('format') ?? undefined;
  let first = Number.NaN;
  let last = Number.NaN;
  for await (const p of decodeFile(path, format ? { format } : {})) {
    if (p.length === 0) continue;
    if (Number.isNaN(first)) first = p.tUs[0];
    last = p.tUs[p.length - 1];
  }
  return Number.isNaN(first) ? undefined : { firstUs: first, periodUs: last - first + 1 };
}

export interface PipelineSetup {
  readonly models: LoadedModel[];
  readonly classifierOptions: ClassifierOptions[];
  readonly labels: LabelTimeline | undefined;
  /** Takes the true labels from a labelled source (emulate:saccade) when no file gave any. */
  readonly labelsFromSource: (info: StreamInfo) => LabelTimeline | undefined;
}

/** Loads models and builds classifier options from the shared CLI flags (serve and run). */
export function setupPipeline(
  modelDirs: readonly string[],
  sourceUri: string,
  flags: {
    window?: string;
    decision?: string;
    costTable?: string;
    labels?: string;
    /** For a looped file: first event time and pass length, so labels repeat with the passes. */
    loopSpan?: { firstUs: number; periodUs: number };
  },
  defaults: boolean,
): PipelineSetup {
  const models = modelDirs.map((d) =>
    loadModelDir(
      d,
      defaults ? 'shipped model (train it, see models/README.md, or pass --model DIR)' : 'model',
    ),
  );
  let window: WindowPolicy | undefined;
  try {
    window = flags.window === undefined ? undefined : parseWindowSpec(flags.window);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const decision = flags.decision === undefined ? undefined : parseDecision(flags.decision);
  const costTable = resolveCostTable(flags.costTable);
  const labelsPath = flags.labels ?? findLabelsSidecar(sourceUri);
  const labels = labelsPath ? LabelTimeline.fromFile(labelsPath) : undefined;
  const lookup: { current: ((s: number, e: number) => string | undefined) | undefined } = {
    current:
      labels && flags.loopSpan
        ? labels.looped(flags.loopSpan.firstUs, flags.loopSpan.periodUs)
        : labels
          ? (s: number, e: number) => labels.labelFor(s, e)
          : undefined,
  };
  const trueLabel = (s: number, e: number): string | undefined => lookup.current?.(s, e);
  const classifierOptions = models.map(
    (m): ClassifierOptions => ({
      model: m.spec,
      ...(window ? { window } : {}),
      ...(decision ? { decision } : {}),
      costTable,
      trueLabel,
    }),
  );
  const labelsFromSource = (info: StreamInfo): LabelTimeline | undefined => {
    const text = info.metadata?.labelTimeline;
    if (lookup.current || text === undefined) return undefined;
    const timeline = LabelTimeline.fromJson(text, `${sourceUri} (labelTimeline)`);
    // a source that loops forever lists its first pass only, and says how long a pass is
    const period = Number(info.metadata?.labelTimelinePeriodUs);
    lookup.current =
      period > 0 ? timeline.looped(0, period) : (s: number, e: number) => timeline.labelFor(s, e);
    return timeline;
  };
  return { models, classifierOptions, labels, labelsFromSource };
}

async function run(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const modelArgs = values.model as string[] | undefined;
  const sourceArg = values.source as string | undefined;
  const sourceUri = sourceArg ?? DEFAULT_SOURCE;
  if (sourceArg === undefined && !existsSync(DEFAULT_SOURCE_PATH)) {
    throw new UsageError(
      `shipped recording not found: ${DEFAULT_SOURCE_PATH} does not exist (make it with scripts/make-demo-recording.ts, or pass --source URI)`,
    );
  }
  let modelDirs: readonly string[] = modelArgs && modelArgs.length > 0 ? modelArgs : DEFAULT_MODEL_DIRS;
  if (modelDirs === DEFAULT_MODEL_DIRS) {
    const present = DEFAULT_MODEL_DIRS.filter((d) => existsSync(join(d, 'model.json')));
    if (present.length === 0) {
      throw new UsageError(
        `shipped models not found: none of ${DEFAULT_MODEL_DIRS.map((d) => join(d, 'model.json')).join(', ')} exists (train them with scripts/train-models.sh, or pass --model DIR)`,
      );
    }
    modelDirs = present;
  }
  const labelsPath = (values.labels as string | undefined) ?? findLabelsSidecar(sourceUri);
  const loopSpan = labelsPath ? await loopSpanOf(sourceUri) : undefined;
  const setup = setupPipeline(
    modelDirs,
    sourceUri,
    {
      window:
        (values.window as string | undefined) ??
        (sourceArg === undefined ? DEFAULT_SOURCE_WINDOW : undefined),
      decision: values.decision as string | undefined,
      costTable: values['cost-table'] as string | undefined,
      labels: labelsPath,
      ...(loopSpan ? { loopSpan } : {}),
    },
    !modelArgs || modelArgs.length === 0,
  );
  const token = (values.token as string | undefined) ?? (process.env.SPIKESTREAM_TOKEN || undefined);
  const log = (line: string): void => {
    process.stderr.write(`spikestream serve: ${line}\n`);
  };
  // Classifiers are built once here only to describe them (window, decision, layer sizes).
  const described = setup.classifierOptions.map((o) => new Classifier(o));
  const server = new StreamServer({
    host: (values.host as string | undefined) ?? '127.0.0.1',
    port: intArg('port', values.port as string | undefined, 0, 65535, DEFAULT_PORT),
    ...(token ? { token } : {}),
    allowedOrigins: (values['allow-origin'] as string[] | undefined) ?? [],
    maxClients: intArg('max-clients', values['max-clients'] as string | undefined, 1, 100_000, 100),
    heartbeatMs: intArg('heartbeat-ms', values['heartbeat-ms'] as string | undefined, 0, 3_600_000, 10_000),
    dashboard: values['no-dashboard'] !== true,
    models: described.map((c, i) => ({
      summary: modelSummary(c, setup.models[i].card !== undefined),
      ...(setup.models[i].card !== undefined ? { card: setup.models[i].card } : {}),
    })),
    log,
  });
  const runner = new SourceRunner({
    uri: sourceUri,
    open: (uri, o) => openSource(uri, o),
    server,
    classifiers: setup.classifierOptions,
    idleFlushMs: intArg('idle-flush-ms', values['idle-flush-ms'] as string | undefined, 0, 3_600_000, 500),
    log,
    onFirstOpen: (source) => {
      if (setup.labelsFromSource(source.info)) log(`true labels from the source (${source.uri})`);
    },
  });
  try {
    await runner.opened;
  } catch (err) {
    await runner.stop();
    throw err;
  }
  let address: { url: string };
  try {
    address = await server.listen();
  } catch (err) {
    await runner.stop();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new UsageError(`port ${values.port ?? DEFAULT_PORT} is in use (try --port 0)`);
    throw err;
  }
  const names = described.map((c) => c.name).join(', ');
  process.stdout.write(
    `spikestream serve: ${names} on ${sourceUri}\n` +
      `  dashboard  ${address.url}/\n` +
      `  stream     ${address.url.replace('http', 'ws')}/v1/stream\n` +
      `  metrics    ${address.url}/metrics\n` +
      (setup.labels ? `  labels     ${setup.labels.size} intervals (accuracy shown)\n` : '') +
      (token ? '  token      required\n' : ''),
  );
  const handlers: [NodeJS.Signals, () => void][] = [];
  const signal = await new Promise<string>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const h = (): void => resolve(sig);
      handlers.push([sig, h]);
      process.once(sig, h);
    }
  });
  for (const [sig, h] of handlers) process.off(sig, h);
  log(`${signal}: closing clients and the source`);
  await server.close(`server shutting down (${signal})`);
  await runner.stop();
  return 0;
}

export const command: CliCommand = {
  summary: 'serve predictions, metrics and a dashboard over WebSocket/HTTP',
  help: HELP,
  run,
};
