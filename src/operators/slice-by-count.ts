import { collectingOperator } from './packet-operator.ts';
import type { OperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import type { EventSlice } from './event-slice.ts';
import {
  type CountSliceConfig,
  CountSliceState,
  countSlicesInto,
  flushCountSlices,
} from './kernels/count-slice.ts';
import { requireBoolean, requireOptionsObject, requirePositiveInteger } from './options.ts';

export interface SliceByCountOptions {
  /** Events per slice (integer ≥ 1). */
  count: number;
  /**
   * Events between slice starts (integer ≥ 1). Default count (back-to-back). Smaller overlaps
   * slices by count − stride events; larger skips stride − count events between slices.
   */
  stride?: number;
  /** When the source completes, emit the remaining events (if any is new) as one short slice. Default true. */
  flushIncomplete?: boolean;
}

export function resolveSliceByCountOptions(options: SliceByCountOptions): CountSliceConfig {
  requireOptionsObject('sliceByCount', options, false);
  const count = requirePositiveInteger('count', options.count);
  const stride = requirePositiveInteger('stride', options.stride ?? count);
  const flushIncomplete = requireBoolean('flushIncomplete', options.flushIncomplete ?? true);
  return Object.freeze({ count, stride, flushIncomplete });
}

/**
 * Cuts the stream into slices of `count` consecutive events, across packet boundaries, and emits
 * each as an `EventSlice` with bounds [first t, last t + 1). Time going backwards is an error
 * (`EventOrderError`).
 */
export function sliceByCount(options: SliceByCountOptions): OperatorFunction<EventPacket, EventSlice> {
  const config = resolveSliceByCountOptions(options);
  return collectingOperator<CountSliceState, EventSlice>(
    () => new CountSliceState(config),
    countSlicesInto,
    flushCountSlices,
  );
}
