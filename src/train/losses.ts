/**
 * The two losses of the reference trainer, as errors on output spike times.
 *
 * TTFS: p = softmax(−t⁽¹⁾/τ_L) over each output's first spike, L = −log p_label,
 * ∂L/∂t_k = (δ_k,label − p_k)/τ_L on the first spike only; silent outputs (t = ∞) get no error.
 *
 * Spike count: L = ½Σ_k (N_k − N̂_k)², the count is not differentiable, so every existing spike
 * of output k receives the error N̂_k − N_k (as if ∂N/∂t = −1: too few spikes pull them earlier);
 * silent outputs get no error.
 */

export interface OutputSpikes {
  /** Output spikes in time order: neuron index and time. */
  readonly count: number;
  readonly neurons: Int32Array;
  readonly times: Float64Array;
}

export interface LossResult {
  readonly loss: number;
  /** Predicted class (TTFS: earliest first spike, ties and all-silent → lowest index; count: argmax, ties → lowest). */
  readonly predicted: number;
}

/** First spike time per output neuron (Infinity when silent). */
export function firstSpikeTimes(
  spikes: OutputSpikes,
  nOut: number,
  out = new Float64Array(nOut),
): Float64Array {
  out.fill(Number.POSITIVE_INFINITY);
  for (let s = 0; s < spikes.count; s++) {
    const n = spikes.neurons[s];
    if (spikes.times[s] < out[n]) out[n] = spikes.times[s];
  }
  return out;
}

/** Spike count per output neuron. */
export function spikeCounts(spikes: OutputSpikes, nOut: number, out = new Float64Array(nOut)): Float64Array {
  out.fill(0);
  for (let s = 0; s < spikes.count; s++) out[spikes.neurons[s]]++;
  return out;
}

export function argminFirst(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
  return best;
}

export function argmaxFirst(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * TTFS softmax cross-entropy. Writes ∂L/∂t for each output spike into `grad` (aligned with
 * `spikes`); only each neuron's first spike gets a non-zero error. When every output is silent,
 * or the label output is, the loss is the sentinel `silentLoss` and the silent outputs carry no
 * gradient (as in the reference).
 */
export function ttfsCrossEntropy(
  spikes: OutputSpikes,
  nOut: number,
  label: number,
  tauLoss: number,
  grad: Float64Array,
  silentLoss = 100,
): LossResult {
  const first = firstSpikeTimes(spikes, nOut);
  const predicted = argminFirst(first);
  for (let s = 0; s < spikes.count; s++) grad[s] = 0;
  let tMin = Number.POSITIVE_INFINITY;
  for (let k = 0; k < nOut; k++) if (first[k] < tMin) tMin = first[k];
  if (!Number.isFinite(tMin)) return { loss: silentLoss, predicted };
  // softmax of −t/τ_L, shifted by the earliest time for stability; silent outputs have p = 0
  let z = 0;
  const p = new Float64Array(nOut);
  for (let k = 0; k < nOut; k++) {
    p[k] = Number.isFinite(first[k]) ? Math.exp(-(first[k] - tMin) / tauLoss) : 0;
    z += p[k];
  }
  for (let k = 0; k < nOut; k++) p[k] /= z;
  const loss = p[label] > 0 ? -Math.log(p[label]) : silentLoss;
  const seen = new Uint8Array(nOut);
  for (let s = 0; s < spikes.count; s++) {
    const k = spikes.neurons[s];
    if (seen[k]) continue;
    seen[k] = 1;
    grad[s] = ((k === label ? 1 : 0) - p[k]) / tauLoss;
  }
  return { loss, predicted };
}

/** Spike-count loss with target counts (true class / others). */
export function spikeCountLoss(
  spikes: OutputSpikes,
  nOut: number,
  label: number,
  targetTrue: number,
  targetFalse: number,
  grad: Float64Array,
): LossResult {
  const counts = spikeCounts(spikes, nOut);
  const predicted = argmaxFirst(counts);
  let loss = 0;
  const err = new Float64Array(nOut);
  for (let k = 0; k < nOut; k++) {
    const target = k === label ? targetTrue : targetFalse;
    err[k] = target - counts[k];
    loss += 0.5 * err[k] * err[k];
  }
  for (let s = 0; s < spikes.count; s++) grad[s] = err[spikes.neurons[s]];
  return { loss, predicted };
}
