/**
 * The classifier (DESIGN.md §6): event packets → the model's input mapping → windows → an exact
 * event-driven network (state reset per window) → a decision → `Prediction`.
 *
 * Latency is kept in two separate clocks, never mixed:
 * - `decisionUs` is model (sensor) time: decision time − window start. A TTFS decision is the time
 *   of the first output spike; a margin decision the output spike that made the lead; a window-end
 *   decision the window's end (count windows: their last event).
 * - `pipelineUs` is wall time: performance.now() when the prediction is handed on, minus the
 *   `arrivalMs` of the packet holding the deciding event (the packet that closed the window, for
 *   window-end decisions). Packets without `arrivalMs` are timed from when they reached the
 *   classifier.
 *
 * Energy counters are the window's network counters when the decision is made; after an early
 * decision a window gets no more input (that saving is the point of deciding early). With an
 * early-decision policy the network is fed `feedSlice` events at a time and checked after each
 * slice, so the counters include at most feedSlice − 1 events after the deciding one.
 * A window with no output spike (TTFS) or no output spikes at all (counts) yields a prediction with
 * classIndex −1 and label "" so that silence is visible, not hidden.
 */
import type { EventPacket } from '../../events/packet.ts';
import type { ModelSpec } from '../../model/schema.ts';
import type { Prediction } from '../../protocol/prediction.ts';
import type { RunCounters } from '../../snn/counters.ts';
import { compileNetwork } from '../../snn/network.ts';
import { EventInputMapper } from '../../model/input-mapping.ts';
import { checkInputMapping } from './input-map.ts';
import {
  type DecisionPolicy,
  describeDecision,
  describeWindow,
  validateDecision,
  validateWindow,
  type WindowPolicy,
} from './policies.ts';

/** What the classifier needs from a network (src/snn Network provides it). */
export interface ClassifierNetwork {
  readonly inputSize: number;
  readonly depth: number;
  reset(windowStart?: number): void;
  feed(times: Float64Array, indices: Int32Array, count?: number): void;
  advance(T: number): void;
  layerSpikes(l: number): {
    readonly count: number;
    readonly times: Float64Array;
    readonly neurons: Int32Array;
  };
  spikeCounts(l: number): Int32Array;
  firstSpikeTimes(l: number): Float64Array;
  counters(): RunCounters;
}

/**
 * Energy per operation under a named technology (the shape of src/energy's cost tables).
 * Estimate = synOps·synOpJ + neuronUpdates·neuronUpdateJ, always reported with `name`.
 */
export interface CostTable {
  readonly name: string;
  /** Joules per synaptic operation (one accumulate). */
  readonly synOpJ: number;
  /** Joules per neuron state update. Default 0. */
  readonly neuronUpdateJ?: number;
}

/** 45 nm CMOS, 32-bit float accumulate: 0.9 pJ per synaptic op (Horowitz, ISSCC 2014). */
export const CMOS45NM: CostTable = { name: 'cmos45nm', synOpJ: 0.9e-12, neuronUpdateJ: 0 };

export interface ClassifierOptions {
  /** The loaded model (network, input mapping, readout, labels). Required. */
  readonly model: ModelSpec;
  /** Name put in every prediction. Default: model.name. */
  readonly name?: string;
  /** Windowing. Default: fixed windows of readout.window × timeUnitUs. */
  readonly window?: WindowPolicy;
  /** Decision policy. Default from readout: first-spike, or spike-count with readout.margin (default 0). */
  readonly decision?: DecisionPolicy;
  /** Energy cost table. Default CMOS45NM (0.9 pJ per synaptic op). */
  readonly costTable?: CostTable;
  /**
   * Makes one network instance (sliding windows need several). Default: compileNetwork(model) on the
   * SIMD dense kernel where WebAssembly has it (served weights never change, so its copy stays valid).
   */
  readonly createNetwork?: () => ClassifierNetwork;
  /** The true label of a window, when the source knows it (labelled recordings). Default: none. */
  readonly trueLabel?: (windowStartUs: number, windowEndUs: number) => string | undefined;
  /** Wall clock in ms. Default performance.now. */
  readonly now?: () => number;
  /**
   * Events fed to the network between two early-decision checks (integer ≥ 1). Smaller = energy
   * counters stop closer to the decision, at some cost in throughput. Default 16.
   */
  readonly feedSlice?: number;
}

