/**
 * Event-count slices (dv doEveryNumberOfEvents, Tonic SliceByEventCount): consecutive chunks of
 * `count` events, a new chunk starting every `stride` events (stride < count overlaps chunks;
 * stride > count skips events). Chunks span packets. `flushCountSlices` emits the remaining
 * events, if any of them was not in an emitted slice, as one short slice.
 */
import type { EventPacket } from '../../events/packet.ts';
import { EventOrderError } from '../errors.ts';
import type { EventSlice } from '../event-slice.ts';
import { EventBuffer } from './event-buffer.ts';

export interface CountSliceConfig {
  /** Events per slice. */
  readonly count: number;
  /** Events between slice starts. */
  readonly stride: number;
  /** At the end of the stream, emit the remaining events as one short slice. */
  readonly flushIncomplete: boolean;
}

export class CountSliceState {
  readonly config: CountSliceConfig;
  readonly buffer = new EventBuffer();
  /** Events still to skip when stride > count. */
  pendingSkip = 0;
  /** Held events (at the front) that were already part of an emitted slice. */
  alreadyEmitted = 0;
  lastUs = Number.NEGATIVE_INFINITY;

  constructor(config: CountSliceConfig) {
    this.config = config;
  }
}

/**
 * Adds the events of `src`, pushes every slice they complete onto `out` and returns how many.
 * Time going backwards throws `EventOrderError` after the slices completed before it were pushed.
 */
export function countSlicesInto(src: EventPacket, state: CountSliceState, out: EventSlice[]): number {
  if (src.length === 0) return 0;
  const buffer = state.buffer;
  const appended = buffer.append(src, state.lastUs);
  if (appended > 0) state.lastUs = src.tUs[appended - 1];
  const { count, stride } = state.config;
  let pushed = 0;
  for (;;) {
    if (state.pendingSkip > 0) {
      const skip = Math.min(state.pendingSkip, buffer.size);
      buffer.discard(skip);
      state.pendingSkip -= skip;
    }
    if (buffer.size < count) break;
    out.push(sliceOf(buffer, count));
    pushed++;
    const consumed = Math.min(stride, count);
    buffer.discard(consumed);
    state.pendingSkip = stride - consumed;
    state.alreadyEmitted = count - consumed;
  }
  if (appended < src.length) {
    throw new EventOrderError('sliceByCount', appended, src.tUs[appended], state.lastUs);
  }
  return pushed;
}

/** Pushes the remaining events as one short slice if any is new; returns 0 or 1. */
export function flushCountSlices(state: CountSliceState, out: EventSlice[]): number {
  const buffer = state.buffer;
  if (!state.config.flushIncomplete || buffer.size <= state.alreadyEmitted) return 0;
  out.push(sliceOf(buffer, buffer.size));
  buffer.discard(buffer.size);
  state.alreadyEmitted = 0;
  return 1;
}

function sliceOf(buffer: EventBuffer, n: number): EventSlice {
  return { startUs: buffer.timeAt(0), endUs: buffer.timeAt(n - 1) + 1, packet: buffer.copy(0, n) };
}
