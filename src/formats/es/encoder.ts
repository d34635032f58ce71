/**
 * Event Stream `.es` 2.0 DVS encoder (see decoder.ts): the header, then per event the overflow
 * bytes (0xFF, 127 µs each) its time difference needs and 5 bytes of event, as sepia writes them.
 */
import type { EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import { AUTO_REBASE_THRESHOLD_US, type RebaseTime, validateRebase } from '../nmnist/encoder.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';
import { ES_HEADER_BYTES_DVS, ES_OVERFLOW, ES_OVERFLOW_US, ES_SIGNATURE } from './decoder.ts';

export interface EsEncoderOptions extends EncoderOptions {
  /**
   * Time origin (ES time starts at 0). 'never': timestamps written as they are (exact round
   * trip); 'always': first event at 0; 'auto' (default): 'always' only when the first timestamp
   * is at or past 2^32 µs (absolute sensor time), else 'never'.
   */
  readonly rebaseTime?: RebaseTime;
}

export class EsEncoder implements EventEncoder {
  private readonly rebase: RebaseTime;
  private width = 0;
  private height = 0;
  private base = Number.NaN;
  private lastT = 0;
  private written = 0;

  constructor(options: EsEncoderOptions = {}) {
    this.rebase = validateRebase(options.rebaseTime);
  }

  begin(info: StreamInfo): Uint8Array {
    this.width = info.width;
    this.height = info.height;
    const h = new Uint8Array(ES_HEADER_BYTES_DVS);
    h.set(new TextEncoder().encode(ES_SIGNATURE), 0);
    h[12] = 2;
    h[13] = 0;
    h[14] = 0;
    h[15] = 1; // DVS
    h[16] = info.width & 0xff;
    h[17] = info.width >> 8;
    h[18] = info.height & 0xff;
    h[19] = info.height >> 8;
    return h;
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
    let last = this.lastT;
    let overflows = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.floor(tUs[i] - base);
      if (!(t >= last)) {
        throw new RangeError(
          `event ${this.written + i}: time ${tUs[i]} µs is ${t < 0 ? 'before the file origin' : 'earlier than the previous event'}`,
        );
      }
      if (x[i] >= this.width || y[i] >= this.height) {
        throw new RangeError(
          `event ${this.written + i}: (${x[i]}, ${y[i]}) outside the ${this.width}×${this.height} geometry`,
        );
      }
      overflows += Math.floor((t - last) / ES_OVERFLOW_US);
      last = t;
    }
    const out = new Uint8Array(n * 5 + overflows);
    last = this.lastT;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.floor(tUs[i] - base);
      let rel = t - last;
      if (rel >= ES_OVERFLOW_US) {
        const m = Math.floor(rel / ES_OVERFLOW_US);
        out.fill(ES_OVERFLOW, o, o + m);
        o += m;
        rel -= m * ES_OVERFLOW_US;
      }
      out[o] = (rel << 1) | (p[i] ? 1 : 0);
      out[o + 1] = x[i] & 0xff;
      out[o + 2] = x[i] >> 8;
      out[o + 3] = y[i] & 0xff;
      out[o + 4] = y[i] >> 8;
      o += 5;
      last = t;
    }
    this.lastT = last;
    this.written += n;
    return out;
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}