class OpenWindow {
  startUs = 0;
  endUs = 0;
  events = 0;
  /** Time of the last event fed (sensor µs). */
  lastFedUs = 0;
  decided = false;
  /** Output spikes already walked for the margin rule, and per-class counts so far. */
  outSeen = 0;
  readonly counts: Int32Array;
  constructor(
    readonly net: ClassifierNetwork,
    outputs: number,
  ) {
    this.counts = new Int32Array(outputs);
  }
}

type Emit = (prediction: Prediction) => void;

export class Classifier {
  readonly name: string;
  readonly model: ModelSpec;
  readonly window: WindowPolicy;
  readonly decision: DecisionPolicy;
  readonly costTable: CostTable;
  /** The model's input mapping, the same code the trainer encodes its data with. */
  private readonly mapper: EventInputMapper;
  private readonly unitUs: number;
  private readonly outLayer: number;
  private readonly outputs: number;
  private readonly layerSizeList: number[];
  private readonly createNetwork: () => ClassifierNetwork;
  private readonly trueLabel: ClassifierOptions['trueLabel'];
  private readonly now: () => number;
  private readonly open: OpenWindow[] = [];
  private readonly spare: OpenWindow[] = [];
  private scratchTimes = new Float64Array(1024);
  private scratchIndices = new Int32Array(1024);
  /** Start of the next window on the fixed/sliding grid (NaN until the first event). */
  private nextStartUs = Number.NaN;
  private readonly lengthUs: number;
  private readonly strideUs: number;
  /** Activity trigger: ring of the last minEvents events while no window is open. */
  private readonly ring: { tUs: Float64Array; x: Uint16Array; y: Uint16Array; p: Uint8Array } | undefined;
  private ringHead = 0;
  private ringCount = 0;
  private packetArrivalMs = 0;
  private readonly feedSlice: number;
  private readonly earlyDecisions: boolean;
  private lastEventUs = Number.NaN;
  /** Events dropped by the input mapping (outside the crop or the polarity rule). */
  droppedEvents = 0;
  /** Times the stream's time went backwards between packets (each restarts the windows). */
  timelineRestarts = 0;
  /** Windows decided so far, by reason. */
  readonly decisions = { 'first-spike': 0, margin: 0, 'window-end': 0, none: 0 };

  constructor(options: ClassifierOptions) {
    const model = options.model;
    if (!model || typeof model !== 'object') throw new TypeError('"model" is required');
    if (model.inputMapping.kind !== 'events') {
      throw new RangeError(
        `model "${model.name}" maps static images (inputMapping.kind "image"); the stream classifier needs an event input mapping`,
      );
    }
    this.model = model;
    this.name = options.name ?? model.name;
    this.unitUs = model.timeUnitUs;
    this.window = validateWindow(
      options.window ?? { kind: 'fixed', lengthUs: model.readout.window * model.timeUnitUs },
    );
    this.decision = validateDecision(
      options.decision ??
        (model.readout.kind === 'first-spike'
          ? { kind: 'first-spike' }
          : { kind: 'spike-count', margin: model.readout.margin ?? 0 }),
    );
    this.costTable = options.costTable ?? CMOS45NM;
    if (!(this.costTable.synOpJ >= 0) || !((this.costTable.neuronUpdateJ ?? 0) >= 0)) {
      throw new RangeError(
        `"costTable" ${this.costTable.name}: synOpJ and neuronUpdateJ must be >= 0, got ${this.costTable.synOpJ} and ${this.costTable.neuronUpdateJ}`,
      );
    }
    this.createNetwork = options.createNetwork ?? (() => compileNetwork(model, { kernel: 'auto' }));
    this.trueLabel = options.trueLabel;
    this.now = options.now ?? (() => performance.now());
    this.feedSlice = options.feedSlice ?? 16;
    if (!Number.isInteger(this.feedSlice) || this.feedSlice < 1) {
      throw new RangeError(`"feedSlice" must be an integer >= 1, got ${options.feedSlice}`);
    }
    this.earlyDecisions = this.decision.kind === 'first-spike' || this.decision.margin > 0;
    checkInputMapping(model.inputMapping, model.inputShape, model.name);
    this.mapper = new EventInputMapper(model.inputMapping);
    const probe = this.createNetwork();
    this.outLayer = probe.depth - 1;
    this.outputs = probe.firstSpikeTimes(this.outLayer).length;
    this.layerSizeList = [];
    for (let l = 0; l < probe.depth; l++) this.layerSizeList.push(probe.firstSpikeTimes(l).length);
    if (model.labels.length !== this.outputs) {
      throw new RangeError(
        `model "${model.name}": ${model.labels.length} labels for ${this.outputs} output neurons`,
      );
    }
    this.spare.push(new OpenWindow(probe, this.outputs));
    const w = this.window;
    this.lengthUs = w.kind === 'count' ? 0 : w.lengthUs;
    this.strideUs = w.kind === 'sliding' ? w.strideUs : this.lengthUs;
    this.ring =
      w.kind === 'activity'
        ? {
            tUs: new Float64Array(w.minEvents),
            x: new Uint16Array(w.minEvents),
            y: new Uint16Array(w.minEvents),
            p: new Uint8Array(w.minEvents),
          }
        : undefined;
  }

