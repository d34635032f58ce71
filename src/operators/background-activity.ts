import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type SensorGeometry, validateGeometry } from './geometry.ts';
import { backgroundActivityInto, createBackgroundActivityState } from './kernels/background-activity.ts';
import { requireNonNegativeInteger, requireOptionsObject, requirePositiveFinite } from './options.ts';
import { packetOperator } from './packet-operator.ts';

export interface BackgroundActivityOptions {
  /** Sensor geometry (a StreamInfo will do); sizes the per-cell time map. */
  geometry: SensorGeometry;
  /** Support window, µs (> 0): an event passes when a neighbour fired at most this long before. Default 2000. */
  dtUs?: number;
  /**
   * Cells of 2^k × 2^k pixels share one time entry (jAER's subsampleBy); default 0 (per pixel).
   * Larger cells let sparser activity support itself. At most 15.
   */
  subsampleShift?: number;
}

/**
 * Background-activity noise filter (jAER BackgroundActivityFilter): keeps an event only when one of
 * the 8 neighbouring cells had an event within `dtUs` before it. State carries across packets and
 * is created per subscription. An event outside the geometry is an error
 * (`EventOutOfBoundsError`), emitted after the events before it.
 */
export function backgroundActivity(
  options: BackgroundActivityOptions,
): MonoTypeOperatorFunction<EventPacket> {
  requireOptionsObject('backgroundActivity', options, false);
  const { width, height } = validateGeometry('geometry', options.geometry);
  const dtUs = requirePositiveFinite('dtUs', options.dtUs ?? 2000);
  const subsampleShift = requireNonNegativeInteger('subsampleShift', options.subsampleShift ?? 0);
  if (subsampleShift > 15) throw new RangeError(`"subsampleShift" must be ≤ 15, got ${subsampleShift}`);
  return packetOperator(() => {
    const state = createBackgroundActivityState(width, height, dtUs, subsampleShift);
    return (src, out) => backgroundActivityInto(src, state, out);
  });
}
