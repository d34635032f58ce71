/**
 * Window and decision policies of the classifier (DESIGN.md §6). Windows are in sensor time (µs),
 * half-open [start, end); the network state is reset at each window.
 */

/** Back-to-back windows of fixed length, starting at the first event. */
export interface FixedWindow {
  readonly kind: 'fixed';
  /** Window length, µs (> 0). */
  readonly lengthUs: number;
}

/** Overlapping windows: one of `lengthUs` starts every `strideUs` (one network per open window). */
export interface SlidingWindow {
  readonly kind: 'sliding';
  /** Window length, µs (> 0). */
  readonly lengthUs: number;
  /** Time between window starts, µs (> 0, ≤ lengthUs; lengthUs / strideUs ≤ 32). */
  readonly strideUs: number;
}

/** Windows of a fixed number of events (from a window's first event to its N-th). */
export interface CountWindow {
  readonly kind: 'count';
  /** Events per window (integer ≥ 1). */
  readonly events: number;
}

/**
 * A window of `lengthUs` opens when activity appears: `minEvents` events within `withinUs`. It
 * starts at the first of those events; the next one can open only after it ends.
 */
export interface ActivityWindow {
  readonly kind: 'activity';
  /** Events that make activity (integer ≥ 1). */
  readonly minEvents: number;
  /** ...within this span, µs (> 0). */
  readonly withinUs: number;
  /** Window length once open, µs (> 0). */
  readonly lengthUs: number;
}

export type WindowPolicy = FixedWindow | SlidingWindow | CountWindow | ActivityWindow;

/** TTFS: the first output spike decides, at once. */
export interface FirstSpikeDecision {
  readonly kind: 'first-spike';
}

/**
 * Relaxed: the most output spikes at the window's end win (ties: earlier first spike, then lower
 * index); with `margin` > 0, decide early as soon as the leader is ahead of every other class by
 * `margin` spikes.
 */
export interface SpikeCountDecision {
  readonly kind: 'spike-count';
  /** Early-decision lead in spikes (integer ≥ 0; 0 = decide only at window end). */
  readonly margin: number;
}

export type DecisionPolicy = FirstSpikeDecision | SpikeCountDecision;

function positive(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`"${name}" must be a finite number > 0, got ${v}`);
  }
}
function positiveInt(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`"${name}" must be an integer >= ${min}, got ${v}`);
}

export const MAX_OPEN_WINDOWS = 32;

export function validateWindow(w: WindowPolicy): WindowPolicy {
  switch (w?.kind) {
    case 'fixed':
      positive('window.lengthUs', w.lengthUs);
      return w;
    case 'sliding':
      positive('window.lengthUs', w.lengthUs);
      positive('window.strideUs', w.strideUs);
      if (w.strideUs > w.lengthUs) {
        throw new RangeError(
          `"window.strideUs" (${w.strideUs}) must be <= "window.lengthUs" (${w.lengthUs})`,
        );
      }
      if (Math.ceil(w.lengthUs / w.strideUs) > MAX_OPEN_WINDOWS) {
        throw new RangeError(
          `"window.lengthUs" / "window.strideUs" = ${w.lengthUs / w.strideUs} opens more than ${MAX_OPEN_WINDOWS} windows at once`,
        );
      }
      return w;
    case 'count':
      positiveInt('window.events', w.events);
      return w;
    case 'activity':
      positiveInt('window.minEvents', w.minEvents);
      positive('window.withinUs', w.withinUs);
      positive('window.lengthUs', w.lengthUs);
      return w;
    default:
      throw new RangeError(
        `"window.kind" must be fixed, sliding, count or activity, got ${JSON.stringify((w as { kind?: unknown })?.kind)}`,
      );
  }
}

export function validateDecision(d: DecisionPolicy): DecisionPolicy {
  if (d?.kind === 'first-spike') return d;
  if (d?.kind === 'spike-count') {
    positiveInt('decision.margin', d.margin, 0);
    return d;
  }
  throw new RangeError(
    `"decision.kind" must be first-spike or spike-count, got ${JSON.stringify((d as { kind?: unknown })?.kind)}`,
  );
}

/** Human-readable form, e.g. "sliding 100000 µs every 50000 µs". */
export function describeWindow(w: WindowPolicy): string {
  switch (w.kind) {
    case 'fixed':
      return `fixed ${w.lengthUs} µs`;
    case 'sliding':
      return `sliding ${w.lengthUs} µs every ${w.strideUs} µs`;
    case 'count':
      return `${w.events} events`;
    case 'activity':
      return `activity (${w.minEvents} events within ${w.withinUs} µs) then ${w.lengthUs} µs`;
  }
}

export function describeDecision(d: DecisionPolicy): string {
  if (d.kind === 'first-spike') return 'first output spike';
  return d.margin > 0 ? `spike count, early at a lead of ${d.margin}` : 'spike count at window end';
}

/**
 * Parses the CLI form of a window: "fixed:100ms", "sliding:100ms/50ms", "count:2000",
 * "activity:50/5ms/100ms" (minEvents/within/length). Units: us, ms, s (default us).
 */
export function parseWindowSpec(text: string): WindowPolicy {
  const [kind, rest = ''] = text.split(':', 2);
  const parts = rest.split('/');
  const bad = (): never => {
    throw new RangeError(
      `--window "${text}": expected fixed:LEN, sliding:LEN/STRIDE, count:N or activity:N/WITHIN/LEN (times like 100ms, 50us, 1s)`,
    );
  };
  if (rest === '') bad();
  switch (kind) {
    case 'fixed':
      if (parts.length !== 1) bad();
      return validateWindow({ kind, lengthUs: parseDurationUs(parts[0]) });
    case 'sliding':
      if (parts.length !== 2) bad();
      return validateWindow({
        kind,
        lengthUs: parseDurationUs(parts[0]),
        strideUs: parseDurationUs(parts[1]),
      });
    case 'count':
      if (parts.length !== 1) bad();
      return validateWindow({ kind, events: Number(parts[0]) });
    case 'activity':
      if (parts.length !== 3) bad();
      return validateWindow({
        kind,
        minEvents: Number(parts[0]),
        withinUs: parseDurationUs(parts[1]),
        lengthUs: parseDurationUs(parts[2]),
      });
    default:
      return bad();
  }
}

/** "100ms" → 100000; "50us"/"50µs"/"50" → 50; "1.5s" → 1500000. */
export function parseDurationUs(text: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(us|µs|ms|s)?\s*$/i.exec(text);
  if (!m) throw new RangeError(`not a duration: "${text}" (use e.g. 100ms, 50us, 1s)`);
  const v = Number(m[1]);
  const unit = (m[2] ?? 'us').toLowerCase();
  return unit === 's' ? v * 1e6 : unit === 'ms' ? v * 1e3 : v;
}