  /** Neurons per layer (input excluded), from the model's network. */
  layerSizes(): number[] {
    return this.layerSizeList.slice();
  }

  /** "fixed 100000 µs", for hello/model summaries. */
  describeWindow(): string {
    return describeWindow(this.window);
  }
  describeDecision(): string {
    return describeDecision(this.decision);
  }

  /** Feeds one packet; calls `emit` for every prediction it completes, in order. */
  push(packet: EventPacket, emit: Emit): void {
    const n = packet.length;
    if (n === 0) return;
    this.packetArrivalMs = packet.arrivalMs ?? this.now();
    if (n > this.scratchTimes.length) {
      let cap = this.scratchTimes.length;
      while (cap < n) cap *= 2;
      this.scratchTimes = new Float64Array(cap);
      this.scratchIndices = new Int32Array(cap);
    }
    if (packet.tUs[0] < this.lastEventUs) {
      // The source restarted its timeline (a device reconnected): close what is open and start
      // the window grid afresh rather than feeding the network time that runs backwards.
      this.timelineRestarts++;
      this.flush(emit);
      this.packetArrivalMs = packet.arrivalMs ?? this.now();
    }
    const kind = this.window.kind;
    if (kind === 'count') this.pushCount(packet, emit);
    else this.pushTimed(packet, emit);
    this.lastEventUs = packet.tUs[n - 1];
    // Let quiet time pass in every open window, so spikes between events are found now.
    for (let k = 0; k < this.open.length; k++) {
      const w = this.open[k];
      if (w.decided) continue;
      const until = Math.min(this.lastEventUs, w.endUs);
      if (until > w.startUs) {
        w.net.advance((until - w.startUs) / this.unitUs);
        this.checkEarly(w, emit);
      }
    }
  }

  /**
   * End of stream (or an idle flush): decides every open window at its end (count windows: at
   * their last event). pipelineUs of these decisions counts from the last packet's arrival.
   */
  flush(emit: Emit): void {
    while (this.open.length > 0) {
      const w = this.open[0];
      if (this.window.kind === 'count') w.endUs = this.lastEventUs + 1;
      this.finish(w, emit);
    }
    this.nextStartUs = Number.NaN;
    this.ringCount = 0;
  }

  private pushTimed(packet: EventPacket, emit: Emit): void {
    const t = packet.tUs;
    const n = packet.length;
    const activity = this.window.kind === 'activity';
    let i = 0;
    while (i < n) {
      const ti = t[i];
      this.closeEndedBy(ti, emit);
      if (activity) {
        if (this.open.length === 0) {
          i = this.watchActivity(packet, i, emit);
          continue;
        }
      } else {
        this.openDue(ti);
      }
      let boundary = activity ? Number.POSITIVE_INFINITY : this.nextStartUs;
      for (let k = 0; k < this.open.length; k++) boundary = Math.min(boundary, this.open[k].endUs);
      let j = i + 1;
      while (j < n && t[j] < boundary) j++;
      for (let k = 0; k < this.open.length; k++) {
        const w = this.open[k];
        if (!w.decided) this.feedRange(w, packet, i, j, emit);
      }
      i = j;
    }
  }

  private pushCount(packet: EventPacket, emit: Emit): void {
    const size = (this.window as { events: number }).events;
    const n = packet.length;
    let i = 0;
    while (i < n) {
      let w = this.open[0];
      if (w === undefined) {
        w = this.openWindow(packet.tUs[i], Number.POSITIVE_INFINITY);
      }
      const j = Math.min(n, i + (size - w.events));
      if (!w.decided) this.feedRange(w, packet, i, j, emit);
      w.events += j - i;
      if (w.events === size) {
        w.endUs = packet.tUs[j - 1] + 1;
        this.finish(w, emit);
      }
      i = j;
    }
  }

