/**
 * Replays a recording as an Observable of packets paced by their own timestamps.
 *
 * - Pull-driven: the next chunk is read only after the packets of the previous one have been
 *   delivered (subscriber.next returned), so memory stays bounded by the chunk size whatever the
 *   file size.
 * - Pacing: an event with time t is due at wallStart + (t − t0) / speed on the scheduler's clock.
 *   Packets cover at most `intervalMs × speed` ms of sensor time and are emitted when their last
 *   event is due; a late consumer is caught up at once (no drift accumulates). speed 0 emits
 *   as fast as the consumer takes the packets.
 * - Loop: each pass continues the timeline 1 µs after the previous pass's last event, so time
 *   never goes backwards downstream.
 */
import { performance } from 'node:perf_hooks';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { EventPacket } from '../../src/events/packet.ts';
import { openRecording, type OpenRecordingOptions, type Recording } from '../../src/formats/open.ts';
import type { SourceStats } from '../contract.ts';

export interface ReplayOptions extends OpenRecordingOptions {
  /** Playback speed: 1 = real time (default), N = N× faster, 0 = as fast as possible. */
  readonly speed?: number;
  /** Extra passes after the first: 0 = play once (default), N = N more, Infinity = forever. */
  readonly loop?: number;
  /** Start this many µs after the recording's first event (earlier events are skipped). Default 0. */
  readonly startUs?: number;
  /** Wall-clock ms of sensor time (× speed) one packet covers at most while pacing. Default 1 ms. */
  readonly intervalMs?: number;
  /** Clock and timer for pacing; tests pass a VirtualTimeScheduler. Default rxjs asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

export interface ResolvedReplayOptions {
  readonly speed: number;
  readonly loop: number;
  readonly startUs: number;
  readonly intervalMs: number;
}

export function resolveReplayOptions(options: ReplayOptions): ResolvedReplayOptions {
  const { speed = 1, loop = 0, startUs = 0, intervalMs = 1 } = options;
  if (!(Number.isFinite(speed) && speed >= 0)) {
    throw new RangeError(`"speed" must be a finite number >= 0 (0 = as fast as possible), got ${speed}`);
  }
  if (!(loop === Number.POSITIVE_INFINITY || (Number.isInteger(loop) && loop >= 0))) {
    throw new RangeError(`"loop" must be an integer >= 0 or Infinity, got ${loop}`);
  }
  if (!(Number.isFinite(startUs) && startUs >= 0)) {
    throw new RangeError(`"startUs" must be a finite number >= 0 (µs), got ${startUs}`);
  }
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new RangeError(`"intervalMs" must be a finite number > 0 (ms), got ${intervalMs}`);
  }
  return { speed, loop, startUs, intervalMs };
}

/** Index of the first event with tUs >= t in a sorted packet (binary search). */
function lowerBound(tUs: Float64Array, from: number, to: number, t: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tUs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first event with tUs > t. */
function upperBound(tUs: Float64Array, from: number, to: number, t: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tUs[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Events [start, end) as a packet viewing the same buffer (no copy), stamped with its arrival. */
function view(p: EventPacket, start: number, end: number, arrivalMs: number): EventPacket {
  if (start === 0 && end === p.length) return { ...p, arrivalMs };
  return {
    length: end - start,
    tUs: p.tUs.subarray(start, end),
    x: p.x.subarray(start, end),
    y: p.y.subarray(start, end),
    p: p.p.subarray(start, end),
    arrivalMs,
  };
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * A cold Observable replaying `path`: each subscription reads the file afresh. `stats` (if
 * given) is updated as bytes are read and packets delivered.
 */
export function replayFile(
  path: string,
  options: ReplayOptions = {},
  stats?: SourceStats,
): Observable<EventPacket> {
  const o = resolveReplayOptions(options);
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<EventPacket>((subscriber) => {
    let stopped = false;
    let recording: Recording | undefined;
    let timer: Subscription | undefined;
    let wake: (() => void) | undefined;

    /** Resolves after `ms` on the scheduler's clock, or at once when unsubscribed. */
    const sleep = (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = scheduler.schedule(() => {
          timer = undefined;
          wake = undefined;
          resolve();
        }, ms);
      });

    const run = async (): Promise<void> => {
      let wallStart = Number.NaN;
      let sensorStart = 0;
      /** Shift added to this pass's timestamps; last delivered (shifted) time. */
      let shift = 0;
      let lastOut = Number.NEGATIVE_INFINITY;
      const sliceUs = o.intervalMs * 1000 * o.speed;
      const prevSkipped: Record<string, number> = {};
      const prevRepaired: Record<string, number> = {};
      for (let pass = 0; !stopped && pass <= o.loop; pass++) {
        recording = await openRecording(path, options);
        if (stopped) {
          await recording.close();
          break;
        }
        let threshold = Number.NaN;
        let passStarted = false;
        for (;;) {
          const bytesBefore = recording.bytesRead;
          const packet = await recording.next();
          if (stats) {
            stats.bytes += recording.bytesRead - bytesBefore;
            const s = recording.stats;
            stats.skipped = { ...prevSkipped };
            addCounts(stats.skipped, s.skipped);
            stats.repaired = { ...prevRepaired };
            addCounts(stats.repaired, s.repaired);
          }
          if (packet === null || stopped) break;
          const n = packet.length;
          if (n > 0) {
            if (Number.isNaN(threshold)) threshold = packet.tUs[0] + o.startUs;
            const from = o.startUs > 0 ? lowerBound(packet.tUs, 0, n, threshold) : 0;
            if (from > 0 && stats) stats.dropped.before_start = (stats.dropped.before_start ?? 0) + from;
            if (from < n) {
              const tUs = packet.tUs;
              if (!passStarted) {
                passStarted = true;
                shift = pass === 0 ? 0 : lastOut + 1 - tUs[from];
              }
              // The decoder handed this packet to us alone: shifting in place is safe.
              if (shift !== 0) for (let i = from; i < n; i++) tUs[i] += shift;
              if (Number.isNaN(wallStart)) {
                wallStart = scheduler.now();
                sensorStart = tUs[from];
              }
              if (o.speed === 0) {
                emit(view(packet, from, n, performance.now()));
              } else {
                let i = from;
                while (i < n && !stopped) {
                  const j = upperBound(tUs, i, n, tUs[i] + sliceUs);
                  const due = wallStart + (tUs[j - 1] - sensorStart) / 1000 / o.speed;
                  const wait = due - scheduler.now();
                  if (wait > 0) await sleep(wait);
                  if (stopped) break;
                  emit(view(packet, i, j, performance.now()));
                  i = j;
                }
              }
            }
          }
          if (stopped) break;
        }
        if (stats) {
          addCounts(prevSkipped, recording.stats.skipped);
          addCounts(prevRepaired, recording.stats.repaired);
        }
        await recording.close();
        // Nothing to replay (empty file, or start past its end): looping would spin forever.
        if (!passStarted) break;
      }
      if (!stopped) subscriber.complete();

      function emit(p: EventPacket): void {
        lastOut = p.tUs[p.length - 1];
        if (stats) stats.events += p.length;
        subscriber.next(p);
      }
    };

    run().catch((err: unknown) => {
      if (stats) stats.lastError = err instanceof Error ? err.message : String(err);
      if (!stopped) subscriber.error(err);
      void recording?.close();
    });

    return () => {
      stopped = true;
      timer?.unsubscribe();
      timer = undefined;
      const w = wake;
      wake = undefined;
      w?.();
      void recording?.close();
    };
  });
}
