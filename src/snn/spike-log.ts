/**
 * A growable struct-of-arrays list of spikes (time, neuron), optionally with the per-spike terms a
 * trainer needs for the exact gradient. Grows by doubling; never shrinks; `clear()` keeps capacity.
 */
export class SpikeLog {
  count = 0;
  times: Float64Array;
  neurons: Int32Array;
  /**
   * When recording: a_k/X_k² = Σ_{inputs before t_k} w·e^{(t_i − t_k)/τ_s}, the closed form's `a`
   * taken relative to the spike's own time.
   */
  aNorm: Float64Array | null;
  /** When recording: x_k/X_k = √(b² − 4ac)/X_k relative to the spike's own time. */
  xNorm: Float64Array | null;

  constructor(capacity = 64, recording = false) {
    const cap = Math.max(4, capacity | 0);
    this.times = new Float64Array(cap);
    this.neurons = new Int32Array(cap);
    this.aNorm = recording ? new Float64Array(cap) : null;
    this.xNorm = recording ? new Float64Array(cap) : null;
  }

  get recording(): boolean {
    return this.aNorm !== null;
  }

  clear(): void {
    this.count = 0;
  }

  /** Makes room for `extra` more spikes. */
  reserve(extra: number): void {
    const need = this.count + extra;
    if (need <= this.times.length) return;
    let cap = this.times.length * 2;
    while (cap < need) cap *= 2;
    const times = new Float64Array(cap);
    times.set(this.times.subarray(0, this.count));
    this.times = times;
    const neurons = new Int32Array(cap);
    neurons.set(this.neurons.subarray(0, this.count));
    this.neurons = neurons;
    if (this.aNorm && this.xNorm) {
      const a = new Float64Array(cap);
      a.set(this.aNorm.subarray(0, this.count));
      this.aNorm = a;
      const x = new Float64Array(cap);
      x.set(this.xNorm.subarray(0, this.count));
      this.xNorm = x;
    }
  }

  push(time: number, neuron: number): void {
    if (this.count === this.times.length) this.reserve(1);
    this.times[this.count] = time;
    this.neurons[this.count] = neuron;
    this.count++;
  }

  pushRecorded(time: number, neuron: number, aNorm: number, xNorm: number): void {
    if (this.count === this.times.length) this.reserve(1);
    const k = this.count;
    this.times[k] = time;
    this.neurons[k] = neuron;
    if (this.aNorm && this.xNorm) {
      this.aNorm[k] = aNorm;
      this.xNorm[k] = xNorm;
    }
    this.count = k + 1;
  }

  /**
   * Sorts entries [from, count) by time, stably (equal times keep their order). Insertion sort for
   * short runs (the usual case: the few spikes of one interval), an index sort otherwise.
   */
  sortFrom(from: number): void {
    const n = this.count - from;
    if (n < 2) return;
    const times = this.times;
    let sorted = true;
    for (let k = from + 1; k < this.count; k++) {
      if (times[k] < times[k - 1]) {
        sorted = false;
        break;
      }
    }
    if (sorted) return;
    if (n <= 32) this.insertionSort(from);
    else this.indexSort(from);
  }

  /**
   * Bucket pass for `indexSort`: spreads positions 0..n−1 of `keys` into n equal-width time buckets
   * (stable), writing the permutation to `order` and the times to `sortedKeys`. Returns false when
   * a bucket is crowded (clustered times), leaving the caller to merge sort instead.
   */
  private bucketPass(n: number, keys: Float64Array, sortedKeys: Float64Array, order: Int32Array): boolean {
    let lo = keys[0];
    let hi = keys[0];
    for (let k = 1; k < n; k++) {
      const t = keys[k];
      if (t < lo) lo = t;
      else if (t > hi) hi = t;
    }
    const counts = this.bucketCounts;
    counts.fill(0, 0, n + 1);
    const scale = n / (hi - lo);
    for (let k = 0; k < n; k++) {
      let q = ((keys[k] - lo) * scale) | 0;
      if (q >= n) q = n - 1;
      counts[q + 1]++;
    }
    for (let q = 0; q < n; q++) {
      if (counts[q + 1] > 48) return false;
      counts[q + 1] += counts[q];
    }
    for (let k = 0; k < n; k++) {
      let q = ((keys[k] - lo) * scale) | 0;
      if (q >= n) q = n - 1;
      const at = counts[q]++;
      order[at] = k;
      sortedKeys[at] = keys[k];
    }
    // buckets are in order; a stable insertion sort only moves entries within their bucket
    for (let k = 1; k < n; k++) {
      const t = sortedKeys[k];
      const o = order[k];
      let m = k - 1;
      while (m >= 0 && sortedKeys[m] > t) {
        sortedKeys[m + 1] = sortedKeys[m];
        order[m + 1] = order[m];
        m--;
      }
      sortedKeys[m + 1] = t;
      order[m + 1] = o;
    }
    return true;
  }

