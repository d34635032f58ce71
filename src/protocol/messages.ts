/**
 * The spikestream wire protocol (DESIGN.md §7), version 1: every message is one map with a `type`.
 *
 * Server → client: `hello`, `prediction`, `metrics`, `events`, `subscribed`, `pong`, `error`.
 * Client → server: `subscribe`, `ping`.
 *
 * The same maps travel as msgpack (binary frames; standard types only: maps, arrays, strings,
 * numbers, nil, bool, bin) or JSON (text frames). The only difference between the two is how an
 * `events` message carries its columns: msgpack `bin` little-endian bytes (element types in
 * `EVENTS_ENCODING`) or JSON arrays of numbers. A score of Infinity (an output that never fired)
 * is `null` on the wire in both. docs/protocol.md is the user-facing description.
 */
import type { EnergyCounters, Prediction } from './prediction.ts';

/** Bumped on any incompatible change to a message. */
export const PROTOCOL_VERSION = 1;

/** Path of the WebSocket endpoint. */
export const STREAM_PATH = '/v1/stream';

export const TOPICS = ['predictions', 'metrics', 'events'] as const;
export type Topic = (typeof TOPICS)[number];

export const WIRE_FORMATS = ['msgpack', 'json'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

/** Element type of each column of an `events` message in msgpack `bin` form (little-endian). */
export const EVENTS_ENCODING = {
  tUs: 'float64le',
  x: 'uint16le',
  y: 'uint16le',
  p: 'uint8',
} as const;

/** What the server says about a model it serves (hello, GET /api/models). */
export interface ModelSummary {
  readonly name: string;
  /** Training method / decision kind, e.g. "ttfs" or "relaxed". */
  readonly method: string;
  readonly labels: readonly string[];
  /** Layer sizes from input to output, e.g. [2312, 400, 10]. */
  readonly layerSizes: readonly number[];
  /** Windowing and decision settings in effect (human-readable, e.g. "fixed 100000 µs"). */
  readonly window: string;
  readonly decision: string;
  readonly costTable: string;
  /** True when GET /api/models/<name>/card returns the model's README.md. */
  readonly hasCard: boolean;
}

export interface SourceSummary {
  readonly uri: string;
  readonly width: number;
  readonly height: number;
  readonly format: string;
}

export interface HelloMessage {
  readonly type: 'hello';
  readonly protocol: number;
  readonly server: 'spikestream';
  readonly serverVersion: string;
  readonly models: readonly ModelSummary[];
  readonly source: SourceSummary | null;
  readonly topics: readonly Topic[];
  readonly format: WireFormat;
  readonly eventsEncoding: typeof EVENTS_ENCODING;
}

/** Energy counters as sent (identical to EnergyCounters). */
export type WireEnergy = EnergyCounters;

export interface PredictionMessage {
  readonly type: 'prediction';
  /** Per-server sequence number of predictions (gaps mean this client missed some). */
  readonly seq: number;
  /** Server wall clock when the message was encoded: performance.timeOrigin + performance.now(), ms. */
  readonly sentAtMs: number;
  readonly model: string;
  readonly label: string;
  readonly classIndex: number;
  /** First-spike times (µs from window start, null = never fired) or spike counts. */
  readonly scores: readonly (number | null)[];
  readonly scoreKind: Prediction['scoreKind'];
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  readonly decisionUs: number;
  readonly pipelineUs: number;
  readonly reason: Prediction['reason'];
  readonly energy: WireEnergy;
  /** Present only when the source knows the true label. */
  readonly trueLabel?: string;
}

export interface LatencySummary {
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export interface ModelMetrics {
  readonly model: string;
  readonly predictions: number;
  readonly predictionsPerS: number;
  /** Model-time latency, sensor µs, over the recent predictions. */
  readonly decisionUs: LatencySummary;
  /** Wall-clock pipeline latency, µs, over the recent predictions. */
  readonly pipelineUs: LatencySummary;
  /** Cumulative counters since start. */
  readonly inputEvents: number;
  readonly spikesPerLayer: readonly number[];
  readonly synapticOps: number;
  readonly energyJ: number;
  readonly costTable: string;
  /** Fraction correct over predictions with a true label, null when none had one. */
  readonly accuracy: number | null;
  readonly labelled: number;
}

/** How often two models on the same stream decide the same class on overlapping windows. */
export interface ModelAgreement {
  readonly models: readonly [string, string];
  /** Prediction pairs with overlapping windows, both with a class. */
  readonly compared: number;
  readonly agreed: number;
  /** agreed / compared, null before any comparison. */
  readonly rate: number | null;
}

/**
 * Counters reported by the source driver and its decoder (OpenedSource.stats), summed over every
 * time the server opened the source, so they only grow.
 */
export interface SourceCounters {
  /** Bytes received from the device/file/socket. */
  readonly bytes: number;
  /** Events the source delivered. */
  readonly events: number;
  /** Reconnects the driver made itself after its device/socket went away. */
  readonly reconnects: number;
  /** Events or bytes dropped at the source (bounded queue, filter), by reason. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Records the decoder skipped, by kind. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Repairs the decoder made, by kind. */
  readonly repaired: Readonly<Record<string, number>>;
}

export interface MetricsMessage {
  readonly type: 'metrics';
  /** Server wall clock, epoch ms. */
  readonly atMs: number;
  readonly uptimeS: number;
  readonly source: {
    readonly uri: string;
    readonly state: string;
    readonly eventsIn: number;
    readonly eventsPerS: number;
    readonly reconnects: number;
    readonly lastError: string | null;
    /** The source driver's own counters (absent from servers before it was added). */
    readonly stats?: SourceCounters;
  };
  readonly models: readonly ModelMetrics[];
  readonly clients: { readonly connected: number; readonly closedSlow: number; readonly rejected: number };
  /** Messages not delivered to some client because its queue was full, by topic (cumulative). */
  readonly drops: { readonly events: number; readonly predictions: number; readonly metrics: number };
  /** Agreement between each pair of models (empty with one model). */
  readonly agreement: readonly ModelAgreement[];
}

/** Decimated events for display. Columns are typed arrays in memory (bin/arrays on the wire). */
export interface EventsMessage {
  readonly type: 'events';
  readonly seq: number;
  readonly width: number;
  readonly height: number;
  /** Sensor-time span the events were taken from, [startUs, endUs). */
  readonly startUs: number;
  readonly endUs: number;
  /** Events that arrived in that span before decimation. */
  readonly received: number;
  /** Events carried here (length of every column). */
  readonly count: number;
  readonly tUs: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  readonly p: Uint8Array;
}

export interface SubscribedMessage {
  readonly type: 'subscribed';
  readonly topics: readonly Topic[];
}

export interface PongMessage {
  readonly type: 'pong';
  readonly id: string | number | null;
  readonly atMs: number;
}

export type ErrorCode =
  | 'E_BAD_MESSAGE'
  | 'E_UNKNOWN_TYPE'
  | 'E_UNKNOWN_TOPIC'
  | 'E_BAD_FORMAT'
  | 'E_SOURCE'
  | 'E_SLOW_CLIENT'
  | 'E_SERVER_FULL'
  | 'E_SHUTDOWN';

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
}

export type ServerMessage =
  | HelloMessage
  | PredictionMessage
  | MetricsMessage
  | EventsMessage
  | SubscribedMessage
  | PongMessage
  | ErrorMessage;

export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly topics: readonly Topic[];
}

