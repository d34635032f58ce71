/**
 * Capped exponential backoff for reconnecting to a device or socket that went away.
 * delay(n) = min(maxMs, initialMs · factor^n), optionally spread by ±jitter so that many
 * clients do not retry in lockstep.
 */

export interface BackoffOptions {
  /** First delay, in ms. Default 100. */
  readonly initialMs?: number;
  /** Largest delay, in ms. Default 5000. */
  readonly maxMs?: number;
  /** Growth per attempt (≥ 1). Default 2. */
  readonly factor?: number;
  /** Relative random spread in [0, 1): 0.2 means ±20 %. Default 0 (deterministic). */
  readonly jitter?: number;
  /** Attempts before giving up; Infinity retries forever. Default Infinity. */
  readonly maxAttempts?: number;
}

export interface ResolvedBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly maxAttempts: number;
}

export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  const {
    initialMs = 100,
    maxMs = 5000,
    factor = 2,
    jitter = 0,
    maxAttempts = Number.POSITIVE_INFINITY,
  } = options;
  if (!Number.isFinite(initialMs) || initialMs < 0) {
    throw new RangeError(`"initialMs" must be a finite number >= 0, got ${initialMs}`);
  }
  if (!Number.isFinite(maxMs) || maxMs < initialMs) {
    throw new RangeError(`"maxMs" must be a finite number >= initialMs (${initialMs}), got ${maxMs}`);
  }
  if (!Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`"factor" must be a finite number >= 1, got ${factor}`);
  }
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`"jitter" must be in [0, 1), got ${jitter}`);
  if (!(maxAttempts >= 1) || (Number.isFinite(maxAttempts) && !Number.isInteger(maxAttempts))) {
    throw new RangeError(`"maxAttempts" must be an integer >= 1 or Infinity, got ${maxAttempts}`);
  }
  return { initialMs, maxMs, factor, jitter, maxAttempts };
}

/** Delay before retry number `attempt` (0-based), in ms. `random` is injectable for tests. */
export function backoffDelay(
  b: ResolvedBackoff,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(b.maxMs, b.initialMs * b.factor ** Math.min(attempt, 1000));
  if (b.jitter === 0) return base;
  const spread = base * b.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(b.maxMs, base + spread));
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
