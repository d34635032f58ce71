/** Polarity select, invert and merge (Metavision PolarityFilter/Inverter, Tonic MergePolarities). */
import type { PacketBuilder } from '../../events/builder.ts';
import type { EventPacket } from '../../events/packet.ts';

/** Appends the events whose polarity equals `polarity` (0 = OFF, 1 = ON) to `out`; returns how many. */
export function selectPolarityInto(src: EventPacket, polarity: number, out: PacketBuilder): number {
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
  let o = base;
  for (let i = 0; i < n; i++) {
    if (sP[i] === polarity) {
      oT[o] = sT[i];
      oX[o] = sX[i];
      oY[o] = sY[i];
      oP[o] = polarity;
      o++;
    }
  }
  out.commit(o - base);
  return o - base;
}

/** Appends every event with ON and OFF swapped (p := 1 − p; any non-zero p counts as ON). */
export function invertPolarityInto(src: EventPacket, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  copyPositions(src, n, out, base);
  const sP = src.p;
  const oP = out.p;
  for (let i = 0; i < n; i++) oP[base + i] = sP[i] === 0 ? 1 : 0;
  out.commit(n);
  return n;
}

/** Appends every event with its polarity set to `polarity`. */
export function setPolarityInto(src: EventPacket, polarity: number, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  copyPositions(src, n, out, base);
  out.p.fill(polarity, base, base + n);
  out.commit(n);
  return n;
}

function copyPositions(src: EventPacket, n: number, out: PacketBuilder, base: number): void {
  out.tUs.set(src.tUs.subarray(0, n), base);
  out.x.set(src.x.subarray(0, n), base);
  out.y.set(src.y.subarray(0, n), base);
}
