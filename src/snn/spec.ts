/**
 * The architecture a network is compiled from: input shape, layers, neuron parameters and weights.
 * A model file (src/model) carries this plus metadata; the trainer builds it in memory.
 */

/**
 * Parameters of the current-based LIF neuron (τ_m = 2·τ_s, reset by subtraction of θ).
 * All times are in model time units (see the model's `timeUnitUs`).
 */
export interface NeuronParams {
  /** Synaptic time constant τ_s (> 0, model time units). The membrane constant is τ = 2·τ_s. */
  readonly tauS: number;
  /** Threshold θ (> 0) on u, where du/dt = −u/τ + I, dI/dt = −I/τ_s, an input spike adds w to I. */
  readonly threshold: number;
  /** Spikes allowed per neuron per window (integer ≥ 1): 1 = TTFS, N = relaxed. Later spikes are dropped. */
  readonly maxSpikes: number;
}

/** Fully connected layer. */
export interface DenseLayerSpec {
  readonly type: 'dense';
  /** Optional name used in reports; default `dense<index>`. */
  readonly name?: string;
  /** Number of neurons. */
  readonly size: number;
  readonly neuron: NeuronParams;
  /**
   * Weights, row-major [inputs][size]: `weights[j * size + i]` is the weight from input j to neuron i
   * (row j is the fan-out of input j). Used by reference, not copied: edits take effect on the next
   * input, which is what a trainer wants.
   */
  readonly weights: Float32Array;
}

/** 2-D convolution with LIF neurons. Input and output are [channels, height, width]. */
export interface Conv2dLayerSpec {
  readonly type: 'conv2d';
  readonly name?: string;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel size: one number (square) or [height, width]. */
  readonly kernel: number | readonly [number, number];
  /** Stride: one number or [y, x]. Default 1. */
  readonly stride?: number | readonly [number, number];
  /** Zero padding on each side: one number or [y, x]. Default 0. */
  readonly padding?: number | readonly [number, number];
  readonly neuron: NeuronParams;
  /**
   * Weights, row-major [outChannels][inChannels][kernelH][kernelW] (PyTorch order). Used by reference.
   */
  readonly weights: Float32Array;
}

/**
 * Spike-aggregation pooling (BATS): each output unit emits the union of the spike trains of its
 * pooling window, at the same times. No weights and no neuron state.
 */
export interface PoolLayerSpec {
  readonly type: 'pool';
  readonly name?: string;
  /** Window size: one number or [height, width]. */
  readonly kernel: number | readonly [number, number];
  /** Stride: one number or [y, x]. Default = kernel (non-overlapping windows). */
  readonly stride?: number | readonly [number, number];
}

export type LayerSpec = DenseLayerSpec | Conv2dLayerSpec | PoolLayerSpec;

/** What `compileNetwork` needs. A loaded `ModelSpec` is one. */
export interface NetworkSpec {
  /**
   * Shape of the input: [size] for a flat input, or [channels, height, width]; input neuron index
   * is c·H·W + y·W + x.
   */
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerSpec[];
}
