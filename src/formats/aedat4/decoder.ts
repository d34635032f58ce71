/**
 * Resumable AEDAT 4.0 decoder (files and DV network streams).
 *
 * File layout: `#!AER-DAT4.0\r\n`, a size-prefixed IOHeader FlatBuffer, then packets (int32
 * streamId, int32 size, payload) until EOF or IOHeader.dataTablePosition, where the
 * FileDataTable runs to EOF. Each payload (decompressed with the IOHeader's codec) is a
 * size-prefixed FlatBuffer whose identifier names its type; EVTS packets of the selected stream
 * become events, every other packet is skipped and counted by type.
 *
 * Network mode (`network: true`, used by the dv:// driver): no magic line; the IOHeader is
 * optional (DV before 1.6 sends none: we sniff for it) and may be sent again mid-stream (a
 * repeated IOHeader replaces the stream table and codec).
 *
 * Time: int64 µs (DV writes Unix µs). Old jAER writers sign-extended 32-bit camera timestamps,
 * which shows up as a backward jump of about 2^32 µs: with `repairTimeWraps` (default on) such
 * a jump adds 2^32 µs from there on (counted as `time_wrap_32`). Any other backward step is
 * clamped to the last time and counted as `time_backwards`.
 */
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import type { EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';
import { type Lz4Implementation, PayloadDecompressor, sniffCodec } from './compression.ts';
import { LZ4_FRAME_MAGIC } from './lz4.ts';
import { ZSTD_FRAME_MAGIC } from './zstd.ts';
import { FlatBufferError, FlatView } from './flatbuffers.ts';
import { parseInfoNode, type StreamDescription } from './info-node.ts';
import {
  COMPRESSION_NAMES,
  type DataTableEntry,
  type IoHeader,
  readDataTable,
  readIoHeader,
} from './schema.ts';

export const AEDAT4_MAGIC = '#!AER-DAT4.0\r\n';
const MAGIC_BYTES = new TextEncoder().encode(AEDAT4_MAGIC);

export interface Aedat4DecoderOptions extends DecoderOptions {
  /**
   * DV network stream instead of a file: no magic line, IOHeader optional and repeatable.
   * Default false.
   */
  readonly network?: boolean;
  /** Id of the EVTS stream to decode. Default: the lowest-id EVTS stream of the IOHeader. */
  readonly streamId?: number;
  /** Largest packet payload accepted, in bytes; a larger size is treated as corruption. Default 64 MiB. */
  readonly maxPacketBytes?: number;
  /** Undo old jAER writers' −2^32 µs timestamp jumps. Default true. */
  readonly repairTimeWraps?: boolean;
  /**
   * Hot loops (LZ4 blocks, event structs): 'wasm' (WebAssembly, fastest), 'js' (TypeScript), or
   * 'auto' = wasm where available. Both give identical results. Default 'auto'.
   */
  readonly kernels?: Lz4Implementation;
}

/** The FileDataTable of a file, with how its offsets are to be read. */
export interface Aedat4DataTable {
  readonly entries: readonly DataTableEntry[];
  /**
   * What ByteOffset points at: `payload` (DV: 8 bytes after the packet header), `header` (jAER's
   * writer), or `unknown` when no walked packet could be matched.
   */
  readonly offsets: 'payload' | 'header' | 'unknown';
  /** Byte offset where the table starts. */
  readonly position: number;
}

enum State {
  Magic,
  HeaderSize,
  Header,
  Boundary,
  Payload,
  Table,
  Done,
}

const IDENT_IOHE = 0x45484f49; // 'IOHE' read as LE uint32
const IDENT_FTAB = 0x42415446; // 'FTAB'
const IDENT_EVTS = 0x53545645; // 'EVTS'
const TWO_32 = 4294967296;
const TWO_31 = 2147483648;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const MAX_TABLE_BYTES = 256 * 1024 * 1024;
/** Packet header offsets remembered to tell DV and jAER data tables apart. */
const REMEMBERED_PACKETS = 64;

const SKIP_KIND: Readonly<Record<string, string>> = {
  EVTS: 'other_event_stream_packets',
  FRME: 'frame_packets',
  IMUS: 'imu_packets',
  TRIG: 'trigger_packets',
};

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function identifierName(code: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = (code >>> (8 * i)) & 0xff;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

export class Aedat4Decoder implements EventDecoder {
  readonly stats = new DecodeStats();
  private streamInfo: StreamInfo | undefined;
  private readonly origin: string;
  private readonly network: boolean;
  private readonly wantedStreamId: number | undefined;
  private readonly maxPacketBytes: number;
  private readonly repairTimeWraps: boolean;
  private readonly userWidth: number | undefined;
  private readonly userHeight: number | undefined;

  private state: State;
  /** Absolute offset of the next byte not yet consumed. */
  private pos = 0;
  private carry = new Uint8Array(64);
  private carryLen = 0;
  private headerSize = 0;
  private packetStreamId = 0;
  private packetSize = 0;
  private packetStart = 0;

  private header: IoHeader | undefined;
  private streamTable: StreamDescription[] = [];
  private eventStreamId: number | undefined;
  private codec = 0;
  private readonly decompressor: PayloadDecompressor;
  private readonly builder = new PacketBuilder(8192);

  private tableStart = -1;
  private tableParts: Uint8Array[] = [];
  private tableBytes = 0;
  private tableTooLarge = false;
  private table: Aedat4DataTable | undefined;
  private readonly packetOffsets: number[] = [];

  private warnedTablePosition = false;
  private lastT = Number.NEGATIVE_INFINITY;
  private alignScratch = new Int32Array(0);
  private tOffset = 0;

  constructor(options: Aedat4DecoderOptions = {}) {
    const { origin = '', network = false, streamId, maxPacketBytes = 64 * 1024 * 1024 } = options;
    if (typeof network !== 'boolean')
      throw new TypeError(`"network" must be a boolean, got ${String(network)}`);
    if (streamId !== undefined && !(Number.isInteger(streamId) && streamId >= 0 && streamId < TWO_31)) {
      throw new RangeError(`"streamId" must be a non-negative int32, got ${streamId}`);
    }
    if (!(Number.isInteger(maxPacketBytes) && maxPacketBytes >= 16 && maxPacketBytes < TWO_31)) {
      throw new RangeError(`"maxPacketBytes" must be an integer in [16, 2^31), got ${maxPacketBytes}`);
    }
    for (const k of ['width', 'height'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 32768)) {
        throw new RangeError(`"${k}" must be an integer in [1, 32768], got ${v}`);
      }
    }
    this.origin = origin;
    this.network = network;
    this.wantedStreamId = streamId;
    this.maxPacketBytes = maxPacketBytes;
    this.repairTimeWraps = options.repairTimeWraps ?? true;
    const kernels = options.kernels ?? 'auto';
    if (!['auto', 'wasm', 'js'].includes(kernels)) {
      throw new RangeError(`"kernels" must be 'auto', 'wasm' or 'js', got ${String(kernels)}`);
    }
    this.decompressor = new PayloadDecompressor(kernels);
    this.userWidth = options.width;
    this.userHeight = options.height;
    this.state = network ? State.Boundary : State.Magic;
  }

  get info(): StreamInfo | undefined {
    return this.streamInfo;
  }

  /** The last IOHeader read (undefined before it, or for a DV < 1.6 network stream). */
  get ioHeader(): IoHeader | undefined {
    return this.header;
  }

  /** Streams described by the IOHeader's infoNode, sorted by id. */
  get streams(): readonly StreamDescription[] {
    return this.streamTable;
  }

  /** The FileDataTable, known after end() when the file has one. */
  get dataTable(): Aedat4DataTable | undefined {
    return this.table;
  }

  push(chunk: Uint8Array): EventPacket {
    let i = 0;
    const n = chunk.length;
    // One allocation for the events this chunk likely holds (judged by the bytes per event so
    // far; 8 to start with, about what LZ4 makes of event data) instead of repeated doubling.
    if (this.state === State.Boundary || this.state === State.Payload) {
      const bytesPerEvent = this.stats.events > 1000 ? this.pos / this.stats.events : 8;
      this.builder.reserve(Math.ceil((n / bytesPerEvent) * 1.05));
    }
    while (this.state !== State.Done) {
      if (this.state === State.Table) {
        this.collectTable(chunk.subarray(i));
        i = n;
        break;
      }
      const need = this.need();
      if (this.carryLen === 0 && n - i >= need) {
        const used = this.step(chunk, i, need);
        i += used;
        this.pos += used;
        continue;
      }
      const take = Math.min(Math.max(need - this.carryLen, 0), n - i);
      if (take > 0) {
        this.ensureCarry(this.carryLen + take);
        this.carry.set(chunk.subarray(i, i + take), this.carryLen);
        this.carryLen += take;
        i += take;
      }
      if (this.carryLen < need) {
        // A live stream may stall right after a damaged packet header: report it now rather
        // than when 4 more bytes (only needed to recognise an IOHeader) arrive.
        if (this.state === State.Boundary && this.carryLen >= 8 && this.boundaryIsDamaged(this.carry)) {
          this.pos += this.step(this.carry, 0, this.carryLen);
          this.carryLen = 0;
        }
        break;
      }
      const used = this.step(this.carry, 0, need);
      this.pos += used;
      this.dropCarry(used);
    }
    this.stats.bytes = this.pos + this.carryLen + this.tableBytes;
    return this.emit();
  }

  end(): EventPacket {
    if (this.state === State.Boundary && this.carryLen >= 8) {
      // Fewer than the 12 bytes we peek at, but a packet header fits: take it.
      const used = this.step(this.carry, 0, this.carryLen);
      this.pos += used;
      this.dropCarry(used);
    }
    if (this.state === State.Payload && this.carryLen >= this.packetSize) {
      const used = this.step(this.carry, 0, this.carryLen);
      this.pos += used;
      this.dropCarry(used);
    }
    if (this.state === State.Table) {
      this.finishTable();
    } else if (this.state !== State.Done && (this.state !== State.Boundary || this.carryLen > 0)) {
      this.truncated();
    }
    this.state = State.Done;
    this.stats.bytes = this.pos + this.carryLen;
    return this.emit();
  }

  private emit(): EventPacket {
    const packet = this.builder.take();
    this.stats.events += packet.length;
    return packet;
  }

  private need(): number {
    switch (this.state) {
      case State.Magic:
        return MAGIC_BYTES.length;
      case State.HeaderSize:
        return 4;
      case State.Header:
        return this.headerSize;
      case State.Boundary:
        return 12;
      case State.Payload:
        return this.packetSize;
      default:
        return 0;
    }
  }

  private ensureCarry(size: number): void {
    if (size > this.carry.length) {
      let cap = this.carry.length * 2;
      while (cap < size) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
    }
  }

  private dropCarry(used: number): void {
    if (used >= this.carryLen) {
      this.carryLen = 0;
    } else {
      this.carry.copyWithin(0, used, this.carryLen);
      this.carryLen -= used;
    }
    // Give back a large payload buffer once it is no longer needed.
    if (this.carryLen === 0 && this.carry.length > 1 << 20) this.carry = new Uint8Array(64);
  }

  /** Handles the structure at b[o, o+len) for the current state; returns the bytes it consumed. */
  private step(b: Uint8Array, o: number, len: number): number {
    switch (this.state) {
      case State.Magic:
        return this.readMagic(b, o);
      case State.HeaderSize: {
        const size = u32le(b, o);
        if (size < 12 || size > MAX_HEADER_BYTES) {
          this.fatal(this.pos, 'IOHeader size', `implausible IOHeader size ${size}`);
          return 0;
        }
        this.headerSize = size;
        this.state = State.Header;
        return 4;
      }
      case State.Header:
        this.readHeader(b.subarray(o, o + this.headerSize));
        return this.headerSize;
      case State.Boundary:
        return this.readBoundary(b, o, len);
      case State.Payload:
        this.readPayload(b.subarray(o, o + this.packetSize));
        this.state = State.Boundary;
        return this.packetSize;
      default:
        return 0;
    }
  }

  private readMagic(b: Uint8Array, o: number): number {
    for (let k = 0; k < MAGIC_BYTES.length; k++) {
      if (b[o + k] !== MAGIC_BYTES[k]) {
        const got = new TextDecoder('latin1').decode(b.subarray(o, o + MAGIC_BYTES.length));
        this.fatal(this.pos + k, 'magic', `expected "#!AER-DAT4.0\\r\\n", got ${JSON.stringify(got)}`);
        return 0;
      }
    }
    this.state = State.HeaderSize;
    return MAGIC_BYTES.length;
  }

  private readHeader(bytes: Uint8Array): void {
    const at = this.pos;
    let header: IoHeader;
    try {
      const fb = new FlatView(bytes);
      if (fb.identifier() !== 'IOHE') {
        this.fatal(at + 4, 'IOHeader identifier', `expected "IOHE", got ${JSON.stringify(fb.identifier())}`);
        return;
      }
      header = readIoHeader(fb);
    } catch (err) {
      if (err instanceof FlatBufferError) {
        this.fatal(at + err.offset, err.field, err.message);
        return;
      }
      throw err;
    }
    if (COMPRESSION_NAMES[header.compression] === undefined) {
      this.fatal(at, 'IOHeader.compression', `unknown compression code ${header.compression}`);
      return;
    }
    if (this.header !== undefined) this.stats.skip('repeated_io_headers');
    this.header = header;
    this.codec = header.compression;
    this.streamTable = parseInfoNode(header.infoNode);
    this.chooseEventStream();
    this.state = State.Boundary;
  }

  private chooseEventStream(): void {
    const declared = this.streamTable;
    let chosen: StreamDescription | undefined;
    if (this.wantedStreamId !== undefined) {
      chosen = declared.find((s) => s.id === this.wantedStreamId);
      if (declared.length > 0 && chosen?.typeIdentifier !== 'EVTS') {
        const evts = declared.filter((s) => s.typeIdentifier === 'EVTS').map((s) => s.id);
        this.stats.issue(
          this.pos,
          'streamId',
          `stream ${this.wantedStreamId} is not an EVTS stream of this file (EVTS streams: ${evts.join(', ') || 'none'})`,
        );
      }
      this.eventStreamId = this.wantedStreamId;
    } else {
      chosen = declared.find((s) => s.typeIdentifier === 'EVTS');
      this.eventStreamId = chosen?.id;
    }
    this.setInfo(chosen);
  }

  private setInfo(stream: StreamDescription | undefined): void {
    const metadata: Record<string, string> = {};
    if (this.header) metadata.compression = COMPRESSION_NAMES[this.header.compression];
    if (this.eventStreamId !== undefined) metadata.streamId = String(this.eventStreamId);
    if (stream?.source !== undefined) metadata.source = stream.source;
    if (stream?.tsOffset !== undefined) metadata.tsOffset = String(stream.tsOffset);
    if (this.network) metadata.network = this.header ? 'io-header' : 'legacy (no IOHeader)';
    let width = stream?.sizeX ?? 0;
    let height = stream?.sizeY ?? 0;
    let geometrySource: StreamInfo['geometrySource'] = stream?.sizeX && stream?.sizeY ? 'header' : 'unknown';
    if (this.userWidth !== undefined && this.userHeight !== undefined) {
      width = this.userWidth;
      height = this.userHeight;
      geometrySource = 'user';
    }
    if (!(width >= 0 && width <= 65535 && height >= 0 && height <= 65535)) {
      width = 0;
      height = 0;
      geometrySource = 'unknown';
    }
    this.streamInfo = makeStreamInfo({
      width,
      height,
      format: 'aedat4',
      origin: this.origin,
      geometrySource,
      metadata,
    });
  }

  /**
   * True when the first 8 bytes at a network-stream boundary can be neither a packet header nor
   * the start of an IOHeader (files always end, and `end()` reports them there).
   */
  private boundaryIsDamaged(b: Uint8Array): boolean {
    if (!this.network) return false;
    const first = u32le(b, 0);
    const size = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24) | 0;
    const couldBeIoHeader = first >= 12 && first <= MAX_HEADER_BYTES;
    return !couldBeIoHeader && ((first | 0) < 0 || size < 0 || size > this.maxPacketBytes);
  }

  /** At a packet boundary with `len` (12, or 8..11 at the end) bytes available. */
  private readBoundary(b: Uint8Array, o: number, len: number): number {
    const first = u32le(b, o);
    const size = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24) | 0;
    const streamId = first | 0;
    const peek = len >= 12 ? u32le(b, o + 8) : 0;
    if (this.network && peek === IDENT_IOHE) {
      // An IOHeader (first, or repeated): uint32 size, then a FlatBuffer whose bytes 4..7 are IOHE.
      if (first < 12 || first > MAX_HEADER_BYTES) {
        this.fatal(this.pos, 'IOHeader size', `implausible IOHeader size ${first}`);
        return 0;
      }
      this.headerSize = first;
      this.state = State.Header;
      return 4;
    }
    if (!this.network && this.isTableStart(streamId, first, peek)) {
      this.startTable();
      return 0;
    }
    if (this.network && this.header === undefined && this.streamInfo === undefined) {
      // DV < 1.6: no IOHeader; packets are uncompressed and typed by their identifier.
      this.codec = 0;
      this.eventStreamId = this.wantedStreamId;
      this.setInfo(undefined);
    }
    if (streamId < 0) {
      this.fatal(this.pos, 'packet header.streamId', `negative stream id ${streamId}`);
      return 0;
    }
    if (size < 0 || size > this.maxPacketBytes) {
      this.fatal(
        this.pos + 4,
        'packet header.size',
        `implausible payload size ${size} (maxPacketBytes ${this.maxPacketBytes})`,
      );
      return 0;
    }
    this.packetStreamId = streamId;
    this.packetSize = size;
    this.packetStart = this.pos;
    if (this.packetOffsets.length < REMEMBERED_PACKETS) this.packetOffsets.push(this.pos);
    this.state = State.Payload;
    return 8;
  }

  /** True at the start of the FileDataTable (by position, or sniffed when the header was not patched). */
  private isTableStart(streamId: number, first: number, peek: number): boolean {
    const dtp = this.header?.dataTablePosition ?? -1;
    if (dtp >= 0 && this.pos === dtp) return true;
    if (dtp >= 0 && this.pos > dtp && !this.warnedTablePosition) {
      this.warnedTablePosition = true;
      this.stats.issue(dtp, 'IOHeader.dataTablePosition', `no packet boundary at ${dtp}; position ignored`);
    }
    // A table written after the packets of a file whose header was never patched (streamed
    // writers): it starts with a codec magic or, uncompressed, has FTAB at bytes 8..11. A real
    // packet of a declared stream never does (its bytes 8..11 are the payload's first bytes).
    if (this.streamTable.some((s) => s.id === streamId)) return false;
    return first === LZ4_FRAME_MAGIC || first === ZSTD_FRAME_MAGIC || peek === IDENT_FTAB;
  }

  private readPayload(payload: Uint8Array): void {
    const streamId = this.packetStreamId;
    const declared = this.streamTable.find((s) => s.id === streamId);
    if (declared && declared.typeIdentifier !== 'EVTS') {
      this.stats.skip(SKIP_KIND[declared.typeIdentifier] ?? 'unknown_type_packets');
      return;
    }
    if (this.streamTable.length > 0 && !declared) {
      this.stats.skip('undeclared_stream_packets');
      return;
    }
    if (declared && streamId !== this.eventStreamId) {
      this.stats.skip('other_event_stream_packets');
      return;
    }
    const at = this.packetStart;
    let data: Uint8Array;
    try {
      data = this.decompressor.decompress(this.codec, payload);
    } catch (err) {
      this.stats.issue(
        at + 8,
        'packet payload',
        `stream ${streamId}: cannot decompress ${COMPRESSION_NAMES[this.codec]} payload: ${(err as Error).message}`,
      );
      this.stats.skip('corrupt_packets');
      return;
    }
    if (data.length < 12) {
      this.stats.issue(
        at + 8,
        'packet payload',
        `stream ${streamId}: ${data.length} bytes is too short for a FlatBuffer`,
      );
      this.stats.skip('corrupt_packets');
      return;
    }
    const fbSize = u32le(data, 0);
    if (fbSize > data.length - 4 || fbSize < 8) {
      this.stats.issue(
        at + 8,
        'packet payload size prefix',
        `stream ${streamId}: prefix ${fbSize} but ${data.length - 4} bytes follow`,
      );
      this.stats.skip('corrupt_packets');
      return;
    }
    const ident = u32le(data, 8);
    if (ident !== IDENT_EVTS) {
      if (declared) {
        this.stats.issue(
          at + 8,
          'packet identifier',
          `stream ${streamId} is EVTS but its packet says ${JSON.stringify(identifierName(ident))}`,
        );
      }
      const kind = SKIP_KIND[identifierName(ident)];
      this.stats.skip(kind && kind !== SKIP_KIND.EVTS ? kind : 'unknown_type_packets');
      return;
    }
    if (!declared) {
      // No stream table (legacy network stream or infoNode without outInfo): packets are typed
      // by their identifier, and the first EVTS stream wins unless `streamId` chose one.
      if (this.eventStreamId === undefined) {
        this.eventStreamId = streamId;
        this.setInfo(undefined);
      } else if (streamId !== this.eventStreamId) {
        this.stats.skip('other_event_stream_packets');
        return;
      }
    }
    this.decodeEvents(data, 4, fbSize, at + 8);
  }

  /** Decodes the EventPacket FlatBuffer data[base, base+size). */
  private decodeEvents(data: Uint8Array, base: number, size: number, at: number): void {
    const fb = new FlatView(data.subarray(base, base + size));
    let start: number;
    let count: number;
    try {
      const vec = fb.vectorField(fb.root(), 0, 'EventPacket.elements', 16);
      if (!vec) return;
      start = vec.start;
      count = vec.count;
    } catch (err) {
      if (err instanceof FlatBufferError) {
        this.stats.issue(at, err.field, `stream ${this.packetStreamId}: ${err.message}`);
        this.stats.skip('corrupt_packets');
        return;
      }
      throw err;
    }
    if (count === 0) return;
    const builder = this.builder;
    builder.reserve(count);
    const first = builder.length;
    let n: number;
    const bytes = fb.bytes;
    const wasm = this.decompressor.wasm;
    if (wasm) {
      wasm.lastT = this.lastT;
      wasm.tOffset = this.tOffset;
      wasm.repairTimeWraps = this.repairTimeWraps;
      const structs = bytes.subarray(start, start + count * 16);
      try {
        n = first + wasm.decodeEvents(structs, count, builder.tUs, builder.x, builder.y, builder.p, first);
      } catch (err) {
        // Only a packet too large for the kernels' memory gets here.
        this.stats.issue(
          at,
          'EventPacket.elements',
          `stream ${this.packetStreamId}: ${(err as Error).message}`,
        );
        this.stats.skip('corrupt_packets');
        return;
      }
      this.lastT = wasm.lastT;
      this.tOffset = wasm.tOffset;
      const c = wasm.takeCounters();
      if (c.negative > 0) this.stats.skip('negative_coordinates', c.negative);
      if (c.wraps > 0) this.stats.repair('time_wrap_32', c.wraps);
      if (c.backwards > 0) this.stats.repair('time_backwards', c.backwards);
    } else if (LITTLE_ENDIAN) {
      // Read the structs as 32-bit words; copy them to an aligned scratch buffer if needed.
      let words: Int32Array;
      let w: number;
      const abs = bytes.byteOffset + start;
      if ((abs & 3) === 0) {
        words = new Int32Array(bytes.buffer, abs, count * 4);
        w = 0;
      } else {
        if (this.alignScratch.length < count * 16) this.alignScratch = new Int32Array(count * 4);
        new Uint8Array(this.alignScratch.buffer).set(bytes.subarray(start, start + count * 16));
        words = this.alignScratch;
        w = 0;
      }
      n = this.decodeWords(words, w, count, first);
    } else {
      n = this.decodeView(fb.view, start, count, first);
    }
    builder.commit(n - first);
  }

  /**
   * The hot loop: events from 16-byte Event structs read as int32 words (t low, t high, x | y << 16,
   * polarity byte). Returns the new builder length. Events with negative coordinates are dropped.
   */
  private decodeWords(words: Int32Array, w: number, count: number, n: number): number {
    const b = this.builder;
    const tUs = b.tUs;
    const xs = b.x;
    const ys = b.y;
    const ps = b.p;
    let last = this.lastT;
    let offset = this.tOffset;
    let negative = 0;
    for (let end = w + 4 * count; w < end; w += 4) {
      let t = words[w + 1] * TWO_32 + (words[w] >>> 0) + offset;
      const xy = words[w + 2];
      if ((xy & 0x80008000) !== 0) {
        negative++;
        continue;
      }
      if (t < last) {
        this.lastT = last;
        t = this.repairTime(t);
        offset = this.tOffset;
      }
      last = t;
      tUs[n] = t;
      xs[n] = xy & 0xffff;
      ys[n] = xy >>> 16;
      ps[n] = (words[w + 3] & 0xff) !== 0 ? 1 : 0;
      n++;
    }
    this.lastT = last;
    if (negative > 0) this.stats.skip('negative_coordinates', negative);
    return n;
  }

  /** Big-endian hosts: the same decoding through DataView. */
  private decodeView(view: DataView, start: number, count: number, n: number): number {
    const b = this.builder;
    let negative = 0;
    for (let k = 0, o = start; k < count; k++, o += 16) {
      let t = view.getInt32(o + 4, true) * TWO_32 + view.getUint32(o, true) + this.tOffset;
      const x = view.getInt16(o + 8, true);
      const y = view.getInt16(o + 10, true);
      if ((x | y) < 0) {
        negative++;
        continue;
      }
      if (t < this.lastT) t = this.repairTime(t);
      this.lastT = t;
      b.tUs[n] = t;
      b.x[n] = x;
      b.y[n] = y;
      b.p[n] = view.getUint8(o + 12) !== 0 ? 1 : 0;
      n++;
    }
    if (negative > 0) this.stats.skip('negative_coordinates', negative);
    return n;
  }

  /**
   * A timestamp below the last one: a jump back of about 2^32 µs (old jAER writers'
   * sign-extension) adds 2^32 µs from here on; anything else is clamped to the last time.
   */
  private repairTime(t: number): number {
    const last = this.lastT;
    if (this.repairTimeWraps && last - t > TWO_31 && last - t < TWO_32 + TWO_31) {
      this.tOffset += TWO_32;
      t += TWO_32;
      this.stats.repair('time_wrap_32');
    }
    if (t < last) {
      this.stats.repair('time_backwards');
      t = last;
    }
    return t;
  }

  private startTable(): void {
    this.tableStart = this.pos;
    this.state = State.Table;
    if (this.carryLen > 0) {
      this.collectTable(this.carry.subarray(0, this.carryLen));
      this.carryLen = 0;
    }
  }

  private collectTable(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.tableBytes += bytes.length;
    if (this.tableTooLarge) return;
    if (this.tableBytes > MAX_TABLE_BYTES) {
      this.tableTooLarge = true;
      this.tableParts = [];
      this.stats.issue(this.tableStart, 'FileDataTable', `larger than ${MAX_TABLE_BYTES} bytes; ignored`);
      return;
    }
    this.tableParts.push(bytes.slice());
  }

  private finishTable(): void {
    const size = this.tableBytes;
    this.pos = this.tableStart + size;
    this.tableBytes = 0;
    if (this.tableTooLarge) return;
    const raw = new Uint8Array(size);
    let o = 0;
    for (const part of this.tableParts) {
      raw.set(part, o);
      o += part.length;
    }
    this.tableParts = [];
    const at = this.tableStart;
    let data: Uint8Array;
    try {
      data = this.decompressor.decompress(sniffCodec(raw), raw);
    } catch (err) {
      this.stats.issue(at, 'FileDataTable', `cannot decompress: ${(err as Error).message}`);
      return;
    }
    if (data.length < 12 || u32le(data, 0) > data.length - 4) {
      this.stats.issue(at, 'FileDataTable size prefix', `bad size prefix for ${data.length} bytes`);
      return;
    }
    try {
      const fb = new FlatView(data.subarray(4, 4 + u32le(data, 0)));
      if (fb.identifier() !== 'FTAB') {
        this.stats.issue(
          at,
          'FileDataTable identifier',
          `expected "FTAB", got ${JSON.stringify(fb.identifier())}`,
        );
        return;
      }
      const entries = readDataTable(fb);
      this.table = { entries, offsets: this.tableSemantics(entries), position: at };
    } catch (err) {
      if (err instanceof FlatBufferError) {
        this.stats.issue(at, err.field, err.message);
        return;
      }
      throw err;
    }
  }

  private tableSemantics(entries: readonly DataTableEntry[]): Aedat4DataTable['offsets'] {
    const walked = new Set(this.packetOffsets);
    let payload = 0;
    let header = 0;
    for (const e of entries.slice(0, REMEMBERED_PACKETS)) {
      if (walked.has(e.byteOffset - 8)) payload++;
      else if (walked.has(e.byteOffset)) header++;
    }
    if (payload === 0 && header === 0) return 'unknown';
    return payload >= header ? 'payload' : 'header';
  }

  private truncated(): void {
    const have = this.carryLen;
    switch (this.state) {
      case State.Magic:
        this.fatal(this.pos, 'magic', `stream ended after ${have} bytes of the magic line`);
        break;
      case State.HeaderSize:
        this.fatal(this.pos, 'IOHeader size', `truncated: ${have} of 4 bytes`);
        break;
      case State.Header:
        this.fatal(this.pos, 'IOHeader', `truncated: ${have} of ${this.headerSize} bytes`);
        break;
      case State.Boundary:
        this.fatal(this.pos, 'packet header', `truncated: ${have} of 8 bytes`);
        break;
      case State.Payload:
        this.fatal(
          this.pos,
          'packet payload',
          `stream ${this.packetStreamId}: truncated: ${have} of ${this.packetSize} bytes (packet header at ${this.packetStart})`,
        );
        break;
      default:
        break;
    }
  }

  private fatal(byteOffset: number, field: string, message: string): void {
    this.stats.issue(byteOffset, field, message, true);
    this.state = State.Done;
  }
}

/** A decoder for AEDAT 4 files, or for DV network streams with `{ network: true }`. */
export function createAedat4Decoder(options: Aedat4DecoderOptions = {}): Aedat4Decoder {
  return new Aedat4Decoder(options);
}
