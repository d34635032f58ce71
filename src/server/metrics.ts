/**
 * Server-side counters: what went in (events), what came out (predictions per model with their
 * latencies, spikes and energy), what was dropped, and who is connected. Feeds both the `metrics`
 * protocol message (about once a second) and `GET /metrics` (Prometheus text exposition 0.0.4).
 *
 * Units: latencies are kept in µs for messages and exported in seconds to Prometheus (its
 * convention). decisionUs is model (sensor) time; pipelineUs is wall time; they are never mixed.
 */
import type { SourceStats } from '../../drivers/contract.ts';
import type {
  MetricsMessage,
  ModelAgreement,
  ModelMetrics,
  SourceCounters,
  Topic,
} from '../protocol/messages.ts';
import type { Prediction } from '../protocol/prediction.ts';
import { Histogram, RecentSamples } from './latency.ts';

class ModelStats {
  predictions = 0;
  predictionsAtLastTick = 0;
  predictionsPerS = 0;
  readonly decision = new RecentSamples();
  readonly pipeline = new RecentSamples();
  readonly decisionHist = new Histogram();
  readonly pipelineHist = new Histogram();
  inputEvents = 0;
  spikesPerLayer: number[] = [];
  synapticOps = 0;
  energyJ = 0;
  costTable = '';
  labelled = 0;
  correct = 0;
  readonly reasons: Record<string, number> = {};
}

/** Predictions per model kept for agreement (windows of one model rarely overlap more). */
const RECENT_PER_MODEL = 8;

export type SourceState = 'starting' | 'open' | 'reconnecting' | 'ended' | 'error' | 'closed' | 'none';

export class ServerMetrics {
  private readonly startMs = Date.now();
  private readonly models = new Map<string, ModelStats>();
  private lastTickMs = Date.now();
  private eventsAtLastTick = 0;
  private eventsPerS = 0;

  sourceUri = '';
  sourceState: SourceState = 'none';
  sourceReconnects = 0;
  sourceLastError: string | null = null;
  eventsIn = 0;
  clientsConnected = 0;
  clientsClosedSlow = 0;
  /** Connections refused, by reason ("token", "origin", "limit", "path", "topic", "format"). */
  readonly rejected: Record<string, number> = {};
  readonly dropped: Record<Topic, number> = { predictions: 0, metrics: 0, events: 0 };
  readonly sent: Record<Topic, number> = { predictions: 0, metrics: 0, events: 0 };
  /** Malformed client messages answered with an error. */
  badMessages = 0;
  /** Stats object of the open source (the driver keeps updating it), undefined when none is open. */
  private liveSourceStats: SourceStats | undefined;
  /** Counters of sources opened before the current one, so the totals never go back. */
  private readonly pastSources: CounterTotals = newCounterTotals();
  /** Recent predictions of each model, for agreement between models. */
  private readonly recent = new Map<string, Prediction[]>();
  /** Per model pair ("a\u0000b", names sorted): overlapping predictions compared and agreeing. */
  private readonly agreement = new Map<string, { compared: number; agreed: number }>();

  /** Declares a model so it is listed (with zeros) before its first prediction. */
  addModel(name: string, costTable = ''): void {
    if (!this.models.has(name)) {
      const s = new ModelStats();
      s.costTable = costTable;
      this.models.set(name, s);
    }
  }

  recordEvents(count: number): void {
    this.eventsIn += count;
  }

  recordPrediction(p: Prediction): void {
    let s = this.models.get(p.model);
    if (!s) {
      s = new ModelStats();
      this.models.set(p.model, s);
    }
    s.predictions++;
    s.decision.add(p.decisionUs);
    s.pipeline.add(p.pipelineUs);
    s.decisionHist.observe(p.decisionUs / 1e6);
    s.pipelineHist.observe(p.pipelineUs / 1e6);
    const e = p.energy;
    s.inputEvents += e.inputEvents;
    for (let i = 0; i < e.spikesPerLayer.length; i++) {
      s.spikesPerLayer[i] = (s.spikesPerLayer[i] ?? 0) + e.spikesPerLayer[i];
    }
    s.synapticOps += e.synapticOps;
    s.energyJ += e.energyJ;
    s.costTable = e.costTable;
    s.reasons[p.reason] = (s.reasons[p.reason] ?? 0) + 1;
    if (p.trueLabel !== undefined) {
      s.labelled++;
      if (p.trueLabel === p.label) s.correct++;
    }
    this.compareWithOtherModels(p);
  }

