/**
 * Background-activity noise filter, jAER BackgroundActivityFilter style.
 *
 * Pixels are grouped into cells of 2^subsampleShift × 2^subsampleShift. Each event writes its time
 * into the 8 neighbouring cells (not its own); an event passes when its own cell was written within
 * `dtUs` (t − support ≤ dtUs), i.e. when some neighbouring cell fired recently. The test is one
 * lookup and the update 8 stores, with no bounds checks thanks to a one-cell border of padding.
 * Pixels in the same cell do not support each other.
 */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';
import { EventOutOfBoundsError } from '../errors.ts';

export interface BackgroundActivityState {
  readonly width: number;
  readonly height: number;
  readonly dtUs: number;
  readonly subsampleShift: number;
  /** Cells per padded row: ⌈width / 2^shift⌉ + 2. */
  readonly stride: number;
  /** Last support time per padded cell, −∞ before any support. */
  readonly supportUs: Float64Array;
}

export function createBackgroundActivityState(
  width: number,
  height: number,
  dtUs: number,
  subsampleShift: number,
): BackgroundActivityState {
  const cellsX = Math.ceil(width / 2 ** subsampleShift);
  const cellsY = Math.ceil(height / 2 ** subsampleShift);
  const stride = cellsX + 2;
  const supportUs = new Float64Array(stride * (cellsY + 2)).fill(Number.NEGATIVE_INFINITY);
  return { width, height, dtUs, subsampleShift, stride, supportUs };
}

/**
 * Appends the events with recent neighbour support to `out`; returns how many. An event outside
 * the geometry commits the events before it and throws `EventOutOfBoundsError`.
 */
export function backgroundActivityInto(
  src: EventPacket,
  state: BackgroundActivityState,
  out: PacketBuilder,
): number {
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
  const w = state.width;
  const h = state.height;
  const dt = state.dtUs;
  const shift = state.subsampleShift;
  const stride = state.stride;
  const support = state.supportUs;
  let o = base;
  let i = 0;
  for (; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    if (x >= w || y >= h) break;
    const t = sT[i];
    const k = ((y >> shift) + 1) * stride + (x >> shift) + 1;
    // Write unconditionally and advance only on pass (o ≤ base + i stays inside the reserved room).
    oT[o] = t;
    oX[o] = x;
    oY[o] = y;
    oP[o] = sP[i];
    o += t - support[k] <= dt ? 1 : 0;
    const up = k - stride;
    const down = k + stride;
    support[up - 1] = t;
    support[up] = t;
    support[up + 1] = t;
    support[k - 1] = t;
    support[k + 1] = t;
    support[down - 1] = t;
    support[down] = t;
    support[down + 1] = t;
  }
  out.commit(o - base);
  if (i < n) throw new EventOutOfBoundsError('backgroundActivity', i, sX[i], sY[i], w, h);
  return o - base;
}
