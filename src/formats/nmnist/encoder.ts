/**
 * N-MNIST `.bin` encoder: 5-byte records (see decoder.ts). The 23-bit time field holds the time
 * since the last overflow marker; when an event's time passes 2^23 µs beyond that, the encoder
 * writes overflow markers (y = 240, each worth `overflowIncrementUs`) until it fits, so the file
 * decodes back to the same timestamps with the default decoder options.
 */
import type { EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';
import {
  NMNIST_DEFAULT_OVERFLOW_INCREMENT_US,
  NMNIST_DEFAULT_OVERFLOW_MARKER_Y,
  NMNIST_RECORD_BYTES,
  NMNIST_TIME_RANGE,
} from './decoder.ts';

/** How an encoder for a relative-time format places the first event. */
export type RebaseTime = 'auto' | 'always' | 'never';

export interface NmnistEncoderOptions extends EncoderOptions {
  /** µs per overflow marker; must match the decoder's. Default 8192 (2^13). */
  readonly overflowIncrementUs?: number;
  /**
   * Time origin of the file. 'never': timestamps are written as they are (exact round trip);
   * 'always': the first event is written at 0; 'auto' (default): like 'never', unless the first
   * timestamp is at or past 2^32 µs (71.6 min: absolute sensor time, e.g. Unix µs from AEDAT 4),
   * then like 'always'.
   */
  readonly rebaseTime?: RebaseTime;
}

/** 'auto' rebases a stream whose first timestamp is at or past this (µs). */
export const AUTO_REBASE_THRESHOLD_US = 2 ** 32;

export function validateRebase(value: unknown): RebaseTime {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'always' || value === 'never') return value;
  throw new RangeError(`"rebaseTime" must be "auto", "always" or "never", got ${String(value)}`);
}

export class NmnistEncoder implements EventEncoder {
  private readonly incrementUs: number;
  private readonly rebase: RebaseTime;
  private base = Number.NaN;
  /** Sum of the markers written so far (µs). */
  private markerOffset = 0;
  private lastT = Number.NEGATIVE_INFINITY;
  private eventsWritten = 0;

  constructor(options: NmnistEncoderOptions = {}) {
    const inc = options.overflowIncrementUs ?? NMNIST_DEFAULT_OVERFLOW_INCREMENT_US;
    if (!Number.isInteger(inc) || inc < 1 || inc > NMNIST_TIME_RANGE) {
      throw new RangeError(`"overflowIncrementUs" must be an integer in [1, 2^23], got ${inc}`);
    }
    this.incrementUs = inc;
    this.rebase = validateRebase(options.rebaseTime);
  }

  begin(info: StreamInfo): Uint8Array {
    if (info.width > 256 || info.height > NMNIST_DEFAULT_OVERFLOW_MARKER_Y) {
      throw new RangeError(
        `N-MNIST holds x < 256 and y < 240; geometry ${info.width}×${info.height} does not fit`,
      );
    }
    return new Uint8Array(0);
  }

  encode(packet: EventPacket): Uint8Array {
    const n = packet.length;
    if (n === 0) return new Uint8Array(0);
    const { tUs, x, y, p } = packet;
    if (Number.isNaN(this.base)) {
      const first = tUs[0];
      this.base =
        this.rebase === 'always' || (this.rebase === 'auto' && first >= AUTO_REBASE_THRESHOLD_US) ? first : 0;
    }
    const base = this.base;
    const inc = this.incrementUs;
    // Pass 1: validate and count the markers needed.
    let offset = this.markerOffset;
    let lastT = this.lastT;
    let markers = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.floor(tUs[i] - base);
      if (!(t >= 0) || tUs[i] < lastT) {
        throw new RangeError(
          `event ${this.eventsWritten + i}: time ${tUs[i]} µs is ${t < 0 ? 'before the file origin' : 'earlier than the previous event'}`,
        );
      }
      lastT = tUs[i];
      if (x[i] > 255 || y[i] >= NMNIST_DEFAULT_OVERFLOW_MARKER_Y) {
        throw new RangeError(
          `event ${this.eventsWritten + i}: (${x[i]}, ${y[i]}) does not fit N-MNIST (x < 256, y < 240)`,
        );
      }
      const over = t - offset - (NMNIST_TIME_RANGE - 1);
      if (over > 0) {
        const m = Math.ceil(over / inc);
        markers += m;
        offset += m * inc;
      }
    }
    // Pass 2: write.
    const out = new Uint8Array((n + markers) * NMNIST_RECORD_BYTES);
    offset = this.markerOffset;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.floor(tUs[i] - base);
      while (t - offset >= NMNIST_TIME_RANGE) {
        out[o + 1] = NMNIST_DEFAULT_OVERFLOW_MARKER_Y;
        o += NMNIST_RECORD_BYTES;
        offset += inc;
      }
      const raw = t - offset;
      out[o] = x[i];
      out[o + 1] = y[i];
      out[o + 2] = ((raw >>> 16) & 0x7f) | (p[i] ? 0x80 : 0);
      out[o + 3] = (raw >>> 8) & 0xff;
      out[o + 4] = raw & 0xff;
      o += NMNIST_RECORD_BYTES;
    }
    this.markerOffset = offset;
    this.lastT = lastT;
    this.eventsWritten += n;
    return out;
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}
