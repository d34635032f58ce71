import { Observable, type OperatorFunction } from 'rxjs';
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
  return (source) =>
    new Observable<EventSlice>((subscriber) => {
      let state: CountSliceState | null = new CountSliceState(config);
      const slices: EventSlice[] = [];
      const emit = (): void => {
        for (let k = 0; k < slices.length && !subscriber.closed; k++) subscriber.next(slices[k]);
        slices.length = 0;
      };
      const subscription = source.subscribe({
        next(packet) {
          if (state === null) return;
          try {
            countSlicesInto(packet, state, slices);
          } catch (err) {
            emit();
            subscriber.error(err);
            return;
          }
          emit();
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          if (state !== null) {
            flushCountSlices(state, slices);
            emit();
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        state = null;
        slices.length = 0;
      };
    });
}
