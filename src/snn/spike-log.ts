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

  /** Stable bottom-up merge sort of [from, count) by time through a permutation, then applied to every column. */
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
    }
    let keys = this.keys;
    let keys2 = this.keys2;
    let order = this.order;
    let order2 = this.order2;
    for (let k = 0; k < n; k++) {
      keys[k] = this.times[from + k];
      order[k] = k;
    }
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
    // keys is now the sorted times; permute the other columns
    this.times.set(keys.subarray(0, n), from);
    const ci = this.columnI32;
    for (let k = 0; k < n; k++) ci[k] = this.neurons[from + order[k]];
    this.neurons.set(ci.subarray(0, n), from);
    const cf = this.columnF64;
    for (const col of [this.aNorm, this.xNorm]) {
      if (!col) continue;
      for (let k = 0; k < n; k++) cf[k] = col[from + order[k]];
      col.set(cf.subarray(0, n), from);
    }
  }
}
