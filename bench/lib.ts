/**
 * Benchmark helpers. Machines here are shared and noisy, so every figure is the median of
 * several timed repeats, and every target is reported next to a baseline measured in the same run.
 */
import { performance } from 'node:perf_hooks';

export interface BenchRow {
  /** Group, e.g. "decode", "snn", "server". */
  readonly group: string;
  /** What was measured, e.g. "evt3". */
  readonly name: string;
  /** Median value in `unit`. */
  readonly value: number;
  readonly unit: string;
  /** Baseline measured in the same run, same unit. */
  readonly baseline?: number;
  readonly baselineName?: string;
  /** Target in `unit`, and whether larger is better. */
  readonly target?: number;
  readonly higherIsBetter?: boolean;
  readonly note?: string;
  /** All repeats, for the record. */
  readonly samples?: readonly number[];
}

export interface TimingOptions {
  /** Timed repeats (median is reported). Default 7. */
  repeats?: number;
  /** Untimed warm-up calls. Default 2. */
  warmup?: number;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Percentile (0..100) by nearest rank on a sorted copy. */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1));
  return s[idx];
}

/** Times `fn` and returns the seconds of each timed repeat. */
export function timeRepeats(fn: () => void, options: TimingOptions = {}): number[] {
  const { repeats = 7, warmup = 2 } = options;
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

/** Async variant of timeRepeats. */
export async function timeRepeatsAsync(
  fn: () => Promise<void>,
  options: TimingOptions = {},
): Promise<number[]> {
  const { repeats = 7, warmup = 2 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

/** Rate (items per second, in millions) for each repeat, given the item count per call. */
export function millionsPerSecond(items: number, seconds: readonly number[]): number[] {
  return seconds.map((s) => items / s / 1e6);
}

/** A value the optimiser cannot remove; benches fold results into it. */
export const sink = { value: 0 };
