/**
 * spikeframe encoder: what a sensor's firmware sends (tests, the emulated microcontroller,
 * benchmarks), and the host's HelloRequest. Mirrors examples/firmware/spikeframe.h.
 */
import type { EventPacket } from '../../events/packet.ts';
import { cobsEncode } from './cobs.ts';
import { crc16Ccitt, crc32 } from './crc.ts';
import {
  EVENTS_HEADER_BYTES,
  FLAG_CRC32,
  FrameType,
  MAX_FRAME_BYTES,
  SPIKEFRAME_VERSION,
} from './protocol.ts';

export interface SpikeframeEncoderOptions {
  /** Channel count announced in Hello. Default 1. */
  readonly channels?: number;
  /** Device clock in Hz: event times (µs) are converted to ticks of this clock. Default 1 000 000. */
  readonly clockHz?: number;
  /** Device name announced in Hello (≤ 255 UTF-8 bytes). Default "spikestream-encoder". */
  readonly name?: string;
  /** Use CRC-32 instead of CRC-16/CCITT-FALSE. Default false. */
  readonly crc32?: boolean;
  /** Most events per Events frame. Default 64 (fits a small MCU buffer). */
  readonly eventsPerFrame?: number;
  /** First sequence number. Default 0. */
  readonly firstSeq?: number;
}

const utf8 = new TextEncoder();

export class SpikeframeEncoder {
  readonly channels: number;
  readonly clockHz: number;
  readonly name: string;
  readonly useCrc32: boolean;
  readonly eventsPerFrame: number;
  /** Sequence number of the next Events frame. */
  seq: number;
  private lastTicks = 0;

  constructor(options: SpikeframeEncoderOptions = {}) {
    const { channels = 1, clockHz = 1_000_000, name = 'spikestream-encoder', eventsPerFrame = 64 } = options;
    if (!Number.isInteger(channels) || channels < 1 || channels > 65535) {
      throw new RangeError(`"channels" must be an integer in [1, 65535], got ${channels}`);
    }
    if (!Number.isInteger(clockHz) || clockHz < 1 || clockHz > 0xffffffff) {
      throw new RangeError(`"clockHz" must be an integer in [1, 2^32), got ${clockHz}`);
    }
    if (utf8.encode(name).length > 255) throw new RangeError('"name" must be at most 255 UTF-8 bytes');
    if (!Number.isInteger(eventsPerFrame) || eventsPerFrame < 1 || eventsPerFrame > 400) {
      throw new RangeError(`"eventsPerFrame" must be an integer in [1, 400], got ${eventsPerFrame}`);
    }
    this.channels = channels;
    this.clockHz = clockHz;
    this.name = name;
    this.useCrc32 = options.crc32 ?? false;
    this.eventsPerFrame = eventsPerFrame;
    this.seq = (options.firstSeq ?? 0) & 0xffff;
  }

  /** A complete Hello frame (COBS + delimiter). */
  hello(): Uint8Array {
    const name = utf8.encode(this.name);
    const p = new Uint8Array(8 + name.length);
    p[0] = SPIKEFRAME_VERSION;
    p[1] = this.channels & 0xff;
    p[2] = this.channels >> 8;
    writeU32(p, 3, this.clockHz);
    p[7] = name.length;
    p.set(name, 8);
    return this.frame(FrameType.Hello, p);
  }

  /** A Log frame with `text`. */
  log(text: string): Uint8Array {
    return this.frame(FrameType.Log, utf8.encode(text));
  }

  /**
   * Events frames for `packet` (x = channel, p = sign; times in µs, non-decreasing). Times are
   * converted to ticks with ⌈t · clockHz / 10^6⌉ so that the host's ⌊ticks · 10^6 / clockHz⌋ gives
   * t back exactly whenever clockHz ≥ 1 MHz.
   */
  events(packet: EventPacket): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const body = new Uint8Array(MAX_FRAME_BYTES);
    for (let start = 0; start < packet.length; start += this.eventsPerFrame) {
      const end = Math.min(packet.length, start + this.eventsPerFrame);
      const first = this.ticksOf(packet.tUs[start]);
      let pos = EVENTS_HEADER_BYTES;
      body[0] = this.seq & 0xff;
      body[1] = this.seq >> 8;
      writeU32(body, 2, first % 2 ** 32);
      body[6] = (end - start) & 0xff;
      body[7] = (end - start) >> 8;
      let prev = first;
      for (let i = start; i < end; i++) {
        const ticks = this.ticksOf(packet.tUs[i]);
        if (ticks < prev) throw new RangeError(`event ${i}: time goes backwards`);
        const ch = packet.x[i];
        if (ch >= this.channels)
          throw new RangeError(`event ${i}: channel ${ch} ≥ channels ${this.channels}`);
        pos = writeVarint(body, pos, ticks - prev);
        pos = writeVarint(body, pos, ch * 2 + (packet.p[i] ? 1 : 0));
        prev = ticks;
      }
      this.lastTicks = prev;
      frames.push(this.frame(FrameType.Events, body.subarray(0, pos)));
      this.seq = (this.seq + 1) & 0xffff;
    }
    return frames;
  }

  /** Device ticks of the last event encoded. */
  get lastEventTicks(): number {
    return this.lastTicks;
  }

  /** A frame of `type` with `payload`: type, flags, payload, check; COBS-encoded with its 0x00. */
  frame(type: number, payload: Uint8Array): Uint8Array {
    const checkLen = this.useCrc32 ? 4 : 2;
    const f = new Uint8Array(2 + payload.length + checkLen);
    f[0] = type;
    f[1] = this.useCrc32 ? FLAG_CRC32 : 0;
    f.set(payload, 2);
    const n = 2 + payload.length;
    if (this.useCrc32) writeU32(f, n, crc32(f, 0, n));
    else {
      const c = crc16Ccitt(f, 0, n);
      f[n] = c & 0xff;
      f[n + 1] = c >> 8;
    }
    if (f.length > MAX_FRAME_BYTES)
      throw new RangeError(`frame of ${f.length} bytes exceeds ${MAX_FRAME_BYTES}`);
    return cobsEncode(f);
  }

  private ticksOf(tUs: number): number {
    return this.clockHz === 1_000_000 ? tUs : Math.ceil((tUs * this.clockHz) / 1e6);
  }
}

/** The host → device HelloRequest frame (always CRC-16). */
export function helloRequestFrame(): Uint8Array {
  return new SpikeframeEncoder().frame(FrameType.HelloRequest, new Uint8Array(0));
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

function writeVarint(b: Uint8Array, pos: number, v: number): number {
  if (!(v >= 0 && v < 2 ** 32)) throw new RangeError(`varint value ${v} outside [0, 2^32)`);
  while (v >= 0x80) {
    b[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  b[pos++] = v;
  return pos;
}

export function createSpikeframeEncoder(options?: SpikeframeEncoderOptions): SpikeframeEncoder {
  return new SpikeframeEncoder(options);
}
