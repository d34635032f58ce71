/**
 * Refractory filter (jAER RefractoryFilter, Tonic RefractoryPeriod): per pixel, drop an event when
 * t − t_last(pixel) < periodUs.
 *
 * Two variants, chosen by `updateOn`:
 * - `'all'` (Tonic): t_last is updated by every event, passed or dropped, so a pixel that keeps
 *   firing faster than the period stays silent until it pauses for a whole period.
 * - `'pass'`: t_last is updated only by events that pass, so a burst yields one event per period.
 */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';
import { EventOutOfBoundsError } from '../errors.ts';

export type RefractoryUpdate = 'all' | 'pass';

export interface RefractoryState {
  readonly width: number;
  readonly height: number;
  readonly periodUs: number;
  readonly updateOnPassOnly: boolean;
  /** Last time per pixel (index y·width + x), −∞ before the first event. */
  readonly lastUs: Float64Array;
}

export function createRefractoryState(
  width: number,
  height: number,
  periodUs: number,
  updateOn: RefractoryUpdate,
): RefractoryState {
  const lastUs = new Float64Array(width * height).fill(Number.NEGATIVE_INFINITY);
  return { width, height, periodUs, updateOnPassOnly: updateOn === 'pass', lastUs };
}

/**
 * Appends the events that pass to `out` and updates the per-pixel times; returns how many passed.
 * An event outside the geometry commits the events before it and throws `EventOutOfBoundsError`.
 */
export function refractoryInto(src: EventPacket, state: RefractoryState, out: PacketBuilder): number {
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
  const period = state.periodUs;
  const updateAlways = !state.updateOnPassOnly;
  const last = state.lastUs;
  let o = base;
  let i = 0;
  for (; i < n; i++) {
    const x = sX[i];
    const y = sY[i];
    if (x >= w || y >= h) break;
    const k = y * w + x;
    const t = sT[i];
    const pass = t - last[k] >= period;
    if (pass || updateAlways) last[k] = t;
    // Write unconditionally and advance only on pass: no unpredictable branch around the stores
    // (o ≤ base + i, so the slot is inside the reserved room).
    oT[o] = t;
    oX[o] = x;
    oY[o] = y;
    oP[o] = sP[i];
    o += pass ? 1 : 0;
  }
  out.commit(o - base);
  if (i < n) throw new EventOutOfBoundsError('refractory', i, sX[i], sY[i], w, h);
  return o - base;
}
