/**
 * State and spike emission shared by the LIF layers (dense, conv). State is struct-of-arrays in
 * Float64Array, relative to the layer's reference time `ref` (see ../neuron.ts for the equations).
 */
import { type NeuronConstants, neuronConstants } from '../neuron.ts';
import { SpikeLog } from '../spike-log.ts';
import type { NeuronParams } from '../spec.ts';

export abstract class LifLayerBase {
  readonly size: number;
  readonly constants: NeuronConstants;
  /** Output spikes of the current window, in time order up to the last resolved time. */
  readonly log: SpikeLog;
  /** Spikes per neuron in the current window. */
  readonly spikeCounts: Int32Array;
  /** First spike time per neuron in the current window (+Infinity when silent). */
  readonly firstSpikeTimes: Float64Array;
  /** a and b of the closed form, relative to `ref`; a = +∞ marks a neuron that reached maxSpikes. */
  protected readonly a: Float64Array;
  protected readonly b: Float64Array;
  /** Reference time of `a`, `b` (model time units). */
  protected ref = 0;
  /** Synaptic operations delivered into this layer in the current window (spike × fan-out). */
  synOps = 0;
  /** Deliveries of an input to a neuron that could still spike (state updates). */
  neuronUpdates = 0;
  /** Neurons that have not reached maxSpikes. */
  protected active: number;

  /** `state` lets a layer keep a and b elsewhere (e.g. in WebAssembly memory). */
  constructor(
    size: number,
    neuron: NeuronParams,
    recording: boolean,
    state?: { readonly a: Float64Array; readonly b: Float64Array },
  ) {
    this.size = size;
    this.constants = neuronConstants(neuron);
    this.log = new SpikeLog(Math.max(64, size), recording);
    this.spikeCounts = new Int32Array(size);
    this.firstSpikeTimes = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    this.a = state ? state.a : new Float64Array(size);
    this.b = state ? state.b : new Float64Array(size);
    this.active = size;
  }

  /** Clears the state for a new window starting at `windowStart` (model time). */
  reset(windowStart: number): void {
    this.ref = windowStart;
    this.a.fill(0);
    this.b.fill(0);
    this.spikeCounts.fill(0);
    this.firstSpikeTimes.fill(Number.POSITIVE_INFINITY);
    this.log.clear();
    this.synOps = 0;
    this.neuronUpdates = 0;
    this.active = this.size;
  }

  /** Neurons without a spike in the current window. */
  silentNeurons(): number {
    let n = 0;
    const counts = this.spikeCounts;
    for (let i = 0; i < counts.length; i++) if (counts[i] === 0) n++;
    return n;
  }

  /** Moves the reference to `newRef` (≥ ref), rescaling every neuron's state. */
  protected rereference(newRef: number): void {
    const d = newRef - this.ref;
    const fa = Math.exp(-d / this.constants.tauS);
    const fb = Math.exp(-d / this.constants.tau);
    const a = this.a;
    const b = this.b;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== Number.POSITIVE_INFINITY) a[i] *= fa; // keep saturated neurons at +∞ (∞·0 is NaN)
      b[i] *= fb;
    }
    this.ref = newRef;
    this.onRereference(fb);
  }

  /** Lets a layer rescale its own X-valued state by e^{−Δ/τ}. */
  protected abstract onRereference(scaleX: number): void;

  /**
   * Emits every spike of neuron `i` in (xLo, xHi] (the caller has checked that the first exists),
   * applying the subtraction reset and retrying for bursts, up to maxSpikes. `tHi` is the time of
   * xHi (spike times are clamped to it against rounding). Returns the new b.
   */
  protected fire(i: number, a: number, b: number, xLo: number, xHi: number, tHi: number): number {
    const { c, tau, maxSpikes } = this.constants;
    const counts = this.spikeCounts;
    const log = this.log;
    const recording = log.recording;
    while (counts[i] < maxSpikes) {
      if (!(a - b * xHi + c * xHi * xHi <= 0 || (b > 2 * c * xLo && b < 2 * c * xHi && b * b >= 4 * a * c))) {
        break;
      }
      const disc = b * b - 4 * a * c;
      const x = disc > 0 ? Math.sqrt(disc) : 0;
      let X = (2 * a) / (b + x);
      if (!(X > 0)) break;
      if (X < xLo) X = xLo;
      else if (X > xHi) X = xHi;
      let t = this.ref + tau * Math.log(X);
      if (t > tHi) t = tHi;
      if (recording) log.pushRecorded(t, i, a / (X * X), x / X);
      else log.push(t, i);
      if (counts[i] === 0) this.firstSpikeTimes[i] = t;
      counts[i]++;
      b -= c * X;
      xLo = X;
      if (counts[i] === maxSpikes) {
        // Saturated: a = +∞ makes every later crossing test false without a branch on the count
        // (f = a − b·X + c·X² = +∞, b² ≥ 4ac false), and stays +∞ whatever is added.
        this.active--;
        this.a[i] = Number.POSITIVE_INFINITY;
        return b;
      }
    }
    return b;
  }
}
