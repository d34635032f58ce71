/**
 * Adam (Kingma & Ba) as in the reference trainer: β1 = 0.9, β2 = 0.999, ε = 1e-8,
 * w ← w − lr·m̂/(√v̂ + ε), on the batch-averaged gradient. Moments are kept in Float64 while the
 * weights themselves stay Float32 (what model files and the runtime use).
 */
export interface AdamOptions {
  /** Learning rate. */
  readonly lr: number;
  /** First-moment decay. Default 0.9. */
  readonly beta1?: number;
  /** Second-moment decay. Default 0.999. */
  readonly beta2?: number;
  /** Denominator guard. Default 1e-8. */
  readonly epsilon?: number;
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Steps taken so far (for bias correction); saved in checkpoints. */
  step = 0;
  readonly m: Float64Array;
  readonly v: Float64Array;

  constructor(size: number, options: AdamOptions) {
    const { lr, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
    if (!(lr > 0)) throw new RangeError(`"lr" must be > 0, got ${lr}`);
    if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`"beta1" must be in [0, 1), got ${beta1}`);
    if (!(beta2 >= 0 && beta2 < 1)) throw new RangeError(`"beta2" must be in [0, 1), got ${beta2}`);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Applies one update to `weights` from `grad` (already averaged over the batch). */
  update(weights: Float32Array, grad: Float64Array): void {
    if (weights.length !== this.m.length || grad.length !== this.m.length) {
      throw new RangeError(`Adam size ${this.m.length}, weights ${weights.length}, grad ${grad.length}`);
    }
    this.step++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    const stepSize = this.lr / c1;
    const sqrtC2 = Math.sqrt(c2);
    const eps = this.epsilon;
    const m = this.m;
    const v = this.v;
    for (let i = 0; i < weights.length; i++) {
      const g = grad[i];
      const mi = b1 * m[i] + (1 - b1) * g;
      const vi = b2 * v[i] + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      // m̂/(√v̂ + ε) with the bias corrections folded into the step size
      weights[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
    }
  }
}
