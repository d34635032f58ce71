/** Activity counters of a network, per window and cumulative (DESIGN.md §4). */

export interface LayerCounters {
  /** Layer name. */
  readonly name: string;
  /** Layer type: dense, conv2d or pool. */
  readonly type: string;
  /** Units in the layer. */
  readonly size: number;
  /** Spikes the layer emitted. */
  readonly spikes: number;
  /** Synaptic operations into this layer: each incoming spike × its fan-out here (borders adjusted). */
  readonly synOps: number;
  /** Deliveries of an incoming spike to a neuron that could still spike (0 for pooling). */
  readonly neuronUpdates: number;
  /** Units without a spike (per window; summed over windows in cumulative counters). */
  readonly silent: number;
}

export interface RunCounters {
  /** Windows counted (1 for a single run). */
  readonly windows: number;
  /** Input spikes delivered to the first layer. */
  readonly inputSpikes: number;
  readonly layers: readonly LayerCounters[];
  /** Σ layers' synOps. */
  readonly synOps: number;
  /** Σ layers' neuronUpdates. */
  readonly neuronUpdates: number;
  /** Σ layers' spikes. */
  readonly spikes: number;
  /**
   * Multiply-accumulates a conventional (non-spiking) network of the same shape needs per window:
   * Σ over weighted layers of inputs × fan-out, for comparisons.
   */
  readonly denseMacs: number;
}

/** Sums counters (e.g. folds a window into cumulative totals). */
export function addCounters(x: RunCounters, y: RunCounters): RunCounters {
  if (x.layers.length !== y.layers.length) throw new RangeError('counters of different networks');
  const layers = x.layers.map((l, i) => {
    const m = y.layers[i];
    return {
      name: l.name,
      type: l.type,
      size: l.size,
      spikes: l.spikes + m.spikes,
      synOps: l.synOps + m.synOps,
      neuronUpdates: l.neuronUpdates + m.neuronUpdates,
      silent: l.silent + m.silent,
    };
  });
  return {
    windows: x.windows + y.windows,
    inputSpikes: x.inputSpikes + y.inputSpikes,
    layers,
    synOps: x.synOps + y.synOps,
    neuronUpdates: x.neuronUpdates + y.neuronUpdates,
    spikes: x.spikes + y.spikes,
    denseMacs: x.denseMacs + y.denseMacs,
  };
}
