/**
 * Forward (the shared runtime, with recording) and exact backward for one sample of a dense
 * spiking network, accumulating the weight gradients of every layer.
 */
import type { DenseLayerSpec, NetworkSpec } from '../snn/spec.ts';
import { compileNetwork, type Network } from '../snn/network.ts';
import { DenseBackwardScratch, denseBackward, type RecordedSpikes, type SpikeList } from './backward.ts';
import { type LossResult, spikeCountLoss, ttfsCrossEntropy } from './losses.ts';

export type TrainMethod = 'ttfs' | 'relaxed';

export interface LossSettings {
  readonly method: TrainMethod;
  /** TTFS softmax temperature τ_L (model time units). */
  readonly tauLoss: number;
  /** Spike-count targets for the true class and the others. */
  readonly targetTrue: number;
  readonly targetFalse: number;
  /**
   * Gradient −silentBump on every weight from an input spike to an output neuron that stayed silent
   * in the sample (a loss on silent outputs has no gradient through spike times, so without this a
   * dead output never recovers; cf. Fast & Deep's weight bumping). 0 disables it (the BATS setting).
   */
  readonly silentBump?: number;
  /**
   * The same for hidden neurons: −hiddenBump on every weight from an input spike to a hidden neuron
   * that stayed silent in the sample. Adam scales steps per weight, so even a small value (1e-4)
   * gives full-size steps where the loss has no gradient at all and revives dead hidden neurons;
   * larger values (1e-3) keep nearly every neuron firing. 0 disables it.
   */
  readonly hiddenBump?: number;
}

/** One sample's input spikes in model time (sorted) and its label. */
export interface TrainSample {
  readonly times: Float64Array;
  readonly indices: Int32Array;
  readonly count: number;
  readonly label: number;
}

export interface SampleOutcome extends LossResult {
  /** Spikes per layer in this sample. */
  readonly spikes: readonly number[];
  /** 1 when the label output never spiked. */
  readonly labelSilent: number;
}

/**
 * Holds a compiled recording network over a spec's weights (by reference: weight updates made by
 * the optimiser are seen at once) and the scratch the backward pass needs.
 */
export class SampleGradient {
  readonly network: Network;
  private readonly layers: readonly DenseLayerSpec[];
  private readonly scratch: DenseBackwardScratch[];
  private errors: Float64Array[];
  private readonly window: number;
  private readonly loss: LossSettings;

  constructor(spec: NetworkSpec, window: number, loss: LossSettings) {
    for (const [i, l] of spec.layers.entries()) {
      if (l.type !== 'dense') {
        throw new RangeError(`the trainer supports dense layers only; layer ${i} is "${l.type}"`);
      }
    }
    if (!(window > 0)) throw new RangeError(`"window" must be > 0, got ${window}`);
    this.layers = spec.layers as readonly DenseLayerSpec[];
    // the SIMD kernel runs on a copy of the weights, refreshed before every forward pass (a copy
    // costs far less than the pass, and the optimiser edits the weights between samples)
    this.network = compileNetwork(spec, { record: true, checkWeightValues: false, kernel: 'auto' });
    this.scratch = this.layers.map((l) => new DenseBackwardScratch(l.size));
    this.errors = this.layers.map(() => new Float64Array(256));
    this.window = window;
    this.loss = loss;
  }

  private errorBuffer(l: number, n: number): Float64Array {
    if (this.errors[l].length < n) {
      let cap = this.errors[l].length;
      while (cap < n) cap *= 2;
      this.errors[l] = new Float64Array(cap);
    }
    return this.errors[l];
  }

  /** Forward only: the output layer's spikes as a loss would see them. */
  forward(sample: TrainSample): void {
    const net = this.network;
    net.syncWeights();
    net.reset(0);
    net.feed(sample.times, sample.indices, sample.count);
    net.advance(this.window);
  }

  /**
   * Forward + backward; adds ∂L/∂w of every layer into `grads[l]` (layout of the layer weights).
   * With `grads` undefined only the loss and prediction are computed.
   */
  run(sample: TrainSample, grads: readonly Float64Array[] | undefined): SampleOutcome {
    this.forward(sample);
    const net = this.network;
    const L = this.layers.length;
    const out = net.layerSpikes(L - 1);
    const nOut = this.layers[L - 1].size;
    const outErr = this.errorBuffer(L - 1, out.count);
    const settings = this.loss;
    const result =
      settings.method === 'ttfs'
        ? ttfsCrossEntropy(out, nOut, sample.label, settings.tauLoss, outErr)
        : spikeCountLoss(out, nOut, sample.label, settings.targetTrue, settings.targetFalse, outErr);
    const spikes: number[] = [];
    for (let l = 0; l < L; l++) spikes.push(net.layerSpikes(l).count);
    const labelSilent = net.spikeCounts(L - 1)[sample.label] === 0 ? 1 : 0;
    if (grads) {
      this.backward(sample, grads);
      const bump = settings.silentBump ?? 0;
      if (bump > 0) this.bumpSilent(L - 1, sample, grads[L - 1], bump);
      const hiddenBump = settings.hiddenBump ?? 0;
      if (hiddenBump > 0) for (let l = 0; l < L - 1; l++) this.bumpSilent(l, sample, grads[l], hiddenBump);
    }
    return { ...result, spikes, labelSilent };
  }

  /**
   * Backward pass after `forward`/`run` on the same sample: from the output-spike errors (the
   * loss's, or `outputErrors` aligned with the output layer's spikes) down to the first layer.
   */
  backward(sample: TrainSample, grads: readonly Float64Array[], outputErrors?: Float64Array): void {
    const net = this.network;
    const L = this.layers.length;
    if (outputErrors) {
      const n = net.layerSpikes(L - 1).count;
      this.errorBuffer(L - 1, n).set(outputErrors.subarray(0, n));
    }
    for (let l = L - 1; l >= 0; l--) {
      const outputs = net.layerSpikes(l) as RecordedSpikes;
      const inputs: SpikeList =
        l === 0
          ? { count: sample.count, times: sample.times, neurons: sample.indices }
          : net.layerSpikes(l - 1);
      const layer = this.layers[l];
      const inErr = l > 0 ? this.errorBuffer(l - 1, inputs.count) : undefined;
      denseBackward(
        {
          size: layer.size,
          inputSize: layer.weights.length / layer.size,
          weights: layer.weights,
          tauS: layer.neuron.tauS,
          c: layer.neuron.threshold / (2 * layer.neuron.tauS),
        },
        inputs,
        outputs,
        this.errors[l],
        0,
        grads[l],
        inErr,
        this.scratch[l],
      );
    }
  }

  /** Adds −bump to the gradient of every weight from an input spike to a silent neuron of layer l. */
  private bumpSilent(l: number, sample: TrainSample, grad: Float64Array, bump: number): void {
    const net = this.network;
    const counts = net.spikeCounts(l);
    const size = this.layers[l].size;
    const inputs =
      l === 0
        ? { count: sample.count, neurons: sample.indices, times: sample.times }
        : net.layerSpikes(l - 1);
    for (let i = 0; i < size; i++) {
      if (counts[i] !== 0) continue;
      for (let z = 0; z < inputs.count; z++) {
        if (inputs.times[z] > this.window) break;
        grad[inputs.neurons[z] * size + i] -= bump;
      }
    }
  }
}
