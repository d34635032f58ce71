/**
 * A small, bounds-checked FlatBuffers reader for the few AEDAT 4 tables we need (IOHeader,
 * EventPacket, FileDataTable), and layout helpers for writing them.
 *
 * FlatBuffers facts used here: a buffer starts with a uint32 root offset and an optional 4-byte
 * file identifier; a table starts with an int32 soffset to its vtable (vtable = table - soffset);
 * a vtable is uint16 vtableSize, uint16 tableSize, then one uint16 field offset per field (0 =
 * absent, use the default); references (strings, vectors, sub-tables) are uint32 offsets
 * relative to where they are stored and always point forward. All little-endian.
 *
 * Every read is checked against the buffer, so a corrupt buffer raises a FlatBufferError naming
 * the field and byte offset instead of reading garbage or throwing a RangeError.
 */

/** A structural problem in a FlatBuffer; `offset` is relative to the start of the view's bytes. */
export class FlatBufferError extends Error {
  readonly field: string;
  readonly offset: number;
  constructor(field: string, offset: number, message: string) {
    super(`${field}: ${message} (at byte ${offset})`);
    this.name = 'FlatBufferError';
    this.field = field;
    this.offset = offset;
  }
}

/** A read-only view on one FlatBuffer (without its size prefix) inside a larger byte array. */
export class FlatView {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Byte length of the buffer. */
  readonly length: number;

  /** `bytes` is exactly the FlatBuffer (root offset first). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }

  private need(pos: number, size: number, field: string): void {
    if (!(pos >= 0 && pos + size <= this.length)) {
      throw new FlatBufferError(field, pos, `needs ${size} bytes but the buffer has ${this.length}`);
    }
  }

  u8(pos: number, field: string): number {
    this.need(pos, 1, field);
    return this.bytes[pos];
  }
  u16(pos: number, field: string): number {
    this.need(pos, 2, field);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number, field: string): number {
    this.need(pos, 4, field);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number, field: string): number {
    this.need(pos, 4, field);
    return this.view.getUint32(pos, true);
  }
  /** int64 as a Number; exact up to 2^53 in magnitude. */
  i64(pos: number, field: string): number {
    this.need(pos, 8, field);
    return this.view.getInt32(pos + 4, true) * 4294967296 + this.view.getUint32(pos, true);
  }

  /** The 4-byte file identifier (bytes 4..7), or '' if the buffer is too short. */
  identifier(): string {
    if (this.length < 8) return '';
    return String.fromCharCode(this.bytes[4], this.bytes[5], this.bytes[6], this.bytes[7]);
  }

  /** Position of the root table. */
  root(): number {
    const pos = this.u32(0, 'root offset');
    this.need(pos, 4, 'root table');
    return pos;
  }

  /** Position of a field's value in a table, or 0 when the field is absent. */
  field(table: number, id: number, name: string): number {
    const vtable = table - this.i32(table, `${name} (table soffset)`);
    const vtableSize = this.u16(vtable, `${name} (vtable size)`);
    const slot = 4 + 2 * id;
    if (slot + 2 > vtableSize) return 0;
    const rel = this.u16(vtable + slot, `${name} (vtable entry)`);
    if (rel === 0) return 0;
    const tableSize = this.u16(vtable + 2, `${name} (table size)`);
    if (rel >= tableSize) throw new FlatBufferError(name, vtable + slot, `field offset ${rel} outside table`);
    return table + rel;
  }

  int32Field(table: number, id: number, name: string, fallback: number): number {
    const pos = this.field(table, id, name);
    return pos === 0 ? fallback : this.i32(pos, name);
  }

  int64Field(table: number, id: number, name: string, fallback: number): number {
    const pos = this.field(table, id, name);
    return pos === 0 ? fallback : this.i64(pos, name);
  }

  /** Follows a uoffset stored at `pos`. */
  deref(pos: number, name: string): number {
    const target = pos + this.u32(pos, name);
    this.need(target, 4, name);
    return target;
  }

  /** A string field decoded as UTF-8, or undefined when absent. */
  stringField(table: number, id: number, name: string): string | undefined {
    const pos = this.field(table, id, name);
    if (pos === 0) return undefined;
    const str = this.deref(pos, name);
    const len = this.u32(str, `${name} (length)`);
    this.need(str + 4, len, name);
    return new TextDecoder().decode(this.bytes.subarray(str + 4, str + 4 + len));
  }

  /**
   * A vector field: position of its first element and its length, or undefined when absent.
   * `elementSize` is used to check that the whole vector lies inside the buffer.
   */
  vectorField(
    table: number,
    id: number,
    name: string,
    elementSize: number,
  ): { start: number; count: number } | undefined {
    const pos = this.field(table, id, name);
    if (pos === 0) return undefined;
    const vec = this.deref(pos, name);
    const count = this.u32(vec, `${name} (length)`);
    if (count * elementSize > this.length - vec - 4) {
      throw new FlatBufferError(name, vec, `vector of ${count} × ${elementSize} bytes overruns the buffer`);
    }
    return { start: vec + 4, count };
  }
}

/** Little-endian writes into a byte array (writers build buffers front to back). */
export class ByteWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(pos: number, v: number): void {
    this.view.setUint16(pos, v, true);
  }
  i32(pos: number, v: number): void {
    this.view.setInt32(pos, v, true);
  }
  u32(pos: number, v: number): void {
    this.view.setUint32(pos, v, true);
  }
  i64(pos: number, v: number): void {
    writeInt64(this.view, pos, v);
  }
  ascii(pos: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.bytes[pos + i] = s.charCodeAt(i);
  }
}

/** Writes an integer-valued Number (|v| < 2^53) as int64 LE. */
export function writeInt64(view: DataView, pos: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296;
  view.setUint32(pos, lo, true);
  view.setInt32(pos + 4, hi, true);
}

/** Rounds `n` up to a multiple of `align` (a power of two). */
export function alignUp(n: number, align: number): number {
  return (n + align - 1) & ~(align - 1);
}