  private insertionSort(from: number): void {
    const { times, neurons, aNorm, xNorm } = this;
    for (let k = from + 1; k < this.count; k++) {
      const t = times[k];
      const nr = neurons[k];
      const av = aNorm ? aNorm[k] : 0;
      const xv = xNorm ? xNorm[k] : 0;
      let m = k - 1;
      while (m >= from && times[m] > t) {
        times[m + 1] = times[m];
        neurons[m + 1] = neurons[m];
        if (aNorm && xNorm) {
          aNorm[m + 1] = aNorm[m];
          xNorm[m + 1] = xNorm[m];
        }
        m--;
      }
      times[m + 1] = t;
      neurons[m + 1] = nr;
      if (aNorm && xNorm) {
        aNorm[m + 1] = av;
        xNorm[m + 1] = xv;
      }
    }
  }

  /** Scratch for `indexSort`, grown on demand and kept (no allocation per sort once warm). */
  private keys = new Float64Array(0);
  private keys2 = new Float64Array(0);
  private order = new Int32Array(0);
  private order2 = new Int32Array(0);
  private columnF64 = new Float64Array(0);
  private columnI32 = new Int32Array(0);
  private bucketCounts = new Int32Array(0);

  /** Stable sort of [from, count) by time through a permutation (bucket pass, or merge sort when times cluster). */
  private indexSort(from: number): void {
    const n = this.count - from;
    if (this.keys.length < n) {
      const cap = Math.max(n, this.keys.length * 2);
      this.keys = new Float64Array(cap);
      this.keys2 = new Float64Array(cap);
      this.order = new Int32Array(cap);
      this.order2 = new Int32Array(cap);
      this.columnF64 = new Float64Array(cap);
      this.columnI32 = new Int32Array(cap);
      this.bucketCounts = new Int32Array(cap + 1);
    }
    let keys = this.keys;
    const keys2 = this.keys2;
    let order = this.order;
    const order2 = this.order2;
    for (let k = 0; k < n; k++) {
      keys[k] = this.times[from + k];
      order[k] = k;
    }
    if (this.bucketPass(n, keys, keys2, order2)) {
      keys = keys2;
      order = order2;
    } else {
      this.mergeSort(n, keys, keys2, order, order2);
    }
    this.applyOrder(from, n, order);
  }

  /** Stable bottom-up merge sort of (keys, order); the result is written back into keys/order. */
  private mergeSort(
    n: number,
    keys: Float64Array,
    keys2: Float64Array,
    order: Int32Array,
    order2: Int32Array,
  ): void {
    const k0 = keys;
    const o0 = order;
    for (let width = 1; width < n; width *= 2) {
      for (let lo = 0; lo < n; lo += 2 * width) {
        const mid = Math.min(lo + width, n);
        const hi = Math.min(lo + 2 * width, n);
        let p = lo;
        let q = mid;
        let o = lo;
        while (p < mid && q < hi) {
          if (keys[q] < keys[p]) {
            keys2[o] = keys[q];
            order2[o++] = order[q++];
          } else {
            keys2[o] = keys[p];
            order2[o++] = order[p++];
          }
        }
        while (p < mid) {
          keys2[o] = keys[p];
          order2[o++] = order[p++];
        }
        while (q < hi) {
          keys2[o] = keys[q];
          order2[o++] = order[q++];
        }
      }
      const tk = keys;
      keys = keys2;
      keys2 = tk;
      const to = order;
      order = order2;
      order2 = to;
    }
    if (keys !== k0) {
      k0.set(keys.subarray(0, n));
      o0.set(order.subarray(0, n));
    }
  }

  /** Applies the permutation `order` (sorted position → original position) to every column. */
  private applyOrder(from: number, n: number, order: Int32Array): void {
    const cf = this.columnF64;
    for (let k = 0; k < n; k++) cf[k] = this.times[from + order[k]];
    this.times.set(cf.subarray(0, n), from);
    const ci = this.columnI32;
    for (let k = 0; k < n; k++) ci[k] = this.neurons[from + order[k]];
    this.neurons.set(ci.subarray(0, n), from);
    for (const col of [this.aNorm, this.xNorm]) {
      if (!col) continue;
      for (let k = 0; k < n; k++) cf[k] = col[from + order[k]];
      col.set(cf.subarray(0, n), from);
    }
  }
}
