/**
 * Event-rate monitor over a sliding window, in sensor time (Faery to_event_rate, Metavision
 * data-rate). Time is cut into periods [originUs + k·periodUs, originUs + (k+1)·periodUs); at the
 * end of every period one sample reports the events in the last `windowUs` (a whole number of
 * periods), or in the time since the origin while less than a window has elapsed. After
 * `maxQuietSamples` zero-count samples in a row, the monitor skips the rest of a gap and resumes at
 * the period of the next event (a guard against timestamp jumps flooding the output).
 */
import type { EventPacket } from '../../events/packet.ts';
import { EventOrderError } from '../errors.ts';

/** One rate sample. */
export interface RateSample {
  /** End of the measured span (exclusive), sensor µs. */
  readonly tUs: number;
  /** Length of the measured span, µs: windowUs, or less at the start of the stream. */
  readonly spanUs: number;
  /** Events in [tUs − spanUs, tUs). */
  readonly count: number;
  /** count / spanUs, in events per second. */
  readonly eventsPerSecond: number;
}

export class EventRateState {
  readonly periodUs: number;
  readonly periodsPerWindow: number;
  /** Events per closed period, ring buffer over the last window. */
  readonly ring: Float64Array;
  ringPos = 0;
  /** Sum of the ring. */
  windowCount = 0;
  /** Events in the current, open period. */
  periodCount = 0;
  /** Periods closed so far. */
  periodsClosed = 0;
  /** Start of period 0 (NaN until known). */
  originUs: number;
  lastUs = Number.NEGATIVE_INFINITY;
  /** At most this many zero-count samples in a row; then skip to the next event's period. */
  readonly maxQuietSamples: number;
  /** Zero-count samples emitted in a row. */
  quietRun = 0;

  constructor(
    periodUs: number,
    periodsPerWindow: number,
    startUs: number | undefined,
    maxQuietSamples: number,
  ) {
    this.periodUs = periodUs;
    this.periodsPerWindow = periodsPerWindow;
    this.ring = new Float64Array(periodsPerWindow);
    this.originUs = startUs ?? Number.NaN;
    this.maxQuietSamples = maxQuietSamples;
  }
}

/**
 * Counts the events of `src`, pushes one sample per period they close onto `out` and returns how
 * many. Events before the origin are ignored. Time going backwards throws `EventOrderError` after
 * the samples closed by the events before it were pushed.
 */
export function eventRateInto(src: EventPacket, state: EventRateState, out: RateSample[]): number {
  const n = src.length;
  if (n === 0) return 0;
  if (Number.isNaN(state.originUs)) state.originUs = src.tUs[0];
  const sT = src.tUs;
  const period = state.periodUs;
  const origin = state.originUs;
  let periodEndUs = origin + (state.periodsClosed + 1) * period;
  let prev = state.lastUs;
  let count = state.periodCount;
  let pushed = 0;
  let i = 0;
  for (; i < n; i++) {
    const t = sT[i];
    if (!(t >= prev)) break;
    prev = t;
    if (t < origin) continue;
    while (t >= periodEndUs) {
      if (state.quietRun >= state.maxQuietSamples && count === 0) {
        // The window is empty and has been reported as such long enough: jump to t's period.
        state.periodsClosed = Math.floor((t - origin) / period);
        state.quietRun = 0;
        periodEndUs = origin + (state.periodsClosed + 1) * period;
        break;
      }
      state.periodCount = count;
      out.push(closePeriod(state, periodEndUs));
      pushed++;
      count = 0;
      periodEndUs = origin + (state.periodsClosed + 1) * period;
    }
    count++;
  }
  state.periodCount = count;
  state.lastUs = prev;
  if (i < n) throw new EventOrderError('eventRate', i, sT[i], prev);
  return pushed;
}

function closePeriod(state: EventRateState, periodEndUs: number): RateSample {
  const ring = state.ring;
  const pos = state.ringPos;
  state.windowCount += state.periodCount - ring[pos];
  ring[pos] = state.periodCount;
  state.ringPos = pos + 1 === ring.length ? 0 : pos + 1;
  state.periodsClosed++;
  state.periodCount = 0;
  const spanUs = Math.min(state.periodsClosed, state.periodsPerWindow) * state.periodUs;
  const count = state.windowCount;
  state.quietRun = count === 0 ? state.quietRun + 1 : 0;
  return { tUs: periodEndUs, spanUs, count, eventsPerSecond: (count * 1e6) / spanUs };
}
