/** Exact event-driven spiking network runtime. */
export type {
  NeuronParams,
  DenseLayerSpec,
  Conv2dLayerSpec,
  PoolLayerSpec,
  LayerSpec,
  NetworkSpec,
} from './spec.ts';
export {
  Network,
  compileNetwork,
  type CompileOptions,
  type LayerInfo,
  type LayerSpikes,
  type LayerResult,
  type RunResult,
  type InputSpikes,
  type RunOptions,
} from './network.ts';
export { type RunCounters, type LayerCounters, addCounters } from './counters.ts';
export { NetworkSpecError, InputSpikeError } from './errors.ts';
export { checkNetworkSpec } from './validate.ts';
export { SpikeLog } from './spike-log.ts';
export {
  crossesIn,
  crossingX,
  neuronConstants,
  type NeuronConstants,
  REREFERENCE_SPAN_TAU_S,
} from './neuron.ts';
export { decide, type Decision } from './readout.ts';
