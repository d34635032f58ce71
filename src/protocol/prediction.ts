/** What the classifier emits and the server streams (DESIGN.md §6). */

/** Energy and activity counters for one prediction (or cumulative). */
export interface EnergyCounters {
  /** Input events that reached the network in this window. */
  readonly inputEvents: number;
  /** Spikes emitted per layer (index 0 = first layer after the input). */
  readonly spikesPerLayer: readonly number[];
  /** Synaptic operations: each spike × its fan-out (input spikes included). */
  readonly synapticOps: number;
  /** Neuron state updates (one per synaptic event delivered to a neuron state). */
  readonly neuronUpdates: number;
  /** Energy estimate in joules under `costTable`. */
  readonly energyJ: number;
  /** Name of the cost table the estimate uses, e.g. "cmos45nm-ac", "loihi". */
  readonly costTable: string;
}

export interface Prediction {
  /** Name of the model that made it (several models can serve one stream). */
  readonly model: string;
  readonly label: string;
  readonly classIndex: number;
  /** First-spike times (µs from window start; Infinity → null on the wire) or spike counts. */
  readonly scores: readonly number[];
  readonly scoreKind: 'first-spike-time-us' | 'spike-count';
  /** Window bounds in sensor time (µs), half-open [start, end). */
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  /** Decision time − window start, in sensor µs (model-time latency). */
  readonly decisionUs: number;
  /** Wall clock from arrival of the deciding event's bytes to hand-off to the network stack, µs. */
  readonly pipelineUs: number;
  /** Why the decision was made: first output spike, margin reached, or window end. */
  readonly reason: 'first-spike' | 'margin' | 'window-end';
  readonly energy: EnergyCounters;
  /** Ground-truth label if the source knows it (replayed labelled recordings). */
  readonly trueLabel?: string;
}
