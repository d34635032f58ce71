/**
 * The Yin-Yang data set (Kriener, Göltz & Petrovici 2021, arXiv:2102.08211), generated from its
 * published definition (reference code: github.com/lkriener/yin_yang_data_set, dataset.py).
 *
 * A point (x, y) is drawn uniformly in [0, 2·r_big)² and kept only inside the big circle of
 * radius r_big = 0.5 centred at (0.5, 0.5). With d_r, d_l its distances to the right dot centre
 * (1.5·r_big, r_big) and the left one (0.5·r_big, r_big), and r_small = 0.1:
 *   dot    (class 2) when d_r < r_small or d_l < r_small;
 *   else class 1 when d_r ≤ r_small, or r_small < d_l ≤ r_big/2, or (y > r_big and d_r > r_big/2);
 *   else class 0.
 * Class names follow the reference: ["yin", "yang", "dot"]. Balance: each sample first draws its
 * goal class uniformly from {0, 1, 2}, then points are drawn until one of that class comes up
 * (rejection sampling). Inputs are (x, y, 1 − x, 1 − y), all in [0, 1]; with `bias` a 5th input
 * fixed at 1 follows (Fast & Deep feeds Yin-Yang a bias spike at a fixed time: through the TTFS
 * image encoding, intensity 1 spikes at t = 0 on every sample, a reference the network can time
 * the others against).
 *
 * Sizes and seeds follow the reference usage (train 5 000 / seed 42, validation 1 000 / seed 41,
 * test 1 000 / seed 40), but our generator is our own Prng, not numpy's, so the points are not
 * the same as the reference's `publication_data`: same distribution, different draws.
 */
import { Prng } from '../emulation/prng.ts';
import { type ImageDataset, makeImageDataset, type SplitName } from './types.ts';

export const YINYANG_CLASSES: readonly string[] = ['yin', 'yang', 'dot'];

export interface YinYangOptions {
  /** Split; chooses the default size and seed. Default "train". */
  readonly split?: SplitName;
  /** Number of samples. Default 5 000 (train), 1 000 (validation, test), 6 000 (train-full). */
  readonly size?: number;
  /** PRNG seed. Default 42 (train), 41 (validation), 40 (test). */
  readonly seed?: number;
  /** Radius of the big circle. Default 0.5. */
  readonly rBig?: number;
  /** Radius of the dots. Default 0.1. */
  readonly rSmall?: number;
  /** Append a 5th input fixed at 1 (a bias spike at t = 0 under TTFS encoding). Default false. */
  readonly bias?: boolean;
}

const DEFAULTS: Readonly<Record<Exclude<SplitName, 'train-full'>, { size: number; seed: number }>> = {
  train: { size: 5000, seed: 42 },
  validation: { size: 1000, seed: 41 },
  test: { size: 1000, seed: 40 },
};

/** Class of a point of the Yin-Yang plane (no check that it lies in the big circle). */
export function yinYangClass(x: number, y: number, rBig = 0.5, rSmall = 0.1): number {
  const dRight = Math.hypot(x - 1.5 * rBig, y - rBig);
  const dLeft = Math.hypot(x - 0.5 * rBig, y - rBig);
  if (dRight < rSmall || dLeft < rSmall) return 2;
  const criterion1 = dRight <= rSmall;
  const criterion2 = dLeft > rSmall && dLeft <= 0.5 * rBig;
  const criterion3 = y > rBig && dRight > 0.5 * rBig;
  return criterion1 || criterion2 || criterion3 ? 1 : 0;
}

function generate(
  size: number,
  seed: number,
  rBig: number,
  rSmall: number,
  features: number,
  into: Float32Array,
  labels: Uint8Array,
  at: number,
): void {
  const rng = new Prng(seed);
  for (let i = 0; i < size; i++) {
    const goal = rng.int(3);
    let x = 0;
    let y = 0;
    for (;;) {
      x = rng.next() * 2 * rBig;
      y = rng.next() * 2 * rBig;
      if (Math.hypot(x - rBig, y - rBig) > rBig) continue;
      if (yinYangClass(x, y, rBig, rSmall) === goal) break;
    }
    const o = (at + i) * features;
    into[o] = x;
    into[o + 1] = y;
    into[o + 2] = 1 - x;
    into[o + 3] = 1 - y;
    if (features === 5) into[o + 4] = 1;
    labels[at + i] = goal;
  }
}

/** Generates a Yin-Yang split: a 4×1 "image" (x, y, 1−x, 1−y) per sample, 5×1 with `bias` (…, 1). */
export function loadYinYang(options: YinYangOptions = {}): ImageDataset {
  const split = options.split ?? 'train';
  const rBig = options.rBig ?? 0.5;
  const rSmall = options.rSmall ?? 0.1;
  const bias = options.bias ?? false;
  if (typeof bias !== 'boolean') throw new TypeError(`"bias" must be a boolean, got ${String(bias)}`);
  const features = bias ? 5 : 4;
  if (!(rBig > 0 && rBig <= 0.5)) throw new RangeError(`"rBig" must be in (0, 0.5], got ${rBig}`);
  if (!(rSmall > 0 && rSmall < rBig / 2))
    throw new RangeError(`"rSmall" must be in (0, rBig/2), got ${rSmall}`);
  if (options.size !== undefined && !(Number.isInteger(options.size) && options.size >= 0)) {
    throw new RangeError(`"size" must be a non-negative integer, got ${options.size}`);
  }
  if (options.seed !== undefined && !Number.isFinite(options.seed)) {
    throw new RangeError(`"seed" must be a finite number, got ${options.seed}`);
  }
  let pixels: Float32Array;
  let labels: Uint8Array;
  let provenance: string;
  if (split === 'train-full' && options.size === undefined && options.seed === undefined) {
    // The concatenation of the default train and validation sets, so train-full ⊇ train ∪ validation.
    const t = DEFAULTS.train;
    const v = DEFAULTS.validation;
    pixels = new Float32Array((t.size + v.size) * features);
    labels = new Uint8Array(t.size + v.size);
    generate(t.size, t.seed, rBig, rSmall, features, pixels, labels, 0);
    generate(v.size, v.seed, rBig, rSmall, features, pixels, labels, t.size);
    provenance = `yin-yang generator, train (${t.size}, seed ${t.seed}) + validation (${v.size}, seed ${v.seed})`;
  } else {
    const d = DEFAULTS[split === 'train-full' ? 'train' : split];
    const size = options.size ?? (split === 'train-full' ? 6000 : d.size);
    const seed = options.seed ?? d.seed;
    pixels = new Float32Array(size * features);
    labels = new Uint8Array(size);
    generate(size, seed, rBig, rSmall, features, pixels, labels, 0);
    provenance = `yin-yang generator, ${size} samples, seed ${seed}`;
  }
  return makeImageDataset({
    name: bias ? 'yinyang-bias' : 'yinyang',
    split,
    width: features,
    height: 1,
    pixels,
    labels,
    classNames: YINYANG_CLASSES,
    provenance: `${provenance}, r_big ${rBig}, r_small ${rSmall}${bias ? ', bias input fixed at 1' : ''}`,
  });
}
