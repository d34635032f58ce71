/**
 * AEDAT 3.1 writer: the cAER header (`#!AER-DAT3.1`, `#Format: RAW`, `#Source 1: <name>`,
 * `#Start-Time: …`, `#!END-HEADER`), then polarity packets (eventType 1, eventSource 1, 8-byte
 * events, eventTSOffset 4). A packet never spans a change of eventTSOverflow (time / 2^31), so
 * any µs timestamp below 2^62 is stored exactly.
 */
import { formatAedatHeader } from '../aedat-header/header.ts';
import type { EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';

export interface Aedat3EncoderOptions extends EncoderOptions {
  /**
   * Device name for `#Source 1:`. Default: the camera that has the stream's geometry (DVS128,
   * DAVIS240C, DAVIS346, DVXplorer) or "spikestream WIDTHxHEIGHT", which our decoder reads back.
   */
  readonly sourceName?: string;
  /** `#Start-Time:` text. Default: omitted (some cAER writers omit it too), so output is reproducible. */
  readonly startTime?: string;
  /** Most events per packet. Default 8192. */
  readonly maxPacketEvents?: number;
}

const NAMES: Readonly<Record<string, string>> = {
  '128x128': 'DVS128',
  '240x180': 'DAVIS240C',
  '346x260': 'DAVIS346B',
  '640x480': 'DVXplorer',
};
const TWO_31 = 2147483648;

export class Aedat3Encoder implements EventEncoder {
  private readonly options: Aedat3EncoderOptions;
  private readonly maxPacketEvents: number;
  private started = false;
  private maxX = 32767;
  private maxY = 32767;

  constructor(options: Aedat3EncoderOptions = {}) {
    const { maxPacketEvents = 8192 } = options;
    if (!(Number.isInteger(maxPacketEvents) && maxPacketEvents >= 1 && maxPacketEvents <= 1 << 24)) {
      throw new RangeError(`"maxPacketEvents" must be an integer in [1, 2^24], got ${maxPacketEvents}`);
    }
    this.options = options;
    this.maxPacketEvents = maxPacketEvents;
  }

  begin(info: StreamInfo): Uint8Array {
    if (this.started) throw new Error('AEDAT 3 encoder: begin() called twice');
    this.started = true;
    if (info.width > 32768 || info.height > 32768) {
      throw new RangeError(`AEDAT 3.1 holds 15-bit coordinates: ${info.width}×${info.height} is too large`);
    }
    if (info.width > 0) this.maxX = info.width - 1;
    if (info.height > 0) this.maxY = info.height - 1;
    const name =
      this.options.sourceName ??
      NAMES[`${info.width}x${info.height}`] ??
      `spikestream ${info.width}x${info.height}`;
    const lines = ['#!AER-DAT3.1', '#Format: RAW', `#Source 1: ${name}`];
    if (this.options.startTime) lines.push(`#Start-Time: ${this.options.startTime}`);
    lines.push('#!END-HEADER');
    return formatAedatHeader(lines);
  }

  encode(packet: EventPacket): Uint8Array {
    if (!this.started) throw new Error('AEDAT 3 encoder: encode() before begin()');
    const n = packet.length;
    const { tUs, x, y, p } = packet;
    // Packet boundaries: at most maxPacketEvents, and one overflow value per packet.
    const bounds: number[] = [0];
    for (let i = 1, start = 0; i <= n; i++) {
      if (
        i === n ||
        i - start >= this.maxPacketEvents ||
        Math.floor(tUs[i] / TWO_31) !== Math.floor(tUs[start] / TWO_31)
      ) {
        bounds.push(i);
        start = i;
      }
    }
    if (n === 0) return new Uint8Array(0);
    const out = new Uint8Array(28 * (bounds.length - 1) + 8 * n);
    const v = new DataView(out.buffer);
    let o = 0;
    for (let b = 1; b < bounds.length; b++) {
      const s = bounds[b - 1];
      const e = bounds[b];
      const count = e - s;
      const overflow = Math.floor(tUs[s] / TWO_31);
      v.setInt16(o, 1, true); // polarity
      v.setInt16(o + 2, 1, true); // source 1
      v.setInt32(o + 4, 8, true);
      v.setInt32(o + 8, 4, true);
      v.setInt32(o + 12, overflow, true);
      v.setInt32(o + 16, count, true);
      v.setInt32(o + 20, count, true);
      v.setInt32(o + 24, count, true);
      o += 28;
      for (let i = s; i < e; i++, o += 8) {
        if (x[i] > this.maxX || y[i] > this.maxY) {
          throw new RangeError(
            `event ${i}: (${x[i]}, ${y[i]}) is outside the ${this.maxX + 1}×${this.maxY + 1} geometry`,
          );
        }
        v.setUint32(o, ((x[i] << 17) | (y[i] << 2) | ((p[i] & 1) << 1) | 1) >>> 0, true);
        v.setInt32(o + 4, tUs[i] - overflow * TWO_31, true);
      }
    }
    return out;
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}

export function createAedat3Encoder(options: Aedat3EncoderOptions = {}): Aedat3Encoder {
  return new Aedat3Encoder(options);
}
