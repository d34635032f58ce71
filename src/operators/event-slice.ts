import type { EventPacket } from '../events/packet.ts';

/**
 * A slice of the stream: the events with startUs ≤ t < endUs (half-open, sensor µs), emitted by
 * the time and count slicers. For time slices the bounds are the nominal window; for count slices
 * they are [first event's t, last event's t + 1).
 */
export interface EventSlice {
  readonly startUs: number;
  readonly endUs: number;
  /** The events; its `arrivalMs` is that of the latest input packet contributing an event. */
  readonly packet: EventPacket;
}
