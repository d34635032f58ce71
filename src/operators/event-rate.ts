import { collectingOperator } from './packet-operator.ts';
import type { OperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { EventRateState, eventRateInto, type RateSample } from './kernels/event-rate.ts';
import {
  requireCountOrInfinity,
  requireFinite,
  requireOptionsObject,
  requirePositiveInteger,
} from './options.ts';

export type { RateSample } from './kernels/event-rate.ts';

export interface EventRateOptions {
  /** Sliding window, µs (integer ≥ 1, a multiple of periodUs). Default 1 000 000 (1 s). */
  windowUs?: number;
  /** One sample per period, µs (integer ≥ 1). Default windowUs / 10 when that is an integer, else windowUs. */
  periodUs?: number;
  /** Start of the first period, sensor µs. Default: the first event's time. Earlier events are ignored. */
  startUs?: number;
  /**
   * At most this many zero-count samples in a row (integer ≥ 1 or Infinity); the rest of a longer
   * gap is skipped and sampling resumes at the next event's period, so a corrupt timestamp jump
   * cannot flood the pipeline. Default 10 000.
   */
  maxQuietSamples?: number;
}

/**
 * Event-rate monitor: emits a `RateSample` (events per second over the last `windowUs`) at the end
 * of every `periodUs` of sensor time, including zero-rate samples across gaps. Time comes from
 * `tUs`, never the wall clock, so replays give the same samples at any speed. The open period at
 * completion is not reported (its length is unknown). Time going backwards is an error
 * (`EventOrderError`).
 */
export function eventRate(options?: EventRateOptions): OperatorFunction<EventPacket, RateSample> {
  requireOptionsObject('eventRate', options, true);
  const windowUs = requirePositiveInteger('windowUs', options?.windowUs ?? 1_000_000);
  const defaultPeriod = windowUs % 10 === 0 ? windowUs / 10 : windowUs;
  const periodUs = requirePositiveInteger('periodUs', options?.periodUs ?? defaultPeriod);
  if (windowUs % periodUs !== 0) {
    throw new RangeError(`"windowUs" must be a multiple of "periodUs", got ${windowUs} and ${periodUs}`);
  }
  const startUs = options?.startUs === undefined ? undefined : requireFinite('startUs', options.startUs);
  const maxQuietSamples = requireCountOrInfinity('maxQuietSamples', options?.maxQuietSamples ?? 10_000);
  if (maxQuietSamples < 1) throw new RangeError(`"maxQuietSamples" must be ≥ 1, got ${maxQuietSamples}`);
  return collectingOperator<EventRateState, RateSample>(
    () => new EventRateState(periodUs, windowUs / periodUs, startUs, maxQuietSamples),
    eventRateInto,
  );
}
