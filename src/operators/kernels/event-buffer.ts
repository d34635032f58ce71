/**
 * A growable, time-ordered FIFO of events for the windowing kernels: events are appended at the
 * back, consumed from the front (by moving a head index, compacted once per append), and copied out
 * as compact packets. It also remembers, per appended packet, where that packet's events end and
 * its `arrivalMs`, so a slice can carry the arrival time of its latest contributor.
 */
import {
  allocateColumns,
  EMPTY_PACKET,
  type EventPacket,
  type PacketColumns,
  packetOf,
} from '../../events/packet.ts';

export class EventBuffer {
  private columns: PacketColumns;
  private head = 0;
  private tail = 0;
  /** Absolute sequence number of columns[0]; absolute = sequenceBase + column index. */
  private sequenceBase = 0;
  /** Per appended packet: absolute end sequence number, and arrivalMs (NaN when unknown). */
  private chunkEnds: number[] = [];
  private chunkArrivals: number[] = [];

  constructor(initialCapacity = 1024) {
    this.columns = allocateColumns(initialCapacity);
  }

  /** Events held. */
  get size(): number {
    return this.tail - this.head;
  }

  /** Time of the i-th held event (0 = oldest). */
  timeAt(i: number): number {
    return this.columns.tUs[this.head + i];
  }

  /** Time of the newest held event, or −∞ when empty. */
  get lastT(): number {
    return this.tail > this.head ? this.columns.tUs[this.tail - 1] : Number.NEGATIVE_INFINITY;
  }

  /**
   * Appends events [0, src.length) as long as time does not decrease (nor is NaN) relative to
   * `previousUs` and to each other. Returns how many were appended: src.length unless an event
   * broke the order, whose index is then the return value.
   */
  append(src: EventPacket, previousUs: number): number {
    const n = src.length;
    this.compactAndReserve(n);
    const c = this.columns;
    const sT = src.tUs;
    const base = this.tail;
    let prev = previousUs;
    let m = 0;
    for (; m < n; m++) {
      const t = sT[m];
      if (!(t >= prev)) break;
      c.tUs[base + m] = t;
      prev = t;
    }
    c.x.set(src.x.subarray(0, m), base);
    c.y.set(src.y.subarray(0, m), base);
    c.p.set(src.p.subarray(0, m), base);
    this.tail += m;
    if (m > 0) {
      this.chunkEnds.push(this.sequenceBase + this.tail);
      this.chunkArrivals.push(src.arrivalMs ?? Number.NaN);
    }
    return m;
  }

  /** Index (0 = oldest held) of the first held event with t ≥ value, or size when none. */
  lowerBound(value: number): number {
    const t = this.columns.tUs;
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  /** Drops the `count` oldest events. */
  discard(count: number): void {
    this.head += Math.min(count, this.size);
    const headSeq = this.sequenceBase + this.head;
    let drop = 0;
    while (drop < this.chunkEnds.length && this.chunkEnds[drop] <= headSeq) drop++;
    if (drop > 0) {
      this.chunkEnds.splice(0, drop);
      this.chunkArrivals.splice(0, drop);
    }
  }

  /** Copies held events [from, to) into a new compact packet carrying its latest arrival time. */
  copy(from: number, to: number): EventPacket {
    const n = to - from;
    if (n <= 0) return EMPTY_PACKET;
    const s = this.head + from;
    const e = this.head + to;
    const c = this.columns;
    const dst = allocateColumns(n);
    dst.tUs.set(c.tUs.subarray(s, e));
    dst.x.set(c.x.subarray(s, e));
    dst.y.set(c.y.subarray(s, e));
    dst.p.set(c.p.subarray(s, e));
    const packet = packetOf(dst, n);
    const arrivalMs = this.arrivalOf(this.sequenceBase + e - 1);
    return Number.isNaN(arrivalMs) ? packet : { ...packet, arrivalMs };
  }

  private arrivalOf(sequence: number): number {
    const ends = this.chunkEnds;
    for (let k = 0; k < ends.length; k++) {
      if (sequence < ends[k]) return this.chunkArrivals[k];
    }
    return Number.NaN;
  }

  /** Moves held events to the front of the columns and grows them to fit `extra` more. */
  private compactAndReserve(extra: number): void {
    const size = this.size;
    let c = this.columns;
    if (size + extra > c.capacity) {
      let cap = Math.max(16, c.capacity * 2);
      while (cap < size + extra) cap *= 2;
      const next = allocateColumns(cap);
      next.tUs.set(c.tUs.subarray(this.head, this.tail));
      next.x.set(c.x.subarray(this.head, this.tail));
      next.y.set(c.y.subarray(this.head, this.tail));
      next.p.set(c.p.subarray(this.head, this.tail));
      this.columns = c = next;
    } else if (this.head > 0) {
      c.tUs.copyWithin(0, this.head, this.tail);
      c.x.copyWithin(0, this.head, this.tail);
      c.y.copyWithin(0, this.head, this.tail);
      c.p.copyWithin(0, this.head, this.tail);
    } else {
      return;
    }
    this.sequenceBase += this.head;
    this.head = 0;
    this.tail = size;
  }
}