  /**
   * Agreement between models on one stream: each prediction is compared with the recent
   * predictions of every other model whose windows overlap it (both must have decided a class).
   * Each pair is counted once, when the later of the two arrives.
   */
  private compareWithOtherModels(p: Prediction): void {
    if (p.classIndex >= 0) {
      for (const [model, recent] of this.recent) {
        if (model === p.model) continue;
        const key = model < p.model ? `${model}\u0000${p.model}` : `${p.model}\u0000${model}`;
        for (const q of recent) {
          if (q.classIndex < 0) continue;
          if (q.windowEndUs <= p.windowStartUs || p.windowEndUs <= q.windowStartUs) continue;
          let a = this.agreement.get(key);
          if (!a) {
            a = { compared: 0, agreed: 0 };
            this.agreement.set(key, a);
          }
          a.compared++;
          if (q.label === p.label) a.agreed++;
        }
      }
    }
    let list = this.recent.get(p.model);
    if (!list) {
      list = [];
      this.recent.set(p.model, list);
    }
    list.push(p);
    if (list.length > RECENT_PER_MODEL) list.shift();
  }

  /** Agreement per model pair (see compareWithOtherModels). */
  agreementMetrics(): ModelAgreement[] {
    return [...this.agreement.entries()].map(([key, a]) => ({
      models: key.split('\u0000') as [string, string],
      compared: a.compared,
      agreed: a.agreed,
      rate: a.compared > 0 ? a.agreed / a.compared : null,
    }));
  }

  /**
   * Follows the stats object of a newly opened source (undefined when it closed). The stats of
   * the previous source are folded into the totals first, so counters stay cumulative across
   * reopenings.
   */
  followSourceStats(stats: SourceStats | undefined): void {
    if (this.liveSourceStats && this.liveSourceStats !== stats) {
      addCounters(this.pastSources, this.liveSourceStats);
    }
    this.liveSourceStats = stats;
  }

  /** Source driver counters: every source opened so far plus the live one. */
  sourceCounters(): SourceCounters {
    const total = newCounterTotals();
    addCounters(total, this.pastSources);
    if (this.liveSourceStats) addCounters(total, this.liveSourceStats);
    return total;
  }

  reject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  /** Updates the per-second rates; call about once a second. */
  tick(nowMs = Date.now()): void {
    const dt = (nowMs - this.lastTickMs) / 1000;
    if (dt <= 0) return;
    this.eventsPerS = (this.eventsIn - this.eventsAtLastTick) / dt;
    this.eventsAtLastTick = this.eventsIn;
    for (const s of this.models.values()) {
      s.predictionsPerS = (s.predictions - s.predictionsAtLastTick) / dt;
      s.predictionsAtLastTick = s.predictions;
    }
    this.lastTickMs = nowMs;
  }

  modelMetrics(): ModelMetrics[] {
    const out: ModelMetrics[] = [];
    for (const [model, s] of this.models) {
      out.push({
        model,
        predictions: s.predictions,
        predictionsPerS: s.predictionsPerS,
        decisionUs: s.decision.summary(),
        pipelineUs: s.pipeline.summary(),
        inputEvents: s.inputEvents,
        spikesPerLayer: [...s.spikesPerLayer],
        synapticOps: s.synapticOps,
        energyJ: s.energyJ,
        costTable: s.costTable,
        accuracy: s.labelled > 0 ? s.correct / s.labelled : null,
        labelled: s.labelled,
      });
    }
    return out;
  }

