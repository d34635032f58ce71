/**
 * Seeded pseudo-random numbers, so emulated recordings and generated data sets are reproducible
 * bit for bit on every machine (Math.random cannot be seeded).
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 128-bit state in four uint32 words, seeded
 * through splitmix32 so that nearby seeds give unrelated streams. Normal deviates come from the
 * Box-Muller transform; Poisson counts from Knuth's product method in chunks of mean ≤ 16.
 */

/** Reduces any finite number to a uint32 seed (non-integers and negatives are allowed). */
function seedToUint32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`"seed" must be a finite number, got ${seed}`);
  // Fold the integer and fractional parts so 1 and 1.5 differ; the high word is mixed by a
  // multiply, since a plain XOR maps −1 (low word 0xFFFFFFFF, high word −1) onto the seed 0.
  const whole = Math.floor(seed);
  const frac = Math.floor((seed - whole) * 2 ** 32);
  const high = Math.floor(whole / 2 ** 32);
  return ((whole >>> 0) ^ Math.imul(frac >>> 0, 0x9e3779b1) ^ Math.imul(high >>> 0, 0x85ebca6b)) >>> 0;
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = 0;
  private hasSpareNormal = false;

  /** `seed`: any finite number; equal seeds give equal streams. */
  constructor(seed: number) {
    let z = seedToUint32(seed);
    const next = (): number => {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform uint32. */
  nextUint32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296)) throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }

  /** Standard normal deviate (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * v;
    this.spareNormal = r * Math.sin(a);
    this.hasSpareNormal = true;
    return r * Math.cos(a);
  }

  /** Poisson-distributed count with the given mean (exact; cost grows linearly with the mean). */
  poisson(mean: number): number {
    if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`poisson mean must be ≥ 0, got ${mean}`);
    let count = 0;
    let rest = mean;
    while (rest > 0) {
      const chunk = Math.min(rest, 16);
      rest -= chunk;
      const limit = Math.exp(-chunk);
      let prod = this.next();
      while (prod > limit) {
        count++;
        prod *= this.next();
      }
    }
    return count;
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { [i: number]: number | string | object; length: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}

/** A seed derived from a base seed and an index (per-sample seeds for parallel generation). */
export function deriveSeed(base: number, index: number): number {
  let h = seedToUint32(base) ^ Math.imul(index >>> 0, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
