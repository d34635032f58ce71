/**
 * Fully connected LIF layer, exact and event-driven. Every input reaches every neuron, so all
 * neurons are resolved together: at each new input time t the layer first settles the interval
 * (t_resolved, t] for every neuron (cheap quadratic test, closed-form root only on a crossing), then
 * adds the input's weights, in one fused loop over the fan-out row.
 */
import type { DenseLayerSpec } from '../spec.ts';
import { createDenseKernel, type DenseKernel } from '../wasm/dense-kernel-instance.ts';
import { LifLayerBase } from './lif-base.ts';

/** Smallest layer the wasm kernel is used for. */
export const WASM_MIN_SIZE = 16;

export class DenseLayer extends LifLayerBase {
  readonly kind = 'dense';
  readonly inputSize: number;
  /** The weights the layer reads: the spec's array (JS) or the kernel's copy (wasm). */
  readonly weights: Float32Array;
  private readonly spec: DenseLayerSpec;
  /** The WebAssembly SIMD kernel, or null for the JavaScript loops. */
  private readonly kernel: DenseKernel | null;
  /** Neurons that may cross in the current interval (JS path scratch). */
  private readonly pending: Int32Array;
  /** Every neuron is settled up to this time (model time units). */
  private tResolved = 0;
  /** e^{(tResolved − ref)/τ}. */
  private xResolved = 1;

  constructor(spec: DenseLayerSpec, inputSize: number, recording: boolean, useWasm: boolean) {
    // below ~16 neurons the call into wasm costs more than the loop it replaces
    const kernel = useWasm && spec.size >= WASM_MIN_SIZE ? createDenseKernel(spec.weights, spec.size) : null;
    super(spec.size, spec.neuron, recording, kernel ?? undefined);
    this.spec = spec;
    this.kernel = kernel;
    this.pending = new Int32Array(spec.size);
    this.inputSize = inputSize;
    this.weights = kernel ? kernel.weights : spec.weights;
  }

  /** Which inner loop runs. */
  get kernelKind(): 'js' | 'wasm' {
    return this.kernel ? 'wasm' : 'js';
  }

  /** Re-reads the spec's weights (needed after editing them only when the wasm kernel holds a copy). */
  syncWeights(): void {
    if (this.kernel) this.kernel.syncWeights(this.spec.weights);
  }

  override reset(windowStart: number): void {
    super.reset(windowStart);
    this.kernel?.resetPadding();
    this.tResolved = windowStart;
    this.xResolved = 1;
  }

  /** consume() through the SIMD kernel: it integrates every neuron it does not flag; flagged ones are settled here. */
  private consumeWasm(
    kernel: DenseKernel,
    times: Float64Array,
    indices: Int32Array,
    from: number,
    to: number,
  ): void {
    const size = this.size;
    const w = this.weights;
    const a = this.a;
    const b = this.b;
    const flagged = kernel.flagged;
    const { tau, c, rereferenceSpan } = this.constants;
    let updates = 0;
    let lastT = Number.NaN;
    let X = 1;
    let X2 = 1;
    for (let k = from; k < to; k++) {
      const t = times[k];
      if (t !== lastT) {
        if (t - this.ref > rereferenceSpan) this.rereference(t);
        X = Math.exp((t - this.ref) / tau);
        X2 = X * X;
        lastT = t;
      }
      const j = indices[k];
      if (t > this.tResolved) {
        const log = this.log;
        const start = log.count;
        const xLo = this.xResolved;
        const n = kernel.step(j, X, X2, c * X2, 2 * c * xLo, 2 * c * X, 4 * c);
        const row = j * size;
        for (let q = 0; q < n; q++) {
          const i = flagged[q];
          const bi = this.fire(i, a[i], b[i], xLo, X, t);
          const wi = w[row + i];
          a[i] += wi * X2; // +∞ stays +∞ for a neuron that just saturated
          b[i] = bi + wi * X;
        }
        if (log.count - start > 1) log.sortFrom(start);
        this.tResolved = t;
        this.xResolved = X;
      } else {
        kernel.integrate(j, X, X2);
      }
      updates += this.active;
    }
    this.synOps += (to - from) * size;
    this.neuronUpdates += updates;
  }

  protected onRereference(scaleX: number): void {
    this.xResolved *= scaleX;
  }

  /** Delivers input spikes [from, to) (sorted, each ≥ the resolved time; indices checked by the caller). */
  consume(times: Float64Array, indices: Int32Array, from: number, to: number): void {
    if (this.kernel) {
      this.consumeWasm(this.kernel, times, indices, from, to);
      return;
    }
    const size = this.size;
    const w = this.weights;
    const a = this.a;
    const b = this.b;
    const { tau, c, rereferenceSpan } = this.constants;
    let updates = 0;
    let lastT = Number.NaN;
    let X = 1;
    let X2 = 1;
    for (let k = from; k < to; k++) {
      const t = times[k];
      if (t !== lastT) {
        if (t - this.ref > rereferenceSpan) this.rereference(t);
        X = Math.exp((t - this.ref) / tau);
        X2 = X * X;
        lastT = t;
      }
      const row = indices[k] * size;
      if (t > this.tResolved) {
        const log = this.log;
        const start = log.count;
        const xLo = this.xResolved;
        const cX2 = c * X2;
        const twoCLo = 2 * c * xLo;
        const twoCHi = 2 * c * X;
        const fourC = 4 * c;
        // settle (xLo, X]: a neuron may cross if f(X) ≤ 0, or if the vertex lies inside with real
        // roots; those are set aside (no call in this loop), every other neuron integrates the input
        const pending = this.pending;
        let np = 0;
        for (let i = 0; i < size; i++) {
          const ai = a[i];
          const bi = b[i];
          // one branch, almost never taken: the comparisons are combined arithmetically because in
          // busy relaxed layers `b > 2c·xLo` alone is a coin flip the branch predictor would miss
          if (+(ai - bi * X + cX2 <= 0) | (+(bi > twoCLo) & +(bi < twoCHi) & +(bi * bi >= fourC * ai))) {
            pending[np++] = i;
            continue;
          }
          const wi = w[row + i];
          a[i] = ai + wi * X2;
          b[i] = bi + wi * X;
        }
        for (let q = 0; q < np; q++) {
          const i = pending[q];
          const bi = this.fire(i, a[i], b[i], xLo, X, t);
          const wi = w[row + i];
          a[i] += wi * X2; // +∞ stays +∞ for a neuron that just saturated
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
      updates += this.active;
    }
    this.synOps += (to - from) * size;
    this.neuronUpdates += updates;
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
      if (
        +(ai - bi * X + c * X * X <= 0) |
        (+(bi > 2 * c * xLo) & +(bi < 2 * c * X) & +(bi * bi >= 4 * c * ai))
      ) {
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
