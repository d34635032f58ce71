/**
 * Reading a source URI's query parameters with eager validation: unknown names (typos) and
 * out-of-range values are a UsageError naming the parameter, the value and what is allowed.
 * Also the life-cycle parameters every live driver accepts (queue, drop policy, backoff).
 */
import { UsageError } from '../../src/events/errors.ts';
import type { BackoffOptions } from './backoff.ts';
import { DROP_POLICIES, type BoundedQueueOptions, type DropPolicy } from './bounded-queue.ts';

/** Parameter names every live driver accepts, with their meaning (for --help and docs). */
export const LIFECYCLE_PARAMS: Readonly<Record<string, string>> = {
  queue: 'most events held for slow consumers before dropping (default 1048576)',
  drop: 'drop policy when the queue is full: oldest | newest (default oldest)',
  retry_ms: 'first reconnection delay in ms (default 100)',
  retry_max_ms: 'largest reconnection delay in ms (default 5000)',
  retries: 'reconnection attempts before giving up: a number or inf (default inf)',
  reconnect: 'reconnect when the device/socket goes away: 1 | 0 (default 1)',
  wait: 'keep retrying when the first connection fails instead of failing: 1 | 0 (default 0)',
};

export class UriParams {
  private readonly used = new Set<string>();
  constructor(
    readonly url: URL,
    private readonly scheme: string,
  ) {}

  has(name: string): boolean {
    this.used.add(name);
    return this.url.searchParams.has(name);
  }

  string(name: string): string | undefined {
    this.used.add(name);
    return this.url.searchParams.get(name) ?? undefined;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new UsageError(
        `${this.scheme}: parameter "${name}" must be an integer in [${min}, ${max}], got "${raw}"`,
      );
    }
    return v;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) {
      throw new UsageError(
        `${this.scheme}: parameter "${name}" must be a number in [${min}, ${max}], got "${raw}"`,
      );
    }
    return v;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    throw new UsageError(`${this.scheme}: parameter "${name}" must be 1 or 0, got "${raw}"`);
  }

  choice<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return fallback;
    const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (hit === undefined) {
      throw new UsageError(
        `${this.scheme}: parameter "${name}" must be one of ${allowed.join(', ')}, got "${raw}"`,
      );
    }
    return hit;
  }

  /** Throws when the URI has parameters nobody asked for (typos). Call after reading all. */
  rejectUnknown(): void {
    for (const name of this.url.searchParams.keys()) {
      if (!this.used.has(name)) {
        const known = [...this.used].sort().join(', ');
        throw new UsageError(`${this.scheme}: unknown parameter "${name}"; known: ${known}`);
      }
    }
  }

  /** The life-cycle parameters (LIFECYCLE_PARAMS). */
  lifecycle(): {
    queue: BoundedQueueOptions;
    backoff: BackoffOptions;
    reconnect: boolean;
    waitForDevice: boolean;
  } {
    const maxEvents = this.int('queue', 1 << 20, 1, 2 ** 30);
    const drop = this.choice('drop', 'oldest', ['oldest', 'newest']);
    const policy = `drop-${drop}` as DropPolicy;
    if (!DROP_POLICIES.includes(policy)) throw new UsageError(`${this.scheme}: bad drop policy "${drop}"`);
    const initialMs = this.number('retry_ms', 100, 0, 3_600_000);
    const maxMs = this.number('retry_max_ms', Math.max(5000, initialMs), initialMs, 3_600_000);
    const retriesRaw = this.string('retries');
    let maxAttempts = Number.POSITIVE_INFINITY;
    if (retriesRaw !== undefined && retriesRaw !== '' && retriesRaw !== 'inf') {
      maxAttempts = this.int('retries', 0, 1, 1e9);
    }
    return {
      queue: { maxEvents, policy },
      backoff: { initialMs, maxMs, maxAttempts },
      reconnect: this.bool('reconnect', true),
      waitForDevice: this.bool('wait', false),
    };
  }
}

/** The path part of `scheme:PATH` or `scheme://PATH` URIs (serial device paths, unix sockets). */
export function uriPath(url: URL): string {
  const raw = url.host ? `/${url.host}${url.pathname}` : url.pathname;
  return decodeURIComponent(raw);
}
