/**
 * Exact gradients through spike times for one dense LIF layer (BATS / relaxed Fast & Deep).
 *
 * Forward facts used (network.ts records them per output spike k, relative to t_k):
 *   f1_k·e^{t_z/τ_s} = F1_k·e^{(t_z−t_k)/τ_s},  F1_k = (τ/aNorm_k)·(1 + c/xNorm_k)
 *   f2_k·e^{t_z/τ}   = F2_k·e^{(t_z−t_k)/τ},    F2_k = τ/xNorm_k,            c = θ/τ
 * so that, for an input spike z of neuron j before t_k (strictly: an input at t_k itself arrives
 * after the crossing it would have caused is settled),
 *   ∂t_k/∂w_ji = F1_k·e^{(t_z−t_k)/τ_s} − F2_k·e^{(t_z−t_k)/τ}              (summed over z of j)
 *   ∂t_k/∂t_z  = w_ji·[F1_k·e^{(t_z−t_k)/τ_s}/τ_s − F2_k·e^{(t_z−t_k)/τ}/τ]
 * and through the subtraction reset, for an earlier spike j of the same neuron,
 *   ∂t_k/∂t_j  = (c/xNorm_k)·e^{(t_j−t_k)/τ}.
 *
 * The backward pass (1) folds the reset chain into each spike's total error, newest first, O(n);
 * (2) sweeps the input spikes newest first, keeping per output neuron the running sums of
 * P_k = g_k·F1_k·e^{−(t_k−r)/τ_s} and Q_k = g_k·F2_k·e^{−(t_k−r)/τ} over the spikes after the
 * input, so each input spike touches its weight row once: ∂L/∂w_j· += e1_z·ΣP − e2_z·ΣQ and
 * ∂L/∂t_z = Σ_i w_ji·(e1_z·ΣP_i/τ_s − e2_z·ΣQ_i/τ), with e1_z = e^{(t_z−r)/τ_s}, e2_z = e^{(t_z−r)/τ}.
 * The reference r is the window start; windows are checked to be short enough (< 600 τ_s) for
 * e^{(t−r)/τ_s} to stay finite in float64.
 */

export interface DenseBackwardLayer {
  /** Neurons in this layer. */
  readonly size: number;
  /** Inputs (previous layer size). */
  readonly inputSize: number;
  /** Weights [inputSize][size] (row j = fan-out of input j). */
  readonly weights: Float32Array;
  readonly tauS: number;
  /** θ/τ with τ = 2τ_s. */
  readonly c: number;
}

export interface SpikeList {
  readonly count: number;
  readonly times: Float64Array;
  readonly neurons: Int32Array;
}

export interface RecordedSpikes extends SpikeList {
  readonly aNorm: Float64Array;
  readonly xNorm: Float64Array;
}

/** Reusable scratch for one layer's backward pass (no allocation per sample). */
export class DenseBackwardScratch {
  readonly sumP: Float64Array;
  readonly sumQ: Float64Array;
  readonly resetAcc: Float64Array;
  total: Float64Array;
  p: Float64Array;
  q: Float64Array;

  constructor(size: number) {
    this.sumP = new Float64Array(size);
    this.sumQ = new Float64Array(size);
    this.resetAcc = new Float64Array(size);
    this.total = new Float64Array(256);
    this.p = new Float64Array(256);
    this.q = new Float64Array(256);
  }

  ensure(spikes: number): void {
    if (this.total.length < spikes) {
      let n = this.total.length;
      while (n < spikes) n *= 2;
      this.total = new Float64Array(n);
      this.p = new Float64Array(n);
      this.q = new Float64Array(n);
    }
  }
}

/**
 * Backward pass of one dense layer for one sample.
 * @param outErr ∂L/∂t_k per output spike (aligned with `outputs`), before the reset chain.
 * @param gradW accumulates ∂L/∂w ([inputSize][size], same layout as the weights).
 * @param inErr if given, receives ∂L/∂t_z per input spike (aligned with `inputs`), overwritten.
 */
export function denseBackward(
  layer: DenseBackwardLayer,
  inputs: SpikeList,
  outputs: RecordedSpikes,
  outErr: Float64Array,
  windowStart: number,
  gradW: Float64Array,
  inErr: Float64Array | undefined,
  scratch: DenseBackwardScratch,
): void {
  const { size, weights, tauS, c } = layer;
  const tau = 2 * tauS;
  const nOut = outputs.count;
  if (inErr) inErr.fill(0, 0, inputs.count);
  if (nOut === 0) return;
  scratch.ensure(nOut);
  const total = scratch.total;
  const P = scratch.p;
  const Q = scratch.q;
  const acc = scratch.resetAcc;
  acc.fill(0);
  const r = windowStart;
  // (1) reset chain, newest spike first: total_j = g_j + e^{(t_j−r)/τ}·Σ_{k>j} total_k·(c/xNorm_k)·e^{−(t_k−r)/τ}
  let anyError = false;
  for (let k = nOut - 1; k >= 0; k--) {
    const i = outputs.neurons[k];
    const t = outputs.times[k] - r;
    if (t > 600 * tauS)
      throw new RangeError(`spike at ${t} after window start exceeds 600·τ_s: window too long`);
    const eTau = Math.exp(t / tau);
    const g = outErr[k] + eTau * acc[i];
    total[k] = g;
    const xn = outputs.xNorm[k];
    acc[i] += (g * c) / xn / eTau;
    const an = outputs.aNorm[k];
    const F1 = (tau / an) * (1 + c / xn);
    const F2 = tau / xn;
    P[k] = (g * F1) / (eTau * eTau);
    Q[k] = (g * F2) / eTau;
    if (g !== 0 && Number.isFinite(P[k]) && Number.isFinite(Q[k])) anyError = true;
    else if (!Number.isFinite(P[k]) || !Number.isFinite(Q[k])) {
      // a degenerate crossing (aNorm or xNorm ~ 0: grazing the threshold) carries no usable gradient
      P[k] = 0;
      Q[k] = 0;
    }
  }
  if (!anyError) return;
  // (2) sweep inputs newest first with running per-neuron sums over the output spikes after them
  const sumP = scratch.sumP;
  const sumQ = scratch.sumQ;
  sumP.fill(0);
  sumQ.fill(0);
  let k = nOut - 1;
  const invTauS = 1 / tauS;
  const invTau = 1 / tau;
  for (let z = inputs.count - 1; z >= 0; z--) {
    const tz = inputs.times[z];
    // output spikes strictly after the input join the sums
    while (k >= 0 && outputs.times[k] > tz) {
      const i = outputs.neurons[k];
      sumP[i] += P[k];
      sumQ[i] += Q[k];
      k--;
    }
    const e1 = Math.exp((tz - r) * invTauS);
    const e2 = Math.exp((tz - r) * invTau);
    const row = inputs.neurons[z] * size;
    if (inErr) {
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < size; i++) {
        const sp = sumP[i];
        const sq = sumQ[i];
        gradW[row + i] += e1 * sp - e2 * sq;
        const w = weights[row + i];
        s1 += w * sp;
        s2 += w * sq;
      }
      inErr[z] = e1 * invTauS * s1 - e2 * invTau * s2;
    } else {
      for (let i = 0; i < size; i++) gradW[row + i] += e1 * sumP[i] - e2 * sumQ[i];
    }
  }
}
