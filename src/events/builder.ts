import { allocateColumns, EMPTY_PACKET, type EventPacket, type PacketColumns, packetOf } from './packet.ts';

/**
 * Growable packet builder for decoders and operators.
 *
 * `push` appends one event and grows the columns geometrically. `take()` hands the events out
 * as an immutable packet and starts fresh columns, so an emitted packet is never written again.
 * Hot loops may write the columns directly: call `reserve(n)`, write at `length..length+n`,
 * then `commit(n)`.
 */
export class PacketBuilder {
  private columns: PacketColumns;
  private count = 0;
  private readonly initialCapacity: number;

  constructor(initialCapacity = 4096) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
      throw new RangeError(`"initialCapacity" must be a positive integer, got ${initialCapacity}`);
    }
    this.initialCapacity = initialCapacity;
    this.columns = allocateColumns(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  /** Current writable columns; valid until the next reserve/push/take. */
  get tUs(): Float64Array {
    return this.columns.tUs;
  }
  get x(): Uint16Array {
    return this.columns.x;
  }
  get y(): Uint16Array {
    return this.columns.y;
  }
  get p(): Uint8Array {
    return this.columns.p;
  }

  /** Timestamp of the last event pushed, or -Infinity when empty. */
  get lastT(): number {
    return this.count > 0 ? this.columns.tUs[this.count - 1] : Number.NEGATIVE_INFINITY;
  }

  push(tUs: number, x: number, y: number, p: number): void {
    if (this.count === this.columns.capacity) this.grow(this.count + 1);
    const i = this.count;
    const c = this.columns;
    c.tUs[i] = tUs;
    c.x[i] = x;
    c.y[i] = y;
    c.p[i] = p;
    this.count = i + 1;
  }

  /** Ensures room for `n` more events. */
  reserve(n: number): void {
    if (this.count + n > this.columns.capacity) this.grow(this.count + n);
  }

  /** Marks `n` events written directly into the columns as part of the packet. */
  commit(n: number): void {
    if (this.count + n > this.columns.capacity) {
      throw new RangeError(`commit(${n}) past capacity ${this.columns.capacity} at length ${this.count}`);
    }
    this.count += n;
  }

  /** Drops the last `n` events (used when a decoder rewinds a partial record). */
  truncate(length: number): void {
    if (length < 0 || length > this.count)
      throw new RangeError(`truncate(${length}) outside [0, ${this.count}]`);
    this.count = length;
  }

  /** Returns the events so far as a packet and starts an empty one. */
  take(): EventPacket {
    if (this.count === 0) return EMPTY_PACKET;
    const packet = packetOf(this.columns, this.count);
    const next = Math.max(this.initialCapacity, Math.min(this.columns.capacity, 1 << 16));
    this.columns = allocateColumns(next);
    this.count = 0;
    return packet;
  }

  private grow(minCapacity: number): void {
    let cap = Math.max(this.columns.capacity * 2, 16);
    while (cap < minCapacity) cap *= 2;
    const next = allocateColumns(cap);
    const n = this.count;
    const c = this.columns;
    next.tUs.set(c.tUs.subarray(0, n));
    next.x.set(c.x.subarray(0, n));
    next.y.set(c.y.subarray(0, n));
    next.p.set(c.p.subarray(0, n));
    this.columns = next;
  }
}
