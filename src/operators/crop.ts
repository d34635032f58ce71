import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type CropRegion, cropInto } from './kernels/crop.ts';
import {
  requireBoolean,
  requireNonNegativeInteger,
  requireOptionsObject,
  requirePositiveInteger,
} from './options.ts';
import { packetOperator } from './packet-operator.ts';

export interface CropOptions {
  /** Left edge of the region, pixels (inclusive). */
  x0: number;
  /** Top edge of the region, pixels (inclusive). */
  y0: number;
  /** Region width, pixels (≥ 1); x0 + width ≤ 65536. */
  width: number;
  /** Region height, pixels (≥ 1); y0 + height ≤ 65536. */
  height: number;
  /**
   * Default true: shift coordinates so (x0, y0) becomes (0, 0) and the output geometry is
   * width × height. False: keep sensor coordinates.
   */
  shift?: boolean;
}

/** Keeps the events inside a rectangle (ROI), optionally moving its corner to the origin. */
export function crop(options: CropOptions): MonoTypeOperatorFunction<EventPacket> {
  requireOptionsObject('crop', options, false);
  const x0 = requireNonNegativeInteger('x0', options.x0);
  const y0 = requireNonNegativeInteger('y0', options.y0);
  const width = requirePositiveInteger('width', options.width);
  const height = requirePositiveInteger('height', options.height);
  const shift = requireBoolean('shift', options.shift ?? true);
  if (x0 + width > 65536) throw new RangeError(`"x0" + "width" must be ≤ 65536, got ${x0} + ${width}`);
  if (y0 + height > 65536) throw new RangeError(`"y0" + "height" must be ≤ 65536, got ${y0} + ${height}`);
  const region: CropRegion = Object.freeze({ x0, y0, width, height, shift });
  return packetOperator(() => (src, out) => cropInto(src, region, out));
}
