/**
 * Resumable AEDAT 3.1 (cAER / libcaer; e.g. DVS Gesture) decoder.
 *
 * After the `#` header (ending at `#!END-HEADER`), the file is a sequence of packets: a 28-byte
 * little-endian header (eventType int16, eventSource int16, eventSize, eventTSOffset,
 * eventTSOverflow, eventCapacity, eventNumber, eventValid: int32) and eventCapacity × eventSize
 * bytes of events. Polarity packets (type 1) become events; every other type is skipped by its
 * size and counted (`special`, `frame`, `imu6`, …), apart from the special events we act on.
 *
 * Polarity event (8 bytes): uint32 data (bit 0 valid, bit 1 polarity 1 = ON, bits 16–2 y,
 * bits 31–17 x; origin top-left), int32 timestamp. Invalid events (bit 0 = 0) are dropped and
 * counted (`invalid`). Full time = eventTSOverflow · 2^31 + timestamp.
 *
 * Timestamp resets (special event type 1, sent when devices are re-synchronised) restart the
 * device clock at 0. We keep one non-decreasing timeline: after a reset, times continue from the
 * last time seen (reset counted as the `timestamp_reset` repair), so nothing jumps backwards.
 */
import { chipGeometry } from '../aedat-header/chips.ts';
import { type AedatHeader, AedatHeaderError, AedatHeaderReader } from '../aedat-header/header.ts';
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import { EMPTY_PACKET, type EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';

export interface Aedat3DecoderOptions extends DecoderOptions {
  /** Decode polarity packets of this eventSource only. Default: the source of the first polarity packet. */
  readonly source?: number;
  /** Largest packet body accepted, in bytes; a larger one is treated as corruption. Default 256 MiB. */
  readonly maxPacketBytes?: number;
}

/** libcaer event types (common.h), for skip counters. */
export const AEDAT3_EVENT_TYPES: readonly string[] = [
  'special',
  'polarity',
  'frame',
  'imu6',
  'imu9',
  'sample',
  'ear',
  'config',
  'point1d',
  'point2d',
  'point3d',
  'point4d',
  'spike',
  'matrix4x4',
];

const PACKET_HEADER_BYTES = 28;
const POLARITY = 1;
const SPECIAL = 0;
const SPECIAL_TIMESTAMP_RESET = 1;
const TWO_31 = 2147483648;

enum State {
  Header,
  PacketHeader,
  Body,
  Done,
}

export class Aedat3Decoder implements EventDecoder {
  readonly stats = new DecodeStats();
  private streamInfo: StreamInfo | undefined;
  private readonly options: Aedat3DecoderOptions;
  private readonly maxPacketBytes: number;
  private headerReader = new AedatHeaderReader();
  private parsedHeader: AedatHeader | undefined;
  private state = State.Header;
  private pos = 0;
  private carry = new Uint8Array(PACKET_HEADER_BYTES);
  private carryLen = 0;
  private readonly builder = new PacketBuilder(8192);

  // Current packet.
  private type = 0;
  private eventSource = 0;
  private eventSize = 0;
  private tsOffset = 0;
  private overflow = 0;
  private number = 0;
  private bodyBytes = 0;
  private packetStart = 0;

  private source: number | undefined;
  /** Added to device time: the time reached before the last timestamp reset. */
  private resetBase = 0;
  private lastT = Number.NEGATIVE_INFINITY;

  constructor(options: Aedat3DecoderOptions = {}) {
    const { source, maxPacketBytes = 256 * 1024 * 1024 } = options;
    if (source !== undefined && !(Number.isInteger(source) && source >= -32768 && source <= 32767)) {
      throw new RangeError(`"source" must be an int16, got ${source}`);
    }
    if (!(Number.isInteger(maxPacketBytes) && maxPacketBytes > 0)) {
      throw new RangeError(`"maxPacketBytes" must be a positive integer, got ${maxPacketBytes}`);
    }
    for (const k of ['width', 'height'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 32768)) {
        throw new RangeError(`"${k}" must be an integer in [1, 32768], got ${v}`);
      }
    }
    this.options = options;
    this.maxPacketBytes = maxPacketBytes;
    this.source = source;
  }

  get info(): StreamInfo | undefined {
    return this.streamInfo;
  }

  /** The `#` header, once read. */
  get header(): AedatHeader | undefined {
    return this.parsedHeader;
  }

  push(chunk: Uint8Array): EventPacket {
    if (this.state === State.Done) return EMPTY_PACKET;
    if (this.state === State.Header) {
      let progress: ReturnType<AedatHeaderReader['push']>;
      try {
        progress = this.headerReader.push(chunk);
      } catch (err) {
        if (!(err instanceof AedatHeaderError)) throw err;
        this.fatal(err.byteOffset, 'header', err.message);
        return EMPTY_PACKET;
      }
      if (!progress.done) return EMPTY_PACKET;
      if (!this.setup(progress.header)) return EMPTY_PACKET;
      chunk = progress.rest;
    }
    this.consume(chunk);
    return this.emit();
  }

  end(): EventPacket {
    if (this.state === State.Header) {
      const { header } = this.headerReader.end();
      this.setup(header);
    }
    if (this.state === State.PacketHeader && this.carryLen > 0) {
      this.fatal(this.pos, 'packet header', `truncated: ${this.carryLen} of ${PACKET_HEADER_BYTES} bytes`);
    } else if (this.state === State.Body) {
      this.fatal(
        this.pos,
        'packet body',
        `${AEDAT3_EVENT_TYPES[this.type] ?? `type ${this.type}`} packet at ${this.packetStart}: truncated: ${this.carryLen} of ${this.bodyBytes} bytes`,
      );
    }
    this.state = State.Done;
    return this.emit();
  }

  private emit(): EventPacket {
    const p = this.builder.take();
    this.stats.events += p.length;
    this.stats.bytes = this.pos + this.carryLen;
    return p;
  }

  private fatal(byteOffset: number, field: string, message: string): void {
    this.stats.issue(byteOffset, field, message, true);
    this.state = State.Done;
  }

  private setup(header: AedatHeader): boolean {
    this.parsedHeader = header;
    this.pos = header.length;
    if (header.version !== '3.1') {
      const hint = header.version.startsWith('2.') || header.version === '1.0' ? 'aedat2' : 'aedat4';
      this.fatal(
        0,
        'version',
        header.version === '3.0'
          ? 'AEDAT 3.0 (pre-2017 cAER, different polarity bit layout) is not supported; convert it to 3.1 with cAER'
          : `AEDAT ${header.version} is not AEDAT 3.1 (use the ${hint} format)`,
      );
      return false;
    }
    let sourceName = '';
    for (const [key, value] of Object.entries(header.fields)) {
      if (/^Source\s+-?\d+$/.test(key)) {
        sourceName = value;
        break;
      }
    }
    const known = sourceName ? chipGeometry(sourceName) : undefined;
    let width = known?.width ?? 0;
    let height = known?.height ?? 0;
    let geometrySource: StreamInfo['geometrySource'] = known ? 'header' : 'unknown';
    if (this.options.width !== undefined && this.options.height !== undefined) {
      width = this.options.width;
      height = this.options.height;
      geometrySource = 'user';
    }
    const metadata: Record<string, string> = { version: header.version };
    if (sourceName) metadata.source = sourceName;
    if (header.fields['Start-Time']) metadata.startTime = header.fields['Start-Time'];
    this.streamInfo = makeStreamInfo({
      width,
      height,
      format: 'aedat3',
      origin: this.options.origin ?? '',
      geometrySource,
      metadata,
    });
    this.state = State.PacketHeader;
    return true;
  }

  private consume(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (this.state === State.PacketHeader || this.state === State.Body) {
      const need = this.state === State.PacketHeader ? PACKET_HEADER_BYTES : this.bodyBytes;
      if (this.carryLen === 0 && n - i >= need) {
        this.step(chunk, i);
        i += need;
        this.pos += need;
        continue;
      }
      const take = Math.min(need - this.carryLen, n - i);
      if (take > 0) {
        if (this.carryLen + take > this.carry.length) {
          const next = new Uint8Array(Math.max(this.carryLen + take, this.carry.length * 2));
          next.set(this.carry.subarray(0, this.carryLen));
          this.carry = next;
        }
        this.carry.set(chunk.subarray(i, i + take), this.carryLen);
        this.carryLen += take;
        i += take;
      }
      if (this.carryLen < need) break;
      this.step(this.carry, 0);
      this.carryLen = 0;
      this.pos += need;
      if (this.carry.length > 1 << 20) this.carry = new Uint8Array(PACKET_HEADER_BYTES);
    }
  }

  private step(b: Uint8Array, o: number): void {
    if (this.state === State.PacketHeader) this.readPacketHeader(b, o);
    else {
      this.readBody(b, o);
      this.state = State.PacketHeader;
    }
  }

  private readPacketHeader(b: Uint8Array, o: number): void {
    const v = new DataView(b.buffer, b.byteOffset + o, PACKET_HEADER_BYTES);
    const type = v.getInt16(0, true);
    const eventSize = v.getInt32(4, true);
    const tsOffset = v.getInt32(8, true);
    const overflow = v.getInt32(12, true);
    const capacity = v.getInt32(16, true);
    const number = v.getInt32(20, true);
    const body = capacity * eventSize;
    const at = this.pos;
    const problem: [number, string, string] | undefined =
      type < 0
        ? [0, 'eventType', `negative event type ${type}`]
        : eventSize < 1 || eventSize > 1 << 24
          ? [4, 'eventSize', `implausible event size ${eventSize}`]
          : overflow < 0
            ? [12, 'eventTSOverflow', `negative overflow ${overflow}`]
            : capacity < 0
              ? [16, 'eventCapacity', `negative capacity ${capacity}`]
              : number < 0 || number > capacity
                ? [20, 'eventNumber', `eventNumber ${number} outside [0, capacity ${capacity}]`]
                : body > this.maxPacketBytes
                  ? [
                      16,
                      'eventCapacity',
                      `packet body of ${body} bytes exceeds maxPacketBytes ${this.maxPacketBytes}`,
                    ]
                  : (type === POLARITY || type === SPECIAL) &&
                      (eventSize < 8 || tsOffset < 0 || tsOffset + 4 > eventSize)
                    ? [
                        8,
                        'eventTSOffset',
                        `timestamp offset ${tsOffset} does not fit ${eventSize}-byte events`,
                      ]
                    : undefined;
    if (problem) {
      this.fatal(at + problem[0], `packet header.${problem[1]}`, problem[2]);
      return;
    }
    this.type = type;
    this.eventSource = v.getInt16(2, true);
    this.eventSize = eventSize;
    this.tsOffset = tsOffset;
    this.overflow = overflow;
    this.number = number;
    this.bodyBytes = body;
    this.packetStart = at;
    this.state = State.Body;
  }

  private readBody(b: Uint8Array, o: number): void {
    if (this.type === POLARITY) {
      if (this.source === undefined) this.source = this.eventSource;
      if (this.eventSource !== this.source) {
        this.stats.skip('other_source_packets');
        return;
      }
      this.decodePolarity(b, o);
      return;
    }
    if (this.type === SPECIAL) this.readSpecial(b, o);
    else this.stats.skip(AEDAT3_EVENT_TYPES[this.type] ?? `type_${this.type}`, this.number);
  }

  private readSpecial(b: Uint8Array, o: number): void {
    const v = new DataView(b.buffer, b.byteOffset + o, this.bodyBytes);
    let other = 0;
    for (let k = 0; k < this.number; k++) {
      const data = v.getUint32(k * this.eventSize, true);
      if ((data & 1) === 0) continue;
      if (((data >>> 1) & 0x7f) === SPECIAL_TIMESTAMP_RESET) {
        // The device clock restarts at 0: continue the timeline from the last time seen.
        if (this.lastT > Number.NEGATIVE_INFINITY) this.resetBase = this.lastT;
        this.stats.repair('timestamp_reset');
      } else {
        other++;
      }
    }
    if (other > 0) this.stats.skip('special', other);
  }

  private decodePolarity(bytes: Uint8Array, o: number): void {
    const count = this.number;
    const size = this.eventSize;
    const tsAt = this.tsOffset;
    const v = new DataView(bytes.buffer, bytes.byteOffset + o, this.bodyBytes);
    const b = this.builder;
    b.reserve(count);
    const tUs = b.tUs;
    const xs = b.x;
    const ys = b.y;
    const ps = b.p;
    let n = b.length;
    const base = this.overflow * TWO_31 + this.resetBase;
    const maxX = this.streamInfo && this.streamInfo.width > 0 ? this.streamInfo.width - 1 : 32767;
    const maxY = this.streamInfo && this.streamInfo.height > 0 ? this.streamInfo.height - 1 : 32767;
    let last = this.lastT;
    let invalid = 0;
    let outside = 0;
    let backwards = 0;
    for (let k = 0, e = 0; k < count; k++, e += size) {
      const data = v.getUint32(e, true);
      if ((data & 1) === 0) {
        invalid++;
        continue;
      }
      const x = data >>> 17;
      const y = (data >>> 2) & 0x7fff;
      if (x > maxX || y > maxY) {
        outside++;
        continue;
      }
      let t = base + v.getInt32(e + tsAt, true);
      if (t < last) {
        backwards++;
        t = last;
      }
      last = t;
      tUs[n] = t;
      xs[n] = x;
      ys[n] = y;
      ps[n] = (data >>> 1) & 1;
      n++;
    }
    this.lastT = last;
    b.commit(n - b.length);
    if (invalid) this.stats.skip('invalid', invalid);
    if (outside) this.stats.skip('out_of_range', outside);
    if (backwards) this.stats.repair('time_backwards', backwards);
  }
}

export function createAedat3Decoder(options: Aedat3DecoderOptions = {}): Aedat3Decoder {
  return new Aedat3Decoder(options);
}
