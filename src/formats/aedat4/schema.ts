/**
 * The AEDAT 4 FlatBuffer tables we read and write, laid out by hand (no flatc, no runtime):
 *
 * - IOHeader (`IOHE`): compression:int32 (id 0, default 0), dataTablePosition:int64 (id 1,
 *   default -1), infoNode:string (id 2).
 * - EventPacket (`EVTS`): elements:[Event] (id 0), Event = struct { int64 timestamp; int16 x;
 *   int16 y; bool polarity; pad[3] } (16 bytes).
 * - FileDataTable (`FTAB`): Table:[FileDataDefinition] (id 0), FileDataDefinition = table {
 *   ByteOffset:int64 (0); PacketInfo:struct{StreamID:int32, Size:int32} (1); NumElements:int64
 *   (2); TimestampStart:int64 (3); TimestampEnd:int64 (4) }.
 *
 * Writers build size-prefixed buffers front to back: uint32 size, uint32 root offset, the
 * identifier, vtables, then tables, vectors and strings (references always point forward, as
 * FlatBuffers requires). Every scalar sits at a multiple of its size from the start of the
 * size-prefixed buffer, as flatc's builders arrange.
 */
import { alignUp, ByteWriter, type FlatView } from './flatbuffers.ts';

/** IOHeader.compression values. */
export const Compression = { NONE: 0, LZ4: 1, LZ4_HIGH: 2, ZSTD: 3, ZSTD_HIGH: 4 } as const;
export type CompressionCode = (typeof Compression)[keyof typeof Compression];

export const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  0: 'NONE',
  1: 'LZ4',
  2: 'LZ4_HIGH',
  3: 'ZSTD',
  4: 'ZSTD_HIGH',
};

export interface IoHeader {
  readonly compression: number;
  /** Absolute byte offset of the FileDataTable in the file, or -1 for none. */
  readonly dataTablePosition: number;
  readonly infoNode: string;
}

/** Reads an IOHeader FlatBuffer (without its size prefix). Throws FlatBufferError. */
export function readIoHeader(fb: FlatView): IoHeader {
  const root = fb.root();
  return {
    compression: fb.int32Field(root, 0, 'IOHeader.compression', 0),
    dataTablePosition: fb.int64Field(root, 1, 'IOHeader.dataTablePosition', -1),
    infoNode: fb.stringField(root, 2, 'IOHeader.infoNode') ?? '',
  };
}

/** Offset of dataTablePosition inside the bytes returned by writeIoHeader (size prefix included). */
export const IO_HEADER_DATA_TABLE_POSITION_OFFSET = 32;

/**
 * A size-prefixed IOHeader with every field present (dataTablePosition included, so a seekable
 * writer can patch it in place at IO_HEADER_DATA_TABLE_POSITION_OFFSET).
 */
export function writeIoHeader(header: IoHeader): Uint8Array {
  const info = new TextEncoder().encode(header.infoNode);
  const stringPos = 44;
  const total = alignUp(stringPos + 4 + info.length + 1, 8);
  const w = new ByteWriter(total);
  w.u32(0, total - 4); // size prefix
  w.u32(4, 24 - 4); // root table at 24 (offsets after the prefix are relative to byte 4)
  w.ascii(8, 'IOHE');
  // vtable at 12: 3 fields
  w.u16(12, 10);
  w.u16(14, 20);
  w.u16(16, 4); // compression at table+4
  w.u16(18, 8); // dataTablePosition at table+8
  w.u16(20, 16); // infoNode at table+16
  // table at 24
  w.i32(24, 24 - 12);
  w.i32(28, header.compression);
  w.i64(IO_HEADER_DATA_TABLE_POSITION_OFFSET, header.dataTablePosition);
  w.u32(40, stringPos - 40);
  w.u32(stringPos, info.length);
  w.bytes.set(info, stringPos + 4);
  return w.bytes;
}

/** Bytes of one Event struct in an EventPacket. */
export const EVENT_STRUCT_BYTES = 16;
/** Offset of the first Event struct in a size-prefixed EventPacket written by writeEventPacket. */
export const EVENT_PACKET_HEADER_BYTES = 32;

/**
 * Writes events [start, end) as a size-prefixed EventPacket into `out` at `pos` (which must
 * be a multiple of 8 for aligned int64s; `out` needs EVENT_PACKET_HEADER_BYTES + 16·n bytes).
 * Returns the number of bytes written.
 */
