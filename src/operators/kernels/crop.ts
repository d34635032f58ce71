/**
 * Region-of-interest crop and boolean pixel mask (Metavision RoiFilter/RoiMask, dv RegionFilter/
 * MaskFilter). Pure kernels: they read `src`, append to `out` and return the number appended.
 */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';
import { EventOutOfBoundsError } from '../errors.ts';

/** A rectangle [x0, x0 + width) × [y0, y0 + height) in sensor pixels. */
export interface CropRegion {
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
  /** True: subtract (x0, y0) so the region's corner becomes (0, 0). False: keep sensor coordinates. */
  readonly shift: boolean;
}

/** Appends the events inside `region` to `out`; returns how many. */
export function cropInto(src: EventPacket, region: CropRegion, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  const sT = src.tUs;
  const sX = src.x;
  const sY = src.y;
  const sP = src.p;
  const oT = out.tUs;
  const oX = out.x;
  const oY = out.y;
  const oP = out.p;
  const x0 = region.x0;
  const y0 = region.y0;
  const w = region.width;
  const h = region.height;
  const dx = region.shift ? x0 : 0;
  const dy = region.shift ? y0 : 0;
  let o = base;
  for (let i = 0; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    // One unsigned compare per axis: values below the origin wrap to huge numbers.
    if ((x - x0) >>> 0 < w && (y - y0) >>> 0 < h) {
      oT[o] = sT[i];
      oX[o] = x - dx;
      oY[o] = y - dy;
      oP[o] = sP[i];
      o++;
    }
  }
  out.commit(o - base);
  return o - base;
}

/** A boolean H×W lookup: `keep[y * width + x] !== 0` keeps the pixel. */
export interface PixelMask {
  readonly width: number;
  readonly height: number;
  readonly keep: Uint8Array;
}

/**
 * Appends the events on kept pixels to `out`; returns how many. An event outside the mask's
 * geometry commits the events before it and throws `EventOutOfBoundsError`.
 */
export function maskInto(src: EventPacket, mask: PixelMask, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  const sT = src.tUs;
  const sX = src.x;
  const sY = src.y;
  const sP = src.p;
  const oT = out.tUs;
  const oX = out.x;
  const oY = out.y;
  const oP = out.p;
  const w = mask.width;
  const h = mask.height;
  const keep = mask.keep;
  let o = base;
  let i = 0;
  for (; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    if (x >= w || y >= h) break;
    if (keep[y * w + x] !== 0) {
      oT[o] = sT[i];
      oX[o] = x;
      oY[o] = y;
      oP[o] = sP[i];
      o++;
    }
  }
  out.commit(o - base);
  if (i < n) throw new EventOutOfBoundsError('mask', i, sX[i], sY[i], w, h);
  return o - base;
}
