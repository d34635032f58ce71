/**
 * Timestamp hygiene shared by decoders: unwrapping of wrapping counters into the absolute
 * µs timeline, and a monotonic clamp. Both count every change they make in DecodeStats.
 */
import type { DecodeStats } from './decode-stats.ts';

/**
 * Unwraps a counter of `bits` bits (`ticks` µs per count) that wraps silently.
 * A backward jump larger than half the range is a wrap; a smaller one is left to the clamp.
 */
export class CounterUnwrapper {
  private readonly range: number;
  private readonly half: number;
  private offset = 0;
  private last = -1;
  /** Number of wraps unwrapped so far. */
  wraps = 0;

  constructor(bits: number) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 52) {
      throw new RangeError(`"bits" must be an integer in [1, 52], got ${bits}`);
    }
    this.range = 2 ** bits;
    this.half = this.range / 2;
  }

  /** Absolute value of raw counter reading `raw` (0 <= raw < 2^bits). */
  unwrap(raw: number): number {
    if (this.last >= 0 && raw < this.last && this.last - raw > this.half) {
      this.offset += this.range;
      this.wraps++;
    }
    this.last = raw;
    return this.offset + raw;
  }

  /** Declares an explicit wrap (formats with overflow records). */
  addWrap(amount = this.range): void {
    this.offset += amount;
    this.wraps++;
  }

  get currentOffset(): number {
    return this.offset;
  }

  reset(): void {
    this.offset = 0;
    this.last = -1;
    this.wraps = 0;
  }
}

/**
 * Keeps emitted time non-decreasing. A timestamp earlier than the last one is raised to it and
 * counted as a `time_backwards` repair.
 */
export class MonotonicClamp {
  last = Number.NEGATIVE_INFINITY;
  constructor(private readonly stats: DecodeStats) {}

  apply(tUs: number): number {
    if (tUs < this.last) {
      this.stats.repair('time_backwards');
      return this.last;
    }
    this.last = tUs;
    return tUs;
  }
}
