/** Shared helpers for the operator tests: tuple-based packets, arbitraries and splitting. */
import fc from 'fast-check';
import { lastValueFrom, type Observable, from, toArray } from 'rxjs';
import { concatPackets, type EventPacket, packetFromArrays, slicePacket } from '../../src/events/packet.ts';

/** One event as a tuple [tUs, x, y, p]. */
export type Ev = readonly [t: number, x: number, y: number, p: number];

export function pk(events: readonly Ev[], arrivalMs?: number): EventPacket {
  const packet = packetFromArrays(
    events.map((e) => e[0]),
    events.map((e) => e[1]),
    events.map((e) => e[2]),
    events.map((e) => e[3]),
  );
  return arrivalMs === undefined ? packet : { ...packet, arrivalMs };
}

export function evs(packet: EventPacket): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < packet.length; i++) out.push([packet.tUs[i], packet.x[i], packet.y[i], packet.p[i]]);
  return out;
}

/** A deep snapshot of a packet's used columns, to prove an operator left its input untouched. */
export function snapshot(packet: EventPacket): Ev[] {
  return evs(packet);
}

/** Cuts a packet into pieces at the given (unsorted, repeated, out-of-range allowed) indices. */
export function splitPacket(packet: EventPacket, cuts: readonly number[]): EventPacket[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(packet.length, c))))].sort((a, b) => a - b);
  const out: EventPacket[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(slicePacket(packet, prev, p));
    prev = p;
  }
  out.push(slicePacket(packet, prev, packet.length));
  return out;
}

/** Runs packets through an operator synchronously and collects every emission. */
export async function collect<T>(
  packets: readonly EventPacket[],
  operator: (source: Observable<EventPacket>) => Observable<T>,
): Promise<T[]> {
  return lastValueFrom(from(packets).pipe(operator, toArray()));
}

/** All events of a list of packets as tuples. */
export function allEvents(packets: readonly EventPacket[]): Ev[] {
  return evs(concatPackets(packets));
}

/**
 * An arbitrary time-ordered event list on a width × height sensor: times are non-decreasing
 * integers built from small gaps (often 0, to exercise equal timestamps).
 */
export function sortedEvents(
  width: number,
  height: number,
  options: { maxLength?: number; maxGapUs?: number } = {},
): fc.Arbitrary<Ev[]> {
  const { maxLength = 200, maxGapUs = 50 } = options;
  return fc
    .tuple(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(
        fc.tuple(
          fc.oneof(fc.constant(0), fc.integer({ min: 0, max: maxGapUs })),
          fc.integer({ min: 0, max: width - 1 }),
          fc.integer({ min: 0, max: height - 1 }),
          fc.integer({ min: 0, max: 1 }),
        ),
        { maxLength },
      ),
    )
    .map(([t0, items]) => {
      let t = t0;
      return items.map(([gap, x, y, p]): Ev => {
        t += gap;
        return [t, x, y, p];
      });
    });
}

/** Arbitrary cut points for splitting a packet of up to `maxLength` events. */
export function cutPoints(maxLength = 200): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: maxLength }), { maxLength: 8 });
}
