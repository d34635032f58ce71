import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type SensorGeometry, validateGeometry } from './geometry.ts';
import { createRelativeHotPixelState, hotPixelRelativeInto } from './kernels/hot-pixel.ts';
import { requireOptionsObject, requirePositiveFinite, requirePositiveInteger } from './options.ts';
import { packetOperator } from './packet-operator.ts';

export interface RelativeHotPixelOptions {
  /** Sensor geometry (a StreamInfo will do). */
  geometry: SensorGeometry;
  /** A pixel is hot in a packet when its count > ratio × its busiest 4-neighbour's count. Default 3. */
  ratio?: number;
  /** Pixels with fewer events than this in the packet are never judged hot. Default 3. */
  minCount?: number;
}

/**
 * Per-packet relative hot-pixel filter (Faery filter_hot_pixels style): drops, within each packet,
 * the events of pixels much busier than all their 4 neighbours. Needs no calibration, but the
 * result depends on packet boundaries; cut the stream into regular slices first (for example with
 * `sliceByTime`) for reproducible results. An event outside the geometry is an error
 * (`EventOutOfBoundsError`), emitted after the events before it.
 */
export function hotPixelRelative(options: RelativeHotPixelOptions): MonoTypeOperatorFunction<EventPacket> {
  requireOptionsObject('hotPixelRelative', options, false);
  const { width, height } = validateGeometry('geometry', options.geometry);
  const ratio = requirePositiveFinite('ratio', options.ratio ?? 3);
  const minCount = requirePositiveInteger('minCount', options.minCount ?? 3);
  return packetOperator(() => {
    const state = createRelativeHotPixelState(width, height, ratio, minCount);
    return (src, out) => hotPixelRelativeInto(src, state, out);
  });
}
