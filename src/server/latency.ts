/**
 * Latency bookkeeping: a ring of recent samples for percentiles (metrics messages) and a
 * cumulative histogram with fixed buckets (Prometheus). Recording is O(1) and allocation-free.
 */
import type { LatencySummary } from '../protocol/messages.ts';

/** The most recent `capacity` samples; percentiles by nearest rank over them. */
export class RecentSamples {
  private readonly values: Float64Array;
  private readonly scratch: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity = 2048) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`"capacity" must be a positive integer, got ${capacity}`);
    }
    this.values = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  get size(): number {
    return this.filled;
  }

  add(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    if (this.filled < this.values.length) this.filled++;
  }

  /** p50/p90/p99/max of the samples held, or nulls when there are none. */
  summary(): LatencySummary {
    const n = this.filled;
    if (n === 0) return { p50: null, p90: null, p99: null, max: null };
    const s = this.scratch.subarray(0, n);
    s.set(this.values.subarray(0, n));
    s.sort();
    const at = (q: number): number => s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[n - 1] };
  }
}

/** Upper bounds (seconds) of the latency histogram buckets: 25 µs … 10 s. */
export const LATENCY_BUCKETS_S: readonly number[] = [
  25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1,
  2.5, 10,
];

/** A cumulative histogram (Prometheus semantics: counts of samples ≤ each bound, plus +Inf). */
export class Histogram {
  readonly bounds: readonly number[];
  /** Counts per bucket (not cumulative); the last slot is the +Inf overflow. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = LATENCY_BUCKETS_S) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) throw new RangeError('histogram bounds must increase');
    }
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    const b = this.bounds;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts, one per bound then +Inf. */
  cumulative(): number[] {
    const out: number[] = new Array(this.counts.length);
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i];
      out[i] = acc;
    }
    return out;
  }
}