export interface PingMessage {
  readonly type: 'ping';
  readonly id?: string | number;
}

export type ClientMessage = SubscribeMessage | PingMessage;

/** Wall clock in epoch ms with sub-millisecond resolution (Node and browsers). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && (TOPICS as readonly string[]).includes(value);
}

/**
 * Parses a topic list ("predictions,metrics" or an array). Returns the topics or the first
 * unknown name.
 */
export function parseTopics(
  value: string | readonly unknown[],
): { ok: true; topics: Topic[] } | { ok: false; unknown: string } {
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  const out: Topic[] = [];
  for (const item of items) {
    if (item === '') continue;
    if (!isTopic(item)) return { ok: false, unknown: String(item) };
    if (!out.includes(item)) out.push(item);
  }
  return { ok: true, topics: out };
}

/** The prediction as a wire message (Infinity scores become null; no undefined fields). */
export function predictionMessage(prediction: Prediction, seq: number, sentAtMs: number): PredictionMessage {
  const scores: (number | null)[] = new Array(prediction.scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = prediction.scores[i];
    scores[i] = Number.isFinite(s) ? s : null;
  }
  const e = prediction.energy;
  const msg: PredictionMessage = {
    type: 'prediction',
    seq,
    sentAtMs,
    model: prediction.model,
    label: prediction.label,
    classIndex: prediction.classIndex,
    scores,
    scoreKind: prediction.scoreKind,
    windowStartUs: prediction.windowStartUs,
    windowEndUs: prediction.windowEndUs,
    decisionUs: prediction.decisionUs,
    pipelineUs: prediction.pipelineUs,
    reason: prediction.reason,
    energy: {
      inputEvents: e.inputEvents,
      spikesPerLayer: [...e.spikesPerLayer],
      synapticOps: e.synapticOps,
      neuronUpdates: e.neuronUpdates,
      energyJ: e.energyJ,
      costTable: e.costTable,
    },
  };
  return prediction.trueLabel === undefined ? msg : { ...msg, trueLabel: prediction.trueLabel };
}

/** Reads a wire prediction back into a Prediction (null scores become Infinity). */
export function predictionFromMessage(msg: PredictionMessage): Prediction {
  const p: Prediction = {
    model: msg.model,
    label: msg.label,
    classIndex: msg.classIndex,
    scores: msg.scores.map((s) => (s === null ? Number.POSITIVE_INFINITY : s)),
    scoreKind: msg.scoreKind,
    windowStartUs: msg.windowStartUs,
    windowEndUs: msg.windowEndUs,
    decisionUs: msg.decisionUs,
    pipelineUs: msg.pipelineUs,
    reason: msg.reason,
    energy: msg.energy,
  };
  return msg.trueLabel === undefined ? p : { ...p, trueLabel: msg.trueLabel };
}
