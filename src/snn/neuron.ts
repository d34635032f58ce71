/**
 * The exact current-based LIF neuron of BATS / relaxed Fast & Deep, in closed form.
 *
 *   du/dt = −u/τ + I,   dI/dt = −I/τ_s,   τ = 2·τ_s,
 *   an input spike of weight w adds w to I; when u reaches θ the neuron spikes and u ← u − θ.
 *
 * With times taken relative to a reference r and X = e^{(t−r)/τ} (so e^{(t−r)/τ_s} = X²), the
 * potential between input events is u/τ = b/X − a/X², where
 *
 *   a = Σ_inputs w_i·X_i²,   b = Σ_inputs w_i·X_i − c·Σ_own spikes X_k,   c = θ/τ.
 *
 * An input at X_t adds w·X_t² to a and w·X_t to b (u stays continuous: f below is unchanged at X_t).
 * The neuron is at or above threshold where f(X) = c·X² − b·X + a ≤ 0. Below threshold at X_lo, it
 * crosses in (X_lo, X_hi] exactly when
 *
 *   f(X_hi) ≤ 0,   or   2c·X_lo < b < 2c·X_hi and b² ≥ 4ac   (vertex inside, real roots),
 *
 * which needs no square root; only then the crossing is the smaller root in rationalised form
 *   x = √(b² − 4ac),   X_k = 2a / (b + x),   t_k = r + τ·ln X_k,
 * and the reset is b ← b − c·X_k, after which the same interval is tried again (bursts).
 *
 * The reference moves forward (a·e^{−Δ/τ_s}, b·e^{−Δ/τ}) before relative times grow large, so no
 * absolute time is ever exponentiated.
 */
import type { NeuronParams } from './spec.ts';

/** Re-reference a layer once an input lies this many τ_s after its reference (e^{32} is far from overflow). */
export const REREFERENCE_SPAN_TAU_S = 32;

/** Constants derived from the neuron parameters when a layer is compiled. */
export interface NeuronConstants {
  readonly tauS: number;
  /** Membrane time constant τ = 2·τ_s. */
  readonly tau: number;
  /** c = θ/τ. */
  readonly c: number;
  readonly maxSpikes: number;
  /** Input distance from the reference that triggers re-referencing (model time units). */
  readonly rereferenceSpan: number;
}

export function neuronConstants(p: NeuronParams): NeuronConstants {
  const tau = 2 * p.tauS;
  return {
    tauS: p.tauS,
    tau,
    c: p.threshold / tau,
    maxSpikes: p.maxSpikes,
    rereferenceSpan: REREFERENCE_SPAN_TAU_S * p.tauS,
  };
}

/**
 * Whether a neuron with state (a, b), below threshold at xLo, crosses θ in (xLo, xHi].
 * xHi may be +Infinity (no end). Cheap: no square root.
 */
export function crossesIn(a: number, b: number, c: number, xLo: number, xHi: number): boolean {
  return a - b * xHi + c * xHi * xHi <= 0 || (b > 2 * c * xLo && b < 2 * c * xHi && b * b >= 4 * a * c);
}

/**
 * The crossing X_k = 2a/(b + √(b² − 4ac)) clamped into [xLo, xHi]; call only when `crossesIn` holds.
 * Returns NaN when the state admits no positive crossing (rounding at a degenerate edge).
 */
export function crossingX(a: number, b: number, c: number, xLo: number, xHi: number): number {
  const disc = b * b - 4 * a * c;
  const x = disc > 0 ? Math.sqrt(disc) : 0;
  let X = (2 * a) / (b + x);
  if (!(X > 0)) return Number.NaN;
  if (X < xLo) X = xLo;
  else if (X > xHi) X = xHi;
  return X;
}
