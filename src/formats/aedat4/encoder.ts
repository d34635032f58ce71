/**
 * AEDAT 4.0 writer, laid out as DV's file output writes it: `#!AER-DAT4.0\r\n`, a size-prefixed
 * IOHeader (compression, dataTablePosition, infoNode XML describing one EVTS stream with sizeX,
 * sizeY, source, tsOffset), packets (int32 streamId, int32 size, payload = the size-prefixed
 * EventPacket FlatBuffer, compressed with the file codec), and a FileDataTable at the end whose
 * ByteOffset points at each packet's payload (DV semantics), compressed with the file codec.
 *
 * dataTablePosition is only known at the end: begin() writes -1 and patches() returns the 8
 * bytes to write over it. A sink that cannot seek skips the patch: the file still decodes (the
 * decoder recognises the trailing table) but readers lose the seek table.
 *
 * Network mode (`network: true`) writes what DV's network output sends: no magic line, the
 * IOHeader (dataTablePosition -1), then packets; no data table.
 */
import type { EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { BytePatch, EncoderOptions, EventEncoder } from '../types.ts';
import { PayloadCompressor } from './compression.ts';
import { AEDAT4_MAGIC } from './decoder.ts';
import { writeInt64 } from './flatbuffers.ts';
import { writeInfoNode } from './info-node.ts';
import {
  Compression,
  type DataTableEntry,
  EVENT_PACKET_HEADER_BYTES,
  EVENT_STRUCT_BYTES,
  IO_HEADER_DATA_TABLE_POSITION_OFFSET,
  writeDataTable,
  writeEventPacketInto,
  writeIoHeader,
} from './schema.ts';

/** Codecs the writer offers. `zstd` writes stored (uncompressed) zstd frames: valid, not smaller. */
export type Aedat4Compression = 'none' | 'lz4' | 'zstd';

const CODES: Readonly<Record<Aedat4Compression, number>> = {
  none: Compression.NONE,
  lz4: Compression.LZ4,
  zstd: Compression.ZSTD,
};
const DV_NAMES: Readonly<Record<Aedat4Compression, string>> = { none: 'NONE', lz4: 'LZ4', zstd: 'ZSTD' };

export interface Aedat4EncoderOptions extends EncoderOptions {
  /** Payload codec for packets and the data table. Default 'lz4' (DV's default). */
  readonly compression?: Aedat4Compression;
  /** Write a DV network stream (no magic line, no data table). Default false. */
  readonly network?: boolean;
  /**
   * Buffer events across encode() calls and write a packet whenever this many are pending
   * (end() and flush() write the rest). Default 0: each encode() call writes its events at once.
   */
  readonly flushEvents?: number;
  /** Most events in one packet; larger inputs are split. Default 65 536. */
  readonly maxPacketEvents?: number;
  /** Stream id of the event stream. Default 0. */
  readonly streamId?: number;
  /** infoNode `source` (camera name). Default: StreamInfo.metadata.source, else "spikestream". */
  readonly source?: string;
  /** infoNode `tsOffset` in µs (metadata only). Default: StreamInfo.metadata.tsOffset, else 0. */
  readonly tsOffset?: number;
  /** Write the FileDataTable at the end (file mode only). Default true. */
  readonly dataTable?: boolean;
}

const MAGIC = new TextEncoder().encode(AEDAT4_MAGIC);

export class Aedat4Encoder implements EventEncoder {
  private readonly codec: number;
  private readonly compressionName: Aedat4Compression;
  private readonly network: boolean;
  private readonly flushEvents: number;
  private readonly maxPacketEvents: number;
  private readonly streamId: number;
  private readonly options: Aedat4EncoderOptions;
  private readonly withTable: boolean;

  private started = false;
  private ended = false;
  private pos = 0;
  private headerPatchOffset = -1;
  private readonly entries: DataTableEntry[] = [];
  private pendingPatches: BytePatch[] = [];
  private maxX = 32767;
  private maxY = 32767;

  // Events buffered for flushEvents mode.
  private pendT = new Float64Array(0);
  private pendX = new Uint16Array(0);
  private pendY = new Uint16Array(0);
  private pendP = new Uint8Array(0);
  private pendN = 0;
  private scratch = new Uint8Array(0);
  private readonly compressor = new PayloadCompressor();

  constructor(options: Aedat4EncoderOptions = {}) {
    const {
      compression = 'lz4',
      network = false,
      flushEvents = 0,
      maxPacketEvents = 65536,
      streamId = 0,
      dataTable = true,
    } = options;
    if (!(compression in CODES)) {
      throw new RangeError(
        `"compression" must be one of ${Object.keys(CODES).join(', ')}, got ${String(compression)}`,
      );
    }
    if (typeof network !== 'boolean')
      throw new TypeError(`"network" must be a boolean, got ${String(network)}`);
    if (!(Number.isInteger(flushEvents) && flushEvents >= 0)) {
      throw new RangeError(`"flushEvents" must be a non-negative integer, got ${flushEvents}`);
    }
    if (!(Number.isInteger(maxPacketEvents) && maxPacketEvents >= 1 && maxPacketEvents <= 8_000_000)) {
      throw new RangeError(`"maxPacketEvents" must be an integer in [1, 8000000], got ${maxPacketEvents}`);
    }
    if (!(Number.isInteger(streamId) && streamId >= 0 && streamId <= 0x7fffffff)) {
      throw new RangeError(`"streamId" must be a non-negative int32, got ${streamId}`);
    }
    if (options.tsOffset !== undefined && !Number.isSafeInteger(options.tsOffset)) {
      throw new RangeError(`"tsOffset" must be a safe integer (µs), got ${options.tsOffset}`);
    }
    if (typeof dataTable !== 'boolean')
      throw new TypeError(`"dataTable" must be a boolean, got ${String(dataTable)}`);
    this.options = options;
    this.codec = CODES[compression];
    this.compressionName = compression;
    this.network = network;
    this.flushEvents = flushEvents;
    this.maxPacketEvents = flushEvents > 0 ? Math.min(maxPacketEvents, flushEvents) : maxPacketEvents;
    this.streamId = streamId;
    this.withTable = dataTable && !network;
  }

  begin(info: StreamInfo): Uint8Array {
    if (this.started) throw new Error('AEDAT 4 encoder: begin() called twice');
    this.started = true;
    if (info.width > 32768 || info.height > 32768) {
      throw new RangeError(
        `AEDAT 4 stores int16 coordinates: geometry ${info.width}×${info.height} is too large`,
      );
    }
    if (info.width > 0) this.maxX = info.width - 1;
    if (info.height > 0) this.maxY = info.height - 1;
    const metaTsOffset = Number(info.metadata?.tsOffset);
    const infoNode = writeInfoNode({
      streamId: this.streamId,
      sizeX: info.width,
      sizeY: info.height,
      source: this.options.source ?? info.metadata?.source ?? 'spikestream',
      tsOffset: this.options.tsOffset ?? (Number.isSafeInteger(metaTsOffset) ? metaTsOffset : 0),
      compression: DV_NAMES[this.compressionName],
      moduleName: 'spikestream',
    });
    const header = writeIoHeader({ compression: this.codec, dataTablePosition: -1, infoNode });
    const magicLength = this.network ? 0 : MAGIC.length;
    const out = new Uint8Array(magicLength + header.length);
    if (!this.network) out.set(MAGIC, 0);
    out.set(header, magicLength);
    this.headerPatchOffset = magicLength + IO_HEADER_DATA_TABLE_POSITION_OFFSET;
    this.pos = out.length;
    return out;
  }

  encode(packet: EventPacket): Uint8Array {
    this.checkOpen('encode');
    const n = packet.length;
    if (n === 0) return new Uint8Array(0);
    this.checkCoordinates(packet);
    if (this.flushEvents === 0) {
      return this.writePackets(packet.tUs, packet.x, packet.y, packet.p, 0, n);
    }
    const parts: Uint8Array[] = [];
    let i = 0;
    while (i < n) {
      const room = this.flushEvents - this.pendN;
      const take = Math.min(room, n - i);
      this.reservePending(this.pendN + take);
      this.pendT.set(packet.tUs.subarray(i, i + take), this.pendN);
      this.pendX.set(packet.x.subarray(i, i + take), this.pendN);
      this.pendY.set(packet.y.subarray(i, i + take), this.pendN);
      this.pendP.set(packet.p.subarray(i, i + take), this.pendN);
      this.pendN += take;
      i += take;
      if (this.pendN >= this.flushEvents) parts.push(this.flush());
    }
    return concat(parts);
  }

  /** Writes the buffered events (flushEvents mode) as a packet now; empty when none are pending. */
  flush(): Uint8Array {
    this.checkOpen('flush');
    if (this.pendN === 0) return new Uint8Array(0);
    const n = this.pendN;
    this.pendN = 0;
    return this.writePackets(this.pendT, this.pendX, this.pendY, this.pendP, 0, n);
  }

  end(): Uint8Array {
    this.checkOpen('end');
    const rest = this.flush();
    this.ended = true;
    if (!this.withTable) return rest;
    const tablePosition = this.pos + rest.length;
    const table = this.compressor.compress(this.codec, writeDataTable(this.entries));
    const patch = new Uint8Array(8);
    writeInt64(new DataView(patch.buffer), 0, tablePosition);
    this.pendingPatches = [{ offset: this.headerPatchOffset, bytes: patch }];
    this.pos = tablePosition + table.length;
    return concat([rest, table]);
  }

  patches(): readonly BytePatch[] {
    return this.pendingPatches;
  }

  /** Bytes written so far (begin() included). */
  get bytesWritten(): number {
    return this.pos;
  }

  private checkOpen(what: string): void {
    if (!this.started) throw new Error(`AEDAT 4 encoder: ${what}() before begin()`);
    if (this.ended) throw new Error(`AEDAT 4 encoder: ${what}() after end()`);
  }

  private checkCoordinates(packet: EventPacket): void {
    const { x, y, length } = packet;
    const mx = this.maxX;
    const my = this.maxY;
    for (let i = 0; i < length; i++) {
      if (x[i] > mx || y[i] > my) {
        throw new RangeError(`event ${i}: (${x[i]}, ${y[i]}) is outside the ${mx + 1}×${my + 1} geometry`);
      }
    }
  }

  private reservePending(size: number): void {
    if (size <= this.pendT.length) return;
    const cap = Math.max(size, this.pendT.length * 2, 1024);
    const t = new Float64Array(cap);
    const x = new Uint16Array(cap);
    const y = new Uint16Array(cap);
    const p = new Uint8Array(cap);
    t.set(this.pendT.subarray(0, this.pendN));
    x.set(this.pendX.subarray(0, this.pendN));
    y.set(this.pendY.subarray(0, this.pendN));
    p.set(this.pendP.subarray(0, this.pendN));
    this.pendT = t;
    this.pendX = x;
    this.pendY = y;
    this.pendP = p;
  }

  /** Writes events [start, end) as packets of at most maxPacketEvents. */
  private writePackets(
    tUs: Float64Array,
    x: Uint16Array,
    y: Uint16Array,
    p: Uint8Array,
    start: number,
    end: number,
  ): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let s = start; s < end; s += this.maxPacketEvents) {
      const e = Math.min(end, s + this.maxPacketEvents);
      parts.push(this.writePacket(tUs, x, y, p, s, e));
    }
    return concat(parts);
  }

  private writePacket(
    tUs: Float64Array,
    x: Uint16Array,
    y: Uint16Array,
    p: Uint8Array,
    start: number,
    end: number,
  ): Uint8Array {
    const n = end - start;
    const bodySize = EVENT_PACKET_HEADER_BYTES + EVENT_STRUCT_BYTES * n;
    let out: Uint8Array;
    let payloadSize: number;
    if (this.codec === Compression.NONE) {
      // Write the body straight after the packet header (8 bytes keeps int64s 8-aligned).
      out = new Uint8Array(8 + bodySize);
      writeEventPacketInto(out, 8, tUs, x, y, p, start, end);
      payloadSize = bodySize;
    } else {
      if (this.scratch.length < bodySize)
        this.scratch = new Uint8Array(Math.max(bodySize, this.scratch.length * 2));
      writeEventPacketInto(this.scratch, 0, tUs, x, y, p, start, end);
      const payload = this.compressor.compress(this.codec, this.scratch.subarray(0, bodySize));
      payloadSize = payload.length;
      out = new Uint8Array(8 + payloadSize);
      out.set(payload, 8);
    }
    const view = new DataView(out.buffer, out.byteOffset, 8);
    view.setInt32(0, this.streamId, true);
    view.setInt32(4, payloadSize, true);
    if (this.withTable) {
      this.entries.push({
        byteOffset: this.pos + 8,
        streamId: this.streamId,
        size: payloadSize,
        numElements: n,
        timestampStart: tUs[start],
        timestampEnd: tUs[end - 1],
      });
    }
    this.pos += out.length;
    return out;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An AEDAT 4 writer (files by default; DV network framing with `{ network: true }`). */
export function createAedat4Encoder(options: Aedat4EncoderOptions = {}): Aedat4Encoder {
  return new Aedat4Encoder(options);
}
