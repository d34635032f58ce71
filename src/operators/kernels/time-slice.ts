/**
 * Fixed time windows (dv EventStreamSlicer.doEveryTimeInterval, Tonic SliceByTime): window k is
 * [originUs + k·strideUs, originUs + k·strideUs + windowUs). strideUs < windowUs overlaps windows;
 * strideUs > windowUs leaves gaps whose events belong to no window.
 *
 * A window is complete once an event at or after its end has been seen (time never decreases), so
 * windows span packets. `flushTimeSlices` emits what is left at the end of the stream.
 */
import type { EventPacket } from '../../events/packet.ts';
import { EventOrderError } from '../errors.ts';
import type { EventSlice } from '../event-slice.ts';
import { EventBuffer } from './event-buffer.ts';

export interface TimeSliceConfig {
  /** Window length, µs. */
  readonly windowUs: number;
  /** Distance between window starts, µs. */
  readonly strideUs: number;
  /** Start of window 0, µs; undefined = the first event's time. */
  readonly startUs: number | undefined;
  /** Emit windows that hold no event. */
  readonly emitEmpty: boolean;
  /**
   * With emitEmpty, at most this many empty windows in a row; beyond that the slicer skips to the
   * next event's window (a guard against timestamp jumps). Infinity disables the guard.
   */
  readonly maxEmptyWindows: number;
  /** At the end of the stream, emit the windows still open that hold events. */
  readonly flushIncomplete: boolean;
}

export class TimeSliceState {
  readonly config: TimeSliceConfig;
  readonly buffer = new EventBuffer();
  /** Start of window 0 (NaN until known). */
  originUs: number;
  /** Index of the oldest window not yet emitted. */
  windowIndex = 0;
  /** Time of the newest event accepted (−∞ before any). */
  lastUs = Number.NEGATIVE_INFINITY;
  /** Events dropped because they fell before window 0 or in a gap between windows. */
  uncovered = 0;
  /** Empty windows emitted in a row. */
  emptyRun = 0;

  constructor(config: TimeSliceConfig) {
    this.config = config;
    this.originUs = config.startUs ?? Number.NaN;
  }
}

/**
 * Adds the events of `src`, pushes every window they complete onto `out` and returns how many
 * slices it pushed. Time going backwards throws `EventOrderError` after the slices completed by
 * the events before it were pushed.
 */
export function timeSlicesInto(src: EventPacket, state: TimeSliceState, out: EventSlice[]): number {
  if (src.length === 0) return 0;
  if (Number.isNaN(state.originUs)) state.originUs = src.tUs[0];
  const appended = state.buffer.append(src, state.lastUs);
  if (appended > 0) state.lastUs = src.tUs[appended - 1];
  const pushed = drain(state, out, false);
  if (appended < src.length) {
    throw new EventOrderError('sliceByTime', appended, src.tUs[appended], state.lastUs);
  }
  return pushed;
}

/** Pushes the windows still open that hold events (all of them when emitEmpty); returns how many. */
export function flushTimeSlices(state: TimeSliceState, out: EventSlice[]): number {
  if (!state.config.flushIncomplete) return 0;
  return drain(state, out, true);
}

function drain(state: TimeSliceState, out: EventSlice[], final: boolean): number {
  const { windowUs, strideUs, emitEmpty } = state.config;
  const buffer = state.buffer;
  const origin = state.originUs;
  let pushed = 0;
  dropUncovered(state);
  for (;;) {
    const startUs = origin + state.windowIndex * strideUs;
    const endUs = startUs + windowUs;
    if (buffer.size === 0) break;
    if (final ? buffer.lastT < startUs : buffer.lastT < endUs) break;
    const from = buffer.lowerBound(startUs);
    const to = buffer.lowerBound(endUs);
    if (to > from || emitEmpty) {
      out.push({ startUs, endUs, packet: buffer.copy(from, to) });
      pushed++;
      state.emptyRun = to > from ? 0 : state.emptyRun + 1;
    }
    state.windowIndex++;
    dropUncovered(state);
    if ((!emitEmpty || state.emptyRun >= state.config.maxEmptyWindows) && buffer.size > 0) {
      // Skip windows that end before the oldest held event without visiting each of them.
      const firstUs = buffer.timeAt(0);
      const nextStartUs = origin + state.windowIndex * strideUs;
      if (firstUs >= nextStartUs + windowUs) {
        state.windowIndex = Math.floor((firstUs - windowUs - origin) / strideUs) + 1;
        dropUncovered(state);
      }
    }
  }
  return pushed;
}

/** Drops held events before the start of the oldest open window. */
function dropUncovered(state: TimeSliceState): void {
  const startUs = state.originUs + state.windowIndex * state.config.strideUs;
  const before = state.buffer.lowerBound(startUs);
  if (before > 0) {
    state.buffer.discard(before);
    state.uncovered += before;
  }
}