  /** Opens the grid windows (fixed/sliding) that contain time t, skipping empty ones. */
  private openDue(t: number): void {
    if (Number.isNaN(this.nextStartUs)) this.nextStartUs = t;
    const L = this.lengthUs;
    const S = this.strideUs;
    while (this.nextStartUs <= t) {
      if (this.nextStartUs + L <= t) {
        // Windows that end before t would be empty: jump to the first that contains t.
        this.nextStartUs += (Math.floor((t - L - this.nextStartUs) / S) + 1) * S;
        continue;
      }
      this.openWindow(this.nextStartUs, this.nextStartUs + L);
      this.nextStartUs += S;
    }
  }

  /** Closes windows whose end is ≤ t (all their events have been seen). */
  private closeEndedBy(t: number, emit: Emit): void {
    while (this.open.length > 0) {
      let first = -1;
      for (let k = 0; k < this.open.length; k++) {
        if (this.open[k].endUs <= t && (first < 0 || this.open[k].endUs < this.open[first].endUs)) first = k;
      }
      if (first < 0) return;
      this.finish(this.open[first], emit);
    }
  }

  /**
   * While no activity window is open: adds events to the trigger ring from index i; opens a
   * window (fed with the ring's events) when minEvents fall within withinUs. Returns the index of
   * the next event to process.
   */
  private watchActivity(packet: EventPacket, i: number, emit: Emit): number {
    const w = this.window as { minEvents: number; withinUs: number; lengthUs: number };
    const ring = this.ring!;
    const cap = w.minEvents;
    const n = packet.length;
    for (; i < n; i++) {
      const slot = (this.ringHead + this.ringCount) % cap;
      ring.tUs[slot] = packet.tUs[i];
      ring.x[slot] = packet.x[i];
      ring.y[slot] = packet.y[i];
      ring.p[slot] = packet.p[i];
      if (this.ringCount < cap) this.ringCount++;
      else this.ringHead = (this.ringHead + 1) % cap;
      if (this.ringCount === cap && packet.tUs[i] - ring.tUs[this.ringHead] <= w.withinUs) {
        // Unroll the ring in time order and feed it to the new window.
        const start = ring.tUs[this.ringHead];
        const opened = this.openWindow(start, start + w.lengthUs);
        const lin = {
          length: cap,
          tUs: new Float64Array(cap),
          x: new Uint16Array(cap),
          y: new Uint16Array(cap),
          p: new Uint8Array(cap),
        };
        for (let k = 0; k < cap; k++) {
          const s = (this.ringHead + k) % cap;
          lin.tUs[k] = ring.tUs[s];
          lin.x[k] = ring.x[s];
          lin.y[k] = ring.y[s];
          lin.p[k] = ring.p[s];
        }
        this.ringCount = 0;
        this.ringHead = 0;
        this.feedRange(opened, lin, 0, cap, emit);
        return i + 1;
      }
    }
    return n;
  }

  private openWindow(startUs: number, endUs: number): OpenWindow {
    const w = this.spare.pop() ?? new OpenWindow(this.createNetwork(), this.outputs);
    w.startUs = startUs;
    w.endUs = endUs;
    w.events = 0;
    w.decided = false;
    w.outSeen = 0;
    w.counts.fill(0);
    w.net.reset(0);
    this.open.push(w);
    return w;
  }

  private feedRange(w: OpenWindow, packet: EventPacket, i: number, j: number, emit: Emit): void {
    if (j <= i) return;
    w.lastFedUs = packet.tUs[j - 1];
    const m = this.mapper.map(packet, i, j, w.startUs, this.unitUs, this.scratchTimes, this.scratchIndices);
    this.droppedEvents += j - i - m;
    if (m === 0) return;
    if (!this.earlyDecisions) {
      w.net.feed(this.scratchTimes, this.scratchIndices, m);
      return;
    }
    // In slices, so an early decision is seen within `feedSlice` events of the deciding one and
    // the window's counters stop close to it (a whole 1 MiB replay chunk would otherwise count).
    const slice = this.feedSlice;
    for (let k = 0; k < m && !w.decided; k += slice) {
      const count = Math.min(slice, m - k);
      w.net.feed(this.scratchTimes.subarray(k, k + count), this.scratchIndices.subarray(k, k + count), count);
      this.checkEarly(w, emit);
    }
  }

