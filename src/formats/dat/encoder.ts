/**
 * Prophesee `.dat` writer (event-formats.md §2.10): `% Data file containing Event2D events.`,
 * `% Version 2`, `% Height`, `% Width`, the stream's metadata, `% end`, then event type 0
 * (Event2D), size 8, and one 8-byte CD record per event.
 *
 * DAT time is a 32-bit µs counter: the first event must be below 2^32 µs and consecutive events
 * less than 2^31 µs apart (so a reader can unwrap); other streams are refused with a RangeError.
 * Times are written relative to the `rebaseTime` origin (by default 0, or the first event's time
 * when that is at or past 2^32 µs).
 */
import type { EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import { copyableMetadata, encodePercentHeader } from '../prophesee-header/header.ts';
import { type RebaseTime, TimeOrigin } from '../prophesee-header/time-origin.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';

export interface DatEncoderOptions extends EncoderOptions {
  /** Time origin: 'auto' (default), 'always' or 'never' (see TimeOrigin). */
  readonly rebaseTime?: RebaseTime;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class DatEncoder implements EventEncoder {
  private began = false;
  private readonly origin: TimeOrigin;

  constructor(options: DatEncoderOptions = {}) {
    this.origin = new TimeOrigin(options.rebaseTime);
  }

  private started = false;
  private lastT = 0;
  private maxX = 1 << 14;
  private maxY = 1 << 14;

  begin(info: StreamInfo): Uint8Array {
    if (this.began) throw new Error('begin() called twice');
    this.began = true;
    makeStreamInfo(info);
    if (info.width > 0) this.maxX = Math.min(info.width, this.maxX);
    if (info.height > 0) this.maxY = Math.min(info.height, this.maxY);
    const entries: [string, string][] = [
      ['Data', 'file containing Event2D events.'],
      ['Version', '2'],
    ];
    entries.push(...copyableMetadata(info.metadata));
    if (info.width > 0 && info.height > 0) {
      entries.push(['Height', String(info.height)], ['Width', String(info.width)]);
    }
    const header = encodePercentHeader(entries);
    const out = new Uint8Array(header.length + 2);
    out.set(header);
    out[header.length] = 0;
    out[header.length + 1] = 8;
    return out;
  }

  encode(packet: EventPacket): Uint8Array {
    if (!this.began) throw new Error('encode() before begin()');
    const n = packet.length;
    const { tUs, x, y, p } = packet;
    const out = new Uint32Array(2 * n);
    if (n > 0) this.origin.see(tUs[0]);
    const origin = this.origin.origin;
    for (let i = 0; i < n; i++) {
      const t = tUs[i] - origin;
      if (!Number.isInteger(t) || t < 0)
        throw new RangeError(`event ${i}: time ${t} µs is not a non-negative integer`);
      if (!this.started) {
        if (t >= 2 ** 32) {
          throw new RangeError(
            `event ${i}: DAT stores 32-bit µs times; first event at ${t} µs: use rebaseTime 'always' or subtract a time origin`,
          );
        }
        this.started = true;
      } else if (t < this.lastT) {
        throw new RangeError(
          `event ${i}: time ${t} µs goes back from ${this.lastT} µs (packets must be time-ordered)`,
        );
      } else if (t - this.lastT >= 2 ** 31) {
        throw new RangeError(
          `event ${i}: a gap of ${t - this.lastT} µs cannot be unwrapped from DAT's 32-bit time`,
        );
      }
      this.lastT = t;
      if (x[i] >= this.maxX || y[i] >= this.maxY || p[i] > 1) {
        throw new RangeError(
          `event ${i}: x=${x[i]}, y=${y[i]}, p=${p[i]} outside ${this.maxX}x${this.maxY} or p not 0/1`,
        );
      }
      out[2 * i] = t % 2 ** 32;
      out[2 * i + 1] = ((p[i] << 28) | (y[i] << 14) | x[i]) >>> 0;
    }
    if (HOST_LITTLE_ENDIAN) return new Uint8Array(out.buffer);
    const bytes = new Uint8Array(8 * n);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < 2 * n; i++) dv.setUint32(4 * i, out[i], true);
    return bytes;
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}
