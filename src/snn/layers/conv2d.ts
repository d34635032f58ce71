/**
 * 2-D convolution with LIF neurons, exact and event-driven. An input spike at (c, y, x) reaches the
 * neurons (o, oy, ox) with oy·stride − pad + ky = y for some kernel row ky (same for x); only those
 * are touched. Each neuron keeps the time up to which it is settled (as X relative to the
 * reference); a touched neuron settles its own interval before integrating, and `advanceTo` settles
 * all of them, after which the new spikes are put in time order.
 */
import type { Conv2dLayerSpec } from '../spec.ts';
import { LifLayerBase } from './lif-base.ts';

export interface Conv2dGeometry {
  readonly inChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideY: number;
  readonly strideX: number;
  readonly padY: number;
  readonly padX: number;
}

/** Reads a `number | [y, x]` option. */
export function pair(v: number | readonly [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0], v[1]];
}

export function conv2dGeometry(spec: Conv2dLayerSpec, inputShape: readonly number[]): Conv2dGeometry {
  const [kernelH, kernelW] = pair(spec.kernel, 1);
  const [strideY, strideX] = pair(spec.stride, 1);
  const [padY, padX] = pair(spec.padding, 0);
  const [inChannels, inHeight, inWidth] = inputShape;
  return {
    inChannels,
    inHeight,
    inWidth,
    outChannels: spec.outChannels,
    outHeight: Math.floor((inHeight + 2 * padY - kernelH) / strideY) + 1,
    outWidth: Math.floor((inWidth + 2 * padX - kernelW) / strideX) + 1,
    kernelH,
    kernelW,
    strideY,
    strideX,
    padY,
    padX,
  };
}

export class Conv2dLayer extends LifLayerBase {
  readonly kind = 'conv2d';
  readonly geometry: Conv2dGeometry;
  readonly inputSize: number;
  readonly weights: Float32Array;
  /** Per neuron: settled up to X = e^{(t − ref)/τ}. */
  private readonly xSettled: Float64Array;
  /** Per input position y·W + x: offsets into `targets` (length H·W + 1). */
  private readonly targetStart: Int32Array;
  /** Flattened per input position: (outY·outW + outX, ky·kernelW + kx) pairs. */
  private readonly targets: Int32Array;
  private tResolved = 0;
  private sortFrom = 0;

  constructor(spec: Conv2dLayerSpec, inputShape: readonly number[], recording: boolean) {
    const g = conv2dGeometry(spec, inputShape);
    super(g.outChannels * g.outHeight * g.outWidth, spec.neuron, recording);
    this.geometry = g;
    this.inputSize = g.inChannels * g.inHeight * g.inWidth;
    this.weights = spec.weights;
    this.xSettled = new Float64Array(this.size).fill(1);
    // For each input pixel, the output positions and kernel taps it reaches (borders adjusted).
    const hw = g.inHeight * g.inWidth;
    this.targetStart = new Int32Array(hw + 1);
    const pairs: number[] = [];
    for (let y = 0; y < g.inHeight; y++) {
      for (let x = 0; x < g.inWidth; x++) {
        this.targetStart[y * g.inWidth + x] = pairs.length / 2;
        for (let ky = 0; ky < g.kernelH; ky++) {
          const ny = y + g.padY - ky;
          if (ny < 0 || ny % g.strideY !== 0) continue;
          const oy = ny / g.strideY;
          if (oy >= g.outHeight) continue;
          for (let kx = 0; kx < g.kernelW; kx++) {
            const nx = x + g.padX - kx;
            if (nx < 0 || nx % g.strideX !== 0) continue;
            const ox = nx / g.strideX;
            if (ox >= g.outWidth) continue;
            pairs.push(oy * g.outWidth + ox, ky * g.kernelW + kx);
          }
        }
      }
    }
    this.targetStart[hw] = pairs.length / 2;
    this.targets = Int32Array.from(pairs);
  }

  override reset(windowStart: number): void {
    super.reset(windowStart);
    this.xSettled.fill(1);
    this.tResolved = windowStart;
    this.sortFrom = 0;
  }

  protected onRereference(scaleX: number): void {
    const xs = this.xSettled;
    for (let i = 0; i < xs.length; i++) xs[i] *= scaleX;
  }

  /** Synaptic fan-out of input neuron `j` (out channels × kernel taps inside the output). */
  fanOutOf(j: number): number {
    const hw = this.geometry.inHeight * this.geometry.inWidth;
    const p = j % hw;
    return (this.targetStart[p + 1] - this.targetStart[p]) * this.geometry.outChannels;
  }

  consume(times: Float64Array, indices: Int32Array, from: number, to: number): void {
    const g = this.geometry;
    const hw = g.inHeight * g.inWidth;
    const taps = g.kernelH * g.kernelW;
    const outHW = g.outHeight * g.outWidth;
    const inC = g.inChannels;
    const outC = g.outChannels;
    const w = this.weights;
    const a = this.a;
    const b = this.b;
    const xs = this.xSettled;
    const { tau, c, rereferenceSpan } = this.constants;
    const targets = this.targets;
    for (let k = from; k < to; k++) {
      const t = times[k];
      if (t - this.ref > rereferenceSpan) this.rereference(t);
      const X = Math.exp((t - this.ref) / tau);
      const X2 = X * X;
      const cX2 = c * X2;
      const j = indices[k];
      const ch = (j / hw) | 0;
      const p = j - ch * hw;
      const q0 = this.targetStart[p];
      const q1 = this.targetStart[p + 1];
      let updates = 0;
      for (let o = 0; o < outC; o++) {
        const wBase = (o * inC + ch) * taps;
        const nBase = o * outHW;
        for (let q = q0; q < q1; q++) {
          const n = nBase + targets[2 * q];
          const wi = w[wBase + targets[2 * q + 1]];
          let ai = a[n];
          let bi = b[n];
          const xLo = xs[n];
          // settle (xLo, X], then integrate
          if (
            X > xLo &&
            +(ai - bi * X + cX2 <= 0) | (+(bi > 2 * c * xLo) & +(bi < 2 * c * X) & +(bi * bi >= 4 * c * ai))
          ) {
            bi = this.fire(n, ai, bi, xLo, X, t);
            ai = a[n]; // +∞ if the neuron just saturated
          }
          a[n] = ai + wi * X2;
          b[n] = bi + wi * X;
          xs[n] = X;
          if (ai !== Number.POSITIVE_INFINITY) updates++;
        }
      }
      this.synOps += (q1 - q0) * outC;
      this.neuronUpdates += updates;
    }
  }

  /** Settles every neuron up to T (inclusive) and puts the spikes since the last call in time order. */
  advanceTo(T: number): void {
    if (T > this.tResolved) {
      const X = Math.exp((T - this.ref) / this.constants.tau);
      const { c } = this.constants;
      const a = this.a;
      const b = this.b;
      const xs = this.xSettled;
      for (let n = 0; n < this.size; n++) {
        const ai = a[n];
        const bi = b[n];
        const xLo = xs[n];
        if (
          X > xLo &&
          +(ai - bi * X + c * X * X <= 0) |
            (+(bi > 2 * c * xLo) & +(bi < 2 * c * X) & +(bi * bi >= 4 * c * ai))
        ) {
          b[n] = this.fire(n, ai, bi, xLo, X, T);
        }
        xs[n] = X;
      }
      this.tResolved = T;
    }
    this.log.sortFrom(this.sortFrom);
    this.sortFrom = this.log.count;
  }
}
