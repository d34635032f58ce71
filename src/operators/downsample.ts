import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type DownsampleDivisors, downsampledGeometry, downsampleInto } from './kernels/downsample.ts';
import { requireOptionsObject, requirePositiveInteger } from './options.ts';
import { packetOperator } from './packet-operator.ts';

export interface DownsampleOptions {
  /** Integer divisor for both axes: x' = ⌊x / divisor⌋. Default 2 (divisor 2^k = x >> k). */
  divisor?: number;
  /** Divisor for x only; default `divisor`. */
  divisorX?: number;
  /** Divisor for y only; default `divisor`. */
  divisorY?: number;
}

function resolve(options: DownsampleOptions | undefined): DownsampleDivisors {
  requireOptionsObject('downsample', options, true);
  const divisor = requirePositiveInteger('divisor', options?.divisor ?? 2);
  const divisorX = requirePositiveInteger('divisorX', options?.divisorX ?? divisor);
  const divisorY = requirePositiveInteger('divisorY', options?.divisorY ?? divisor);
  return Object.freeze({ divisorX, divisorY });
}

/**
 * Maps every event to a coarser grid: x' = ⌊x / divisorX⌋, y' = ⌊y / divisorY⌋. Keeps every
 * event (no deduplication), so rates per target pixel add up.
 */
export function downsample(options?: DownsampleOptions): MonoTypeOperatorFunction<EventPacket> {
  const divisors = resolve(options);
  return packetOperator(() => (src, out) => downsampleInto(src, divisors, out));
}

/** Geometry after `downsample(options)`: ⌈W / divisorX⌉ × ⌈H / divisorY⌉. */
export function downsampleGeometry(
  geometry: { width: number; height: number },
  options?: DownsampleOptions,
): { width: number; height: number } {
  return downsampledGeometry(geometry.width, geometry.height, resolve(options));
}