  message(): MetricsMessage {
    const now = Date.now();
    return {
      type: 'metrics',
      atMs: now,
      uptimeS: (now - this.startMs) / 1000,
      source: {
        uri: this.sourceUri,
        state: this.sourceState,
        eventsIn: this.eventsIn,
        eventsPerS: this.eventsPerS,
        reconnects: this.sourceReconnects,
        lastError: this.sourceLastError,
        stats: this.sourceCounters(),
      },
      models: this.modelMetrics(),
      clients: {
        connected: this.clientsConnected,
        closedSlow: this.clientsClosedSlow,
        rejected: Object.values(this.rejected).reduce((a, b) => a + b, 0),
      },
      drops: { ...this.dropped },
      agreement: this.agreementMetrics(),
    };
  }

  /** Prometheus text exposition format, version 0.0.4. */
  prometheus(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    const sample = (name: string, labels: Record<string, string | number>, value: number): void => {
      const keys = Object.keys(labels);
      const l = keys.length
        ? `{${keys.map((k) => `${k}="${escapeLabel(String(labels[k]))}"`).join(',')}}`
        : '';
      out.push(`${name}${l} ${formatValue(value)}`);
    };

    family('spikestream_uptime_seconds', 'gauge', 'Seconds since the server started.');
    sample('spikestream_uptime_seconds', {}, (Date.now() - this.startMs) / 1000);
    family('spikestream_source_up', 'gauge', '1 when the event source is open and delivering.');
    sample('spikestream_source_up', { uri: this.sourceUri }, this.sourceState === 'open' ? 1 : 0);
    family('spikestream_source_reconnects_total', 'counter', 'Times the source was reopened.');
    sample('spikestream_source_reconnects_total', {}, this.sourceReconnects);
    family('spikestream_events_in_total', 'counter', 'Events received from the source.');
    sample('spikestream_events_in_total', {}, this.eventsIn);

    const counters = this.sourceCounters();
    family('spikestream_source_bytes_total', 'counter', 'Bytes the source driver received.');
    sample('spikestream_source_bytes_total', {}, counters.bytes);
    family(
      'spikestream_source_driver_reconnects_total',
      'counter',
      'Reconnects the source driver made itself after its device or socket went away.',
    );
    sample('spikestream_source_driver_reconnects_total', {}, counters.reconnects);
    family(
      'spikestream_source_dropped_total',
      'counter',
      'Events or bytes dropped at the source, by reason.',
    );
    for (const [reason, n] of Object.entries(counters.dropped))
      sample('spikestream_source_dropped_total', { reason }, n);
    family('spikestream_source_skipped_total', 'counter', 'Records the decoder skipped, by kind.');
    for (const [kind, n] of Object.entries(counters.skipped))
      sample('spikestream_source_skipped_total', { kind }, n);
    family('spikestream_source_repaired_total', 'counter', 'Repairs the decoder made, by kind.');
    for (const [kind, n] of Object.entries(counters.repaired))
      sample('spikestream_source_repaired_total', { kind }, n);

    family('spikestream_predictions_total', 'counter', 'Predictions made, by model and decision reason.');
    for (const [model, s] of this.models) {
      for (const [reason, n] of Object.entries(s.reasons))
        sample('spikestream_predictions_total', { model, reason }, n);
    }
    family('spikestream_correct_predictions_total', 'counter', 'Predictions equal to the known true label.');
    for (const [model, s] of this.models)
      sample('spikestream_correct_predictions_total', { model }, s.correct);
    family('spikestream_labelled_predictions_total', 'counter', 'Predictions whose true label was known.');
    for (const [model, s] of this.models)
      sample('spikestream_labelled_predictions_total', { model }, s.labelled);

    const histogram = (name: string, help: string, pick: (s: ModelStats) => Histogram): void => {
      family(name, 'histogram', help);
      for (const [model, s] of this.models) {
        const h = pick(s);
        const cum = h.cumulative();
        for (let i = 0; i < h.bounds.length; i++) {
          sample(`${name}_bucket`, { model, le: formatValue(h.bounds[i]) }, cum[i]);
        }
        sample(`${name}_bucket`, { model, le: '+Inf' }, cum[cum.length - 1]);
        sample(`${name}_sum`, { model }, h.sum);
        sample(`${name}_count`, { model }, h.count);
      }
    };
    histogram(
      'spikestream_pipeline_latency_seconds',
      'Wall time from arrival of the deciding event to hand-off of the prediction.',
      (s) => s.pipelineHist,
    );
    histogram(
      'spikestream_decision_latency_seconds',
      'Sensor (model) time from window start to decision.',
      (s) => s.decisionHist,
    );

    family('spikestream_model_input_events_total', 'counter', 'Events that reached each network.');
    for (const [model, s] of this.models)
      sample('spikestream_model_input_events_total', { model }, s.inputEvents);
    family(
      'spikestream_layer_spikes_total',
      'counter',
      'Spikes emitted per layer (0 = first layer after input).',
    );
    for (const [model, s] of this.models) {
      s.spikesPerLayer.forEach((n, layer) => {
        sample('spikestream_layer_spikes_total', { model, layer }, n);
      });
    }
    family('spikestream_synaptic_ops_total', 'counter', 'Synaptic operations (spike x fan-out).');
    for (const [model, s] of this.models) sample('spikestream_synaptic_ops_total', { model }, s.synapticOps);
    family('spikestream_energy_joules_total', 'counter', 'Estimated energy under the named cost table.');
    for (const [model, s] of this.models) {
      sample('spikestream_energy_joules_total', { model, cost_table: s.costTable }, s.energyJ);
    }

    family(
      'spikestream_model_pairs_compared_total',
      'counter',
      'Overlapping predictions of two models compared.',
    );
    family(
      'spikestream_model_pairs_agreed_total',
      'counter',
      'Overlapping predictions of two models with the same label.',
    );
    for (const a of this.agreementMetrics()) {
      sample(
        'spikestream_model_pairs_compared_total',
        { model_a: a.models[0], model_b: a.models[1] },
        a.compared,
      );
      sample(
        'spikestream_model_pairs_agreed_total',
        { model_a: a.models[0], model_b: a.models[1] },
        a.agreed,
      );
    }

    family('spikestream_clients', 'gauge', 'Connected WebSocket clients.');
    sample('spikestream_clients', {}, this.clientsConnected);
    family(
      'spikestream_clients_closed_slow_total',
      'counter',
      'Clients closed for exceeding their queue limit.',
    );
    sample('spikestream_clients_closed_slow_total', {}, this.clientsClosedSlow);
    family('spikestream_connections_rejected_total', 'counter', 'Connections refused, by reason.');
    for (const [reason, n] of Object.entries(this.rejected)) {
      sample('spikestream_connections_rejected_total', { reason }, n);
    }
    family('spikestream_messages_sent_total', 'counter', 'Messages sent to clients, by topic.');
    for (const [topic, n] of Object.entries(this.sent))
      sample('spikestream_messages_sent_total', { topic }, n);
    family('spikestream_messages_dropped_total', 'counter', 'Messages not sent to a slow client, by topic.');
    for (const [topic, n] of Object.entries(this.dropped))
      sample('spikestream_messages_dropped_total', { topic }, n);
    family(
      'spikestream_bad_client_messages_total',
      'counter',
      'Malformed client messages answered with an error.',
    );
    sample('spikestream_bad_client_messages_total', {}, this.badMessages);
    return `${out.join('\n')}\n`;
  }
}

interface CounterTotals {
  bytes: number;
  events: number;
  reconnects: number;
  dropped: Record<string, number>;
  skipped: Record<string, number>;
  repaired: Record<string, number>;
}

function newCounterTotals(): CounterTotals {
  return { bytes: 0, events: 0, reconnects: 0, dropped: {}, skipped: {}, repaired: {} };
}

function addCounters(into: CounterTotals, from: SourceCounters): void {
  into.bytes += from.bytes;
  into.events += from.events;
  into.reconnects += from.reconnects;
  for (const [k, n] of Object.entries(from.dropped)) into.dropped[k] = (into.dropped[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.skipped)) into.skipped[k] = (into.skipped[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.repaired)) into.repaired[k] = (into.repaired[k] ?? 0) + n;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}
