/**
 * EVT 2.1 writer (event-formats.md §2.7): RAW header (`% evt 2.1`, `% format EVT21;...`, with
 * `;endianness=legacy` for the legacy order), TIME_HIGH words as EVT 2.0, and one CD word per
 * run of consecutive events with the same (t, y, p) and increasing x within 32 pixels of the
 * first (valid mask bit i = event at x + i).
 */
import type { EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import { checkAddress, Evt2TimeWriter } from '../evt2/encoder.ts';
import { rawHeader } from '../prophesee-header/raw-header-writer.ts';
import { GrowableWords32 } from '../prophesee-header/growable-words.ts';
import type { Evt21Endianness } from '../prophesee-header/raw-header.ts';
import { type RebaseTime, TimeOrigin } from '../prophesee-header/time-origin.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';

export interface Evt21EncoderOptions extends EncoderOptions {
  /** 64-bit word byte order: 'little' (default; whole word LE) or 'legacy' (upper half first). */
  readonly endianness?: Evt21Endianness;
  /** Time origin: 'auto' (default), 'always' or 'never' (see TimeOrigin). */
  readonly rebaseTime?: RebaseTime;
}

export class Evt21Encoder implements EventEncoder {
  private readonly order: Evt21Endianness;
  private readonly origin: TimeOrigin;
  private began = false;
  private readonly time = new Evt2TimeWriter();
  private readonly out = new GrowableWords32();
  private readonly pushTimeHigh = (hi: number): void => this.pushWord(hi, 0);
  private maxX = 2048;
  private maxY = 2048;

  constructor(options: Evt21EncoderOptions = {}) {
    const e = options.endianness ?? 'little';
    if (e !== 'little' && e !== 'legacy') {
      throw new RangeError(`"endianness" must be 'little' or 'legacy', got ${String(e)}`);
    }
    this.order = e;
    this.origin = new TimeOrigin(options.rebaseTime);
  }

  begin(info: StreamInfo): Uint8Array {
    if (this.began) throw new Error('begin() called twice');
    this.began = true;
    makeStreamInfo(info);
    this.maxX = Math.min(info.width || 2048, 2048);
    this.maxY = Math.min(info.height || 2048, 2048);
    const suffix = this.order === 'legacy' ? ';endianness=legacy' : '';
    return rawHeader(info, '2.1', 'EVT21', suffix);
  }

  encode(packet: EventPacket): Uint8Array {
    if (!this.began) throw new Error('encode() before begin()');
    const n = packet.length;
    const { tUs, x, y, p } = packet;
    this.out.reset();
    if (n > 0) this.origin.see(tUs[0]);
    const origin = this.origin.origin;
    let i = 0;
    while (i < n) {
      const t = tUs[i];
      const low = this.time.advance(t - origin, i, this.pushTimeHigh);
      checkAddress(i, x[i], y[i], p[i], this.maxX, this.maxY);
      const x0 = x[i];
      let mask = 1;
      let j = i + 1;
      while (j < n && tUs[j] === t && y[j] === y[i] && p[j] === p[i] && x[j] > x[j - 1] && x[j] < x0 + 32) {
        checkAddress(j, x[j], y[j], p[j], this.maxX, this.maxY);
        mask |= 1 << (x[j] - x0);
        j++;
      }
      this.pushWord(((p[i] << 28) | (low << 22) | (x0 << 11) | y[i]) >>> 0, mask >>> 0);
      i = j;
    }
    return this.out.bytes();
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }

  private pushWord(hi: number, lo: number): void {
    if (this.order === 'little') {
      this.out.push(lo);
      this.out.push(hi);
    } else {
      this.out.push(hi);
      this.out.push(lo);
    }
  }
}