  /** Early decisions: TTFS at the first output spike; spike-count when the lead reaches the margin. */
  private checkEarly(w: OpenWindow, emit: Emit): void {
    if (w.decided) return;
    const d = this.decision;
    const out = w.net.layerSpikes(this.outLayer);
    if (out.count === 0) return;
    if (d.kind === 'first-spike') {
      this.decide(w, out.neurons[0], out.times[0], 'first-spike', emit);
      return;
    }
    if (d.margin <= 0) return;
    const counts = w.counts;
    for (; w.outSeen < out.count; w.outSeen++) {
      const c = out.neurons[w.outSeen];
      counts[c]++;
      let leader = 0;
      for (let k = 1; k < counts.length; k++) if (counts[k] > counts[leader]) leader = k;
      let second = 0;
      for (let k = 0; k < counts.length; k++) if (k !== leader && counts[k] > second) second = counts[k];
      if (counts[leader] - second >= d.margin) {
        const at = out.times[w.outSeen];
        w.outSeen++;
        this.decide(w, leader, at, 'margin', emit);
        return;
      }
    }
  }

  /** Ends a window: settles it to its end, decides if still undecided, and releases it. */
  private finish(w: OpenWindow, emit: Emit): void {
    if (!w.decided) {
      const endModel =
        this.window.kind === 'count'
          ? (w.endUs - 1 - w.startUs) / this.unitUs
          : (w.endUs - w.startUs) / this.unitUs;
      w.net.advance(endModel);
      this.checkEarly(w, emit);
      if (!w.decided) this.decideAtEnd(w, endModel, emit);
    }
    const k = this.open.indexOf(w);
    if (k >= 0) this.open.splice(k, 1);
    this.spare.push(w);
  }

  private decideAtEnd(w: OpenWindow, endModel: number, emit: Emit): void {
    if (this.decision.kind === 'first-spike') {
      // No output spike in the whole window.
      this.decide(w, -1, endModel, 'window-end', emit);
      return;
    }
    const counts = w.net.spikeCounts(this.outLayer);
    const first = w.net.firstSpikeTimes(this.outLayer);
    let best = -1;
    for (let k = 0; k < counts.length; k++) {
      if (counts[k] === 0) continue;
      if (best < 0 || counts[k] > counts[best] || (counts[k] === counts[best] && first[k] < first[best]))
        best = k;
    }
    this.decide(w, best, endModel, 'window-end', emit);
  }

  private decide(
    w: OpenWindow,
    classIndex: number,
    atModel: number,
    reason: Prediction['reason'],
    emit: Emit,
  ): void {
    w.decided = true;
    const c = w.net.counters();
    const spikesPerLayer = c.layers.map((l) => l.spikes);
    const scoreKind = this.decision.kind === 'first-spike' ? 'first-spike-time-us' : 'spike-count';
    // Scores are what was known at the decision time, so they do not depend on packet sizes.
    let scores: number[];
    if (scoreKind === 'first-spike-time-us') {
      const first = w.net.firstSpikeTimes(this.outLayer);
      scores = Array.from(first, (v) => (v <= atModel ? v * this.unitUs : Number.POSITIVE_INFINITY));
    } else if (reason === 'margin') {
      scores = Array.from(w.counts);
    } else {
      scores = Array.from(w.net.spikeCounts(this.outLayer));
    }
    const truth = this.trueLabel?.(w.startUs, Number.isFinite(w.endUs) ? w.endUs : w.lastFedUs + 1);
    this.decisions[classIndex < 0 ? 'none' : reason]++;
    const handOffMs = this.now();
    const prediction: Prediction = {
      model: this.name,
      label: classIndex >= 0 ? this.model.labels[classIndex] : '',
      classIndex,
      scores,
      scoreKind,
      windowStartUs: w.startUs,
      // A count window decided early has no end yet: report the end of what it has seen.
      windowEndUs: Number.isFinite(w.endUs) ? w.endUs : w.lastFedUs + 1,
      decisionUs: atModel * this.unitUs,
      pipelineUs: (handOffMs - this.packetArrivalMs) * 1000,
      reason,
      energy: {
        inputEvents: c.inputSpikes,
        spikesPerLayer,
        synapticOps: c.synOps,
        neuronUpdates: c.neuronUpdates,
        energyJ: c.synOps * this.costTable.synOpJ + c.neuronUpdates * (this.costTable.neuronUpdateJ ?? 0),
        costTable: this.costTable.name,
      },
      ...(truth === undefined ? {} : { trueLabel: truth }),
    };
    emit(prediction);
  }
}
