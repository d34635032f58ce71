/**
 * Spatial downsampling by integer divisors: x' = ⌊x / dx⌋, y' = ⌊y / dy⌋ (Tonic Downsample with
 * spatial_factor = 1/d; for d = 2^k this is x >> k). Several source pixels map to one target
 * pixel; events are not deduplicated.
 */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';

export interface DownsampleDivisors {
  /** Integer ≥ 1. */
  readonly divisorX: number;
  /** Integer ≥ 1. */
  readonly divisorY: number;
}

/** Appends every event of `src` with downsampled coordinates to `out`; returns how many. */
export function downsampleInto(src: EventPacket, divisors: DownsampleDivisors, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  const dx = divisors.divisorX;
  const dy = divisors.divisorY;
  const sX = src.x;
  const sY = src.y;
  const oX = out.x;
  const oY = out.y;
  // Integer division of values < 2^16 by an integer is exact in float64, so |0 floors correctly.
  for (let i = 0; i < n; i++) {
    oX[base + i] = (sX[i] / dx) | 0;
    oY[base + i] = (sY[i] / dy) | 0;
  }
  out.tUs.set(src.tUs.subarray(0, n), base);
  out.p.set(src.p.subarray(0, n), base);
  out.commit(n);
  return n;
}

/** Target geometry for a source geometry: ⌈W / dx⌉ × ⌈H / dy⌉. */
export function downsampledGeometry(
  width: number,
  height: number,
  divisors: DownsampleDivisors,
): { width: number; height: number } {
  return { width: Math.ceil(width / divisors.divisorX), height: Math.ceil(height / divisors.divisorY) };
}