export function writeEventPacketInto(
  out: Uint8Array,
  pos: number,
  tUs: Float64Array,
  x: Uint16Array,
  y: Uint16Array,
  p: Uint8Array,
  start: number,
  end: number,
): number {
  const n = end - start;
  const total = EVENT_PACKET_HEADER_BYTES + EVENT_STRUCT_BYTES * n;
  const view = new DataView(out.buffer, out.byteOffset + pos, total);
  view.setUint32(0, total - 4, true);
  view.setUint32(4, 20 - 4, true); // root table at 20
  view.setUint32(8, 0x53545645, true); // 'EVTS'
  view.setUint16(12, 6, true); // vtable: 1 field
  view.setUint16(14, 8, true);
  view.setUint16(16, 4, true);
  view.setUint16(18, 0, true); // padding
  view.setInt32(20, 20 - 12, true);
  view.setUint32(24, 28 - 24, true); // elements vector at 28
  view.setUint32(28, n, true);
  let o = EVENT_PACKET_HEADER_BYTES;
  for (let i = start; i < end; i++, o += EVENT_STRUCT_BYTES) {
    const t = tUs[i];
    const hi = Math.floor(t / 4294967296);
    view.setUint32(o, t - hi * 4294967296, true);
    view.setInt32(o + 4, hi, true);
    view.setInt16(o + 8, x[i], true);
    view.setInt16(o + 10, y[i], true);
    view.setUint32(o + 12, p[i] !== 0 ? 1 : 0, true);
  }
  return total;
}

export interface DataTableEntry {
  /** As stored: DV points at the payload (header + 8); jAER at the packet header. */
  readonly byteOffset: number;
  readonly streamId: number;
  readonly size: number;
  readonly numElements: number;
  readonly timestampStart: number;
  readonly timestampEnd: number;
}

/** Reads a FileDataTable FlatBuffer (without its size prefix). Throws FlatBufferError. */
export function readDataTable(fb: FlatView): DataTableEntry[] {
  const root = fb.root();
  const vec = fb.vectorField(root, 0, 'FileDataTable.Table', 4);
  const out: DataTableEntry[] = [];
  if (!vec) return out;
  for (let i = 0; i < vec.count; i++) {
    const name = `FileDataTable.Table[${i}]`;
    const t = fb.deref(vec.start + 4 * i, name);
    const info = fb.field(t, 1, `${name}.PacketInfo`);
    out.push({
      byteOffset: fb.int64Field(t, 0, `${name}.ByteOffset`, 0),
      streamId: info === 0 ? 0 : fb.i32(info, `${name}.PacketInfo.StreamID`),
      size: info === 0 ? 0 : fb.i32(info + 4, `${name}.PacketInfo.Size`),
      numElements: fb.int64Field(t, 2, `${name}.NumElements`, 0),
      timestampStart: fb.int64Field(t, 3, `${name}.TimestampStart`, 0),
      timestampEnd: fb.int64Field(t, 4, `${name}.TimestampEnd`, 0),
    });
  }
  return out;
}

/** A size-prefixed FileDataTable. */
export function writeDataTable(entries: readonly DataTableEntry[]): Uint8Array {
  const n = entries.length;
  const rootVtable = 12;
  const entryVtable = 18; // 14 bytes: 5 fields
  const rootTable = 32;
  const vector = 40;
  const firstEntry = alignUp(vector + 4 + 4 * n, 8) + 4; // entry tables start at 8k+4
  const entryStride = 48;
  const total = alignUp(firstEntry + entryStride * n, 8);
  const w = new ByteWriter(total);
  w.u32(0, total - 4);
  w.u32(4, rootTable - 4);
  w.ascii(8, 'FTAB');
  w.u16(rootVtable, 6);
  w.u16(rootVtable + 2, 8);
  w.u16(rootVtable + 4, 4);
  w.u16(entryVtable, 14);
  w.u16(entryVtable + 2, 44);
  w.u16(entryVtable + 4, 4); // ByteOffset
  w.u16(entryVtable + 6, 36); // PacketInfo
  w.u16(entryVtable + 8, 12); // NumElements
  w.u16(entryVtable + 10, 20); // TimestampStart
  w.u16(entryVtable + 12, 28); // TimestampEnd
  w.i32(rootTable, rootTable - rootVtable);
  w.u32(rootTable + 4, vector - (rootTable + 4));
  w.u32(vector, n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    const slot = vector + 4 + 4 * i;
    const t = firstEntry + entryStride * i;
    w.u32(slot, t - slot);
    w.i32(t, t - entryVtable);
    w.i64(t + 4, e.byteOffset);
    w.i64(t + 12, e.numElements);
    w.i64(t + 20, e.timestampStart);
    w.i64(t + 28, e.timestampEnd);
    w.i32(t + 36, e.streamId);
    w.i32(t + 40, e.size);
  }
  return w.bytes;
}
