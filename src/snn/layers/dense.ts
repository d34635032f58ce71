/**
 * Fully connected LIF layer, exact and event-driven. Every input reaches every neuron, so all
 * neurons are resolved together: at each new input time t the layer first settles the interval
 * (t_resolved, t] for every neuron (cheap quadratic test, closed-form root only on a crossing), then
 * adds the input's weights, in one fused loop over the fan-out row.
 */
import type { DenseLayerSpec } from '../spec.ts';
import { LifLayerBase } from './lif-base.ts';

export class DenseLayer extends LifLayerBase {
  readonly kind = 'dense';
  readonly inputSize: number;
  readonly weights: Float32Array;
  /** Every neuron is settled up to this time (model time units). */
  private tResolved = 0;
  /** e^{(tResolved − ref)/τ}. */
  private xResolved = 1;

  constructor(spec: DenseLayerSpec, inputSize: number, recording: boolean) {
    super(spec.size, spec.neuron, recording);
    this.inputSize = inputSize;
    this.weights = spec.weights;
  }

  override reset(windowStart: number): void {
    super.reset(windowStart);
    this.tResolved = windowStart;
    this.xResolved = 1;
  }

  protected onRereference(scaleX: number): void {
    this.xResolved *= scaleX;
  }

  /** Delivers input spikes [from, to) (sorted, each ≥ the resolved time; indices checked by the caller). */
  consume(times: Float64Array, indices: Int32Array, from: number, to: number): void {
    const size = this.size;
    const w = this.weights;
    const a = this.a;
    const b = this.b;
    const { tau, c, rereferenceSpan } = this.constants;
    for (let k = from; k < to; k++) {
      const t = times[k];
      if (t - this.ref > rereferenceSpan) this.rereference(t);
      const X = Math.exp((t - this.ref) / tau);
      const X2 = X * X;
      const row = indices[k] * size;
      if (t > this.tResolved) {
        const log = this.log;
        const start = log.count;
        const xLo = this.xResolved;
        const cX2 = c * X2;
        const twoCLo = 2 * c * xLo;
        const twoCHi = 2 * c * X;
        const fourC = 4 * c;
        const counts = this.spikeCounts;
        const maxSpikes = this.constants.maxSpikes;
        for (let i = 0; i < size; i++) {
          const ai = a[i];
          let bi = b[i];
          // settle (xLo, X]: crossing if f(X) ≤ 0, or the vertex lies inside with real roots
          if (
            (ai - bi * X + cX2 <= 0 || (bi > twoCLo && bi < twoCHi && bi * bi >= fourC * ai)) &&
            counts[i] < maxSpikes
          ) {
            bi = this.fire(i, ai, bi, xLo, X, t);
          }
          // integrate the input
          const wi = w[row + i];
          a[i] = ai + wi * X2;
          b[i] = bi + wi * X;
        }
        if (log.count - start > 1) log.sortFrom(start);
        this.tResolved = t;
        this.xResolved = X;
      } else {
        for (let i = 0; i < size; i++) {
          const wi = w[row + i];
          a[i] += wi * X2;
          b[i] += wi * X;
        }
      }
      this.synOps += size;
      this.neuronUpdates += this.active;
    }
  }

  /** Settles every neuron up to T (inclusive); spikes after T are not computed. */
  advanceTo(T: number): void {
    if (!(T > this.tResolved)) return;
    const X = Math.exp((T - this.ref) / this.constants.tau);
    const { c } = this.constants;
    const a = this.a;
    const b = this.b;
    const xLo = this.xResolved;
    const log = this.log;
    const start = log.count;
    for (let i = 0; i < this.size; i++) {
      const ai = a[i];
      const bi = b[i];
      if (ai - bi * X + c * X * X <= 0 || (bi > 2 * c * xLo && bi < 2 * c * X && bi * bi >= 4 * c * ai)) {
        b[i] = this.fire(i, ai, bi, xLo, X, T);
      }
    }
    if (log.count - start > 1) log.sortFrom(start);
    this.tResolved = T;
    this.xResolved = X;
  }

  /** Fan-out of one input spike (for counters). */
  fanOut(): number {
    return this.size;
  }
}
