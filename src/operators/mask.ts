import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type SensorGeometry, validateGeometry } from './geometry.ts';
import { maskInto, type PixelMask } from './kernels/crop.ts';
import { requireOptionsObject } from './options.ts';
import { packetOperator } from './packet-operator.ts';

export interface MaskOptions {
  /** Sensor geometry the mask covers (a StreamInfo will do). */
  geometry: SensorGeometry;
  /**
   * width × height entries, row-major (index y·width + x): non-zero keeps the pixel's events,
   * zero drops them. Copied when the operator is created, so later changes have no effect.
   */
  keep: ArrayLike<number>;
}

/**
 * Keeps the events on pixels the mask keeps. An event outside the geometry is an error
 * (`EventOutOfBoundsError`), emitted after the kept events before it.
 */
export function mask(options: MaskOptions): MonoTypeOperatorFunction<EventPacket> {
  requireOptionsObject('mask', options, false);
  const { width, height } = validateGeometry('geometry', options.geometry);
  const source = options.keep;
  if (source === null || typeof source !== 'object' || typeof source.length !== 'number') {
    throw new TypeError(`"keep" must be an array or typed array, got ${String(source)}`);
  }
  if (source.length !== width * height) {
    throw new RangeError(`"keep" must have width × height = ${width * height} entries, got ${source.length}`);
  }
  const keep = new Uint8Array(width * height);
  for (let k = 0; k < keep.length; k++) keep[k] = source[k] ? 1 : 0;
  const pixelMask: PixelMask = Object.freeze({ width, height, keep });
  return packetOperator(() => (src, out) => maskInto(src, pixelMask, out));
}
