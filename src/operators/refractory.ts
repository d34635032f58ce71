import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type SensorGeometry, validateGeometry } from './geometry.ts';
import { createRefractoryState, type RefractoryUpdate, refractoryInto } from './kernels/refractory.ts';
import { requireOneOf, requireOptionsObject, requirePositiveFinite } from './options.ts';
import { packetOperator } from './packet-operator.ts';

export interface RefractoryOptions {
  /** Sensor geometry (a StreamInfo will do); sizes the per-pixel time map. */
  geometry: SensorGeometry;
  /** Refractory period, µs (> 0): an event is dropped when its pixel fired less than this before. */
  periodUs: number;
  /**
   * Which events update a pixel's last time. `'all'` (default, as Tonic RefractoryPeriod): every
   * event, so a pixel firing faster than the period stays silent until it pauses. `'pass'`: only
   * events that pass, so a steady burst yields one event per period.
   */
  updateOn?: RefractoryUpdate;
}

/**
 * Per-pixel refractory filter. State (one Float64Array of width × height times) is created per
 * subscription and carries across packets. An event outside the geometry is an error
 * (`EventOutOfBoundsError`), emitted after the events before it.
 */
export function refractory(options: RefractoryOptions): MonoTypeOperatorFunction<EventPacket> {
  requireOptionsObject('refractory', options, false);
  const { width, height } = validateGeometry('geometry', options.geometry);
  const periodUs = requirePositiveFinite('periodUs', options.periodUs);
  const updateOn = requireOneOf('updateOn', options.updateOn ?? 'all', ['all', 'pass'] as const);
  return packetOperator(() => {
    const state = createRefractoryState(width, height, periodUs, updateOn);
    return (src, out) => refractoryInto(src, state, out);
  });
}
