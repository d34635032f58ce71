/**
 * Flips, transpose and rotations (the eight symmetries of the pixel grid), which fix sensor
 * mounting and the jAER bottom-left vs top-left conventions (Metavision FlipX/FlipY/Transpose).
 *
 * Every orientation is: optional flip in x (x := W−1−x), optional flip in y (y := H−1−y), then
 * optional transpose (swap x and y), all in the source geometry W×H.
 */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';
import { EventOutOfBoundsError } from '../errors.ts';

export interface Orientation {
  /** Source geometry. */
  readonly width: number;
  readonly height: number;
  readonly flipX: boolean;
  readonly flipY: boolean;
  readonly transpose: boolean;
}

/**
 * Appends every event of `src`, re-oriented, to `out`; returns how many. An event outside the
 * source geometry commits the events before it and throws `EventOutOfBoundsError`.
 */
export function orientInto(src: EventPacket, orientation: Orientation, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  const w = orientation.width;
  const h = orientation.height;
  // x' = ax + bx·x with (ax, bx) = (W−1, −1) for a flip, (0, 1) otherwise; the same for y.
  const ax = orientation.flipX ? w - 1 : 0;
  const bx = orientation.flipX ? -1 : 1;
  const ay = orientation.flipY ? h - 1 : 0;
  const by = orientation.flipY ? -1 : 1;
  const sX = src.x;
  const sY = src.y;
  // Transpose by writing the new x into the y column and vice versa.
  const oX = orientation.transpose ? out.y : out.x;
  const oY = orientation.transpose ? out.x : out.y;
  let o = base;
  for (let i = 0; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    if (x >= w || y >= h) break;
    oX[o] = ax + bx * x;
    oY[o] = ay + by * y;
    o++;
  }
  const written = o - base;
  out.tUs.set(src.tUs.subarray(0, written), base);
  out.p.set(src.p.subarray(0, written), base);
  out.commit(written);
  if (written < n) throw new EventOutOfBoundsError('orient', written, sX[written], sY[written], w, h);
  return written;
}

/** Geometry after applying `orientation` to its source geometry. */
export function orientedGeometry(orientation: Orientation): { width: number; height: number } {
  return orientation.transpose
    ? { width: orientation.height, height: orientation.width }
    : { width: orientation.width, height: orientation.height };
}
