/**
 * Events as struct-of-arrays (DESIGN.md §2).
 *
 * All four columns of a packet are views on one ArrayBuffer, largest element type first
 * (tUs, x, y, p), so every view is naturally aligned and the packet moves as one buffer.
 */

/** A batch of events. Immutable once emitted; entries at index >= length are unused. */
export interface EventPacket {
  readonly length: number;
  /** Microseconds, integer-valued, non-decreasing within a stream (exact to 2^53 µs). */
  readonly tUs: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  /** Polarity: 1 = ON (brighter), 0 = OFF. */
  readonly p: Uint8Array;
  /**
   * Wall clock (performance.now(), ms) when the bytes of this packet arrived in the process.
   * Set by drivers, never by decoders; used for `pipelineUs` latency.
   */
  readonly arrivalMs?: number;
}

/** Bytes per event across the four columns. */
export const BYTES_PER_EVENT = 8 + 2 + 2 + 1;

/** The four columns of a packet with room for `capacity` events, carved from one ArrayBuffer. */
export interface PacketColumns {
  readonly capacity: number;
  readonly tUs: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  readonly p: Uint8Array;
}

export function allocateColumns(capacity: number): PacketColumns {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`"capacity" must be a non-negative integer, got ${capacity}`);
  }
  const tBytes = capacity * 8;
  const xyBytes = capacity * 2;
  const buffer = new ArrayBuffer(tBytes + 2 * xyBytes + capacity);
  return {
    capacity,
    tUs: new Float64Array(buffer, 0, capacity),
    x: new Uint16Array(buffer, tBytes, capacity),
    y: new Uint16Array(buffer, tBytes + xyBytes, capacity),
    p: new Uint8Array(buffer, tBytes + 2 * xyBytes, capacity),
  };
}

/** A packet of `length` events viewing the given columns (no copy). */
export function packetOf(columns: PacketColumns, length: number): EventPacket {
  if (length > columns.capacity) {
    throw new RangeError(`packet length ${length} exceeds column capacity ${columns.capacity}`);
  }
  return { length, tUs: columns.tUs, x: columns.x, y: columns.y, p: columns.p };
}

const EMPTY_COLUMNS = allocateColumns(0);

/** The shared empty packet. */
export const EMPTY_PACKET: EventPacket = packetOf(EMPTY_COLUMNS, 0);

/** Builds a packet from plain arrays (tests, small tools). */
export function packetFromArrays(
  tUs: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
): EventPacket {
  const n = tUs.length;
  if (x.length !== n || y.length !== n || p.length !== n) {
    throw new RangeError(`column lengths differ: t ${n}, x ${x.length}, y ${y.length}, p ${p.length}`);
  }
  const c = allocateColumns(n);
  for (let i = 0; i < n; i++) {
    c.tUs[i] = tUs[i];
    c.x[i] = x[i];
    c.y[i] = y[i];
    c.p[i] = p[i];
  }
  return packetOf(c, n);
}

/** Copies events [start, end) of a packet into a new compact packet. */
export function slicePacket(packet: EventPacket, start: number, end: number): EventPacket {
  const s = Math.max(0, Math.min(start, packet.length));
  const e = Math.max(s, Math.min(end, packet.length));
  const n = e - s;
  if (n === 0) return EMPTY_PACKET;
  const c = allocateColumns(n);
  c.tUs.set(packet.tUs.subarray(s, e));
  c.x.set(packet.x.subarray(s, e));
  c.y.set(packet.y.subarray(s, e));
  c.p.set(packet.p.subarray(s, e));
  return packetOf(c, n);
}

/** Concatenates packets into one compact packet. */
export function concatPackets(packets: readonly EventPacket[]): EventPacket {
  let n = 0;
  for (const pk of packets) n += pk.length;
  if (n === 0) return EMPTY_PACKET;
  const c = allocateColumns(n);
  let o = 0;
  for (const pk of packets) {
    const m = pk.length;
    c.tUs.set(pk.tUs.subarray(0, m), o);
    c.x.set(pk.x.subarray(0, m), o);
    c.y.set(pk.y.subarray(0, m), o);
    c.p.set(pk.p.subarray(0, m), o);
    o += m;
  }
  return packetOf(c, n);
}

/** True when both packets hold the same events (columns compared up to length). */
export function packetsEqual(a: EventPacket, b: EventPacket): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a.tUs[i] !== b.tUs[i] || a.x[i] !== b.x[i] || a.y[i] !== b.y[i] || a.p[i] !== b.p[i]) return false;
  }
  return true;
}

/** Plain-array view of a packet, for tests and JSON. */
export function packetToArrays(packet: EventPacket): { t: number[]; x: number[]; y: number[]; p: number[] } {
  const n = packet.length;
  return {
    t: Array.from(packet.tUs.subarray(0, n)),
    x: Array.from(packet.x.subarray(0, n)),
    y: Array.from(packet.y.subarray(0, n)),
    p: Array.from(packet.p.subarray(0, n)),
  };
}
