import { collectingOperator } from './packet-operator.ts';
import type { OperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import type { EventSlice } from './event-slice.ts';
import {
  flushTimeSlices,
  type TimeSliceConfig,
  TimeSliceState,
  timeSlicesInto,
} from './kernels/time-slice.ts';
import {
  requireBoolean,
  requireCountOrInfinity,
  requireFinite,
  requireOptionsObject,
  requirePositiveFinite,
} from './options.ts';

export interface SliceByTimeOptions {
  /** Window length, µs (> 0). */
  windowUs: number;
  /**
   * Distance between window starts, µs (> 0). Default windowUs (back-to-back windows). Smaller
   * overlaps windows (an event is in several slices); larger leaves gaps whose events are dropped.
   */
  strideUs?: number;
  /** Start of the first window, sensor µs. Default: the first event's time. Earlier events are dropped. */
  startUs?: number;
  /** Emit windows with no events too (regular output, as dv-processing). Default false. */
  emitEmpty?: boolean;
  /**
   * With emitEmpty: at most this many empty windows in a row (integer ≥ 0 or Infinity); past it the
   * slicer jumps to the next event's window, so a corrupt timestamp jump cannot flood the
   * pipeline. Default 10 000.
   */
  maxEmptyWindows?: number;
  /** When the source completes, emit the open windows that hold events. Default true. */
  flushIncomplete?: boolean;
}

/** Resolves and checks the options (exported for the CLI and tests). */
export function resolveSliceByTimeOptions(options: SliceByTimeOptions): TimeSliceConfig {
  requireOptionsObject('sliceByTime', options, false);
  const windowUs = requirePositiveFinite('windowUs', options.windowUs);
  const strideUs = requirePositiveFinite('strideUs', options.strideUs ?? windowUs);
  const startUs = options.startUs === undefined ? undefined : requireFinite('startUs', options.startUs);
  const emitEmpty = requireBoolean('emitEmpty', options.emitEmpty ?? false);
  const flushIncomplete = requireBoolean('flushIncomplete', options.flushIncomplete ?? true);
  const maxEmptyWindows = requireCountOrInfinity('maxEmptyWindows', options.maxEmptyWindows ?? 10_000);
  return Object.freeze({ windowUs, strideUs, startUs, emitEmpty, maxEmptyWindows, flushIncomplete });
}

/**
 * Cuts the stream into fixed time windows [t0 + k·strideUs, t0 + k·strideUs + windowUs) of sensor
 * time and emits one `EventSlice` per window. A window is emitted once an event at or after its
 * end arrives, so windows span packets. Time going backwards is an error (`EventOrderError`).
 */
export function sliceByTime(options: SliceByTimeOptions): OperatorFunction<EventPacket, EventSlice> {
  const config = resolveSliceByTimeOptions(options);
  return collectingOperator<TimeSliceState, EventSlice>(
    () => new TimeSliceState(config),
    timeSlicesInto,
    flushTimeSlices,
  );
}
