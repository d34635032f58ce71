/**
 * EVT 3.0 writer (event-formats.md §2.8). Writes a RAW header (`% evt 3.0`, `% format
 * EVT3;height=H;width=W`, `% geometry WxH`, the stream's metadata, `% end`) and 16-bit LE words:
 * TIME_HIGH / TIME_LOW only when the time changes, ADDR_Y only when y changes, and ADDR_X per
 * event, except that a run of at least `vectorMinRun` consecutive events with the same (t, y, p)
 * and increasing x within 32 pixels of the first is written as VECT_BASE_X + VECT_12 [+ VECT_12
 * [+ VECT_8]], emitting only the vector words the run needs.
 *
 * Time is absolute µs. Because EVT 3.0 time is 24 bits (16.78 s) and decoders count loops from
 * TIME_HIGH going back, the writer inserts extra TIME_HIGH words at most 1024 units (4.19 s) apart
 * across long gaps, and from TIME_HIGH 0 up to the first event, so decoding gives back exactly the
 * times written. A jump needing more than 2^18 such words (about 12.7 days) is refused. Times are
 * written relative to the `rebaseTime` origin (by default 0, or the first event's time when that
 * is at or past 2^32 µs).
 */
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { EventPacket } from '../../events/packet.ts';
import { rawHeader } from '../prophesee-header/raw-header-writer.ts';
import { type RebaseTime, TimeOrigin } from '../prophesee-header/time-origin.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';
import { GrowableWords16 } from '../prophesee-header/growable-words.ts';

export interface Evt3EncoderOptions extends EncoderOptions {
  /**
   * Shortest run of events with the same (t, y, p) and increasing x within 32 pixels that is
   * written as vectors rather than ADDR_X words. Default 3; `Infinity` writes no vectors.
   */
  readonly vectorMinRun?: number;
  /** Write vector words at all. Default true; false is the same as `vectorMinRun: Infinity`. */
  readonly vectors?: boolean;
  /** Time origin: 'auto' (default), 'always' or 'never' (see TimeOrigin). */
  readonly rebaseTime?: RebaseTime;
}

/** TIME_HIGH step the writer never exceeds (half of the decoder's 2048-unit loop threshold). */
const HIGH_STEP = 1024;
const MAX_FILLERS = 2 ** 18;

export class Evt3Encoder implements EventEncoder {
  private readonly vectorMinRun: number;
  private readonly out = new GrowableWords16();
  private began = false;
  private started = false;
  /** Absolute TIME_HIGH (t >> 12) last written. */
  private high = 0;
  private low = 0;
  private y = -1;
  private lastT = 0;
  private info: StreamInfo | undefined;
  private readonly time: TimeOrigin;

  constructor(options: Evt3EncoderOptions = {}) {
    const run = options.vectorMinRun ?? 3;
    if (
      typeof run !== 'number' ||
      !(run >= 1) ||
      (!Number.isInteger(run) && run !== Number.POSITIVE_INFINITY)
    ) {
      throw new RangeError(`"vectorMinRun" must be an integer >= 1 or Infinity, got ${String(run)}`);
    }
    if (options.vectors !== undefined && typeof options.vectors !== 'boolean') {
      throw new TypeError(`"vectors" must be a boolean, got ${String(options.vectors)}`);
    }
    this.vectorMinRun = options.vectors === false ? Number.POSITIVE_INFINITY : run;
    this.time = new TimeOrigin(options.rebaseTime);
  }

  begin(info: StreamInfo): Uint8Array {
    if (this.began) throw new Error('begin() called twice');
    this.began = true;
    checked(info);
    this.info = info;
    return rawHeader(info, '3.0', 'EVT3');
  }

  encode(packet: EventPacket): Uint8Array {
    if (!this.began) throw new Error('encode() before begin()');
    const n = packet.length;
    const { tUs, x, y, p } = packet;
    const out = this.out;
    out.reset();
    if (n > 0) this.time.see(tUs[0]);
    const origin = this.time.origin;
    const maxX = Math.min(this.info!.width || 2048, 2048);
    const maxY = Math.min(this.info!.height || 2048, 2048);
    let i = 0;
    while (i < n) {
      const t = tUs[i];
      this.writeTime(t - origin, i);
      const yi = y[i];
      const xi = x[i];
      const pi = p[i];
      if (xi >= maxX || yi >= maxY || pi > 1) {
        throw new RangeError(
          `event ${i}: x=${xi}, y=${yi}, p=${pi} outside ${maxX}x${maxY} (EVT 3.0 addresses are 11 bits, p is 0 or 1)`,
        );
      }
      if (yi !== this.y) {
        out.push(yi);
        this.y = yi;
      }
      let j = i + 1;
      if (this.vectorMinRun !== Number.POSITIVE_INFINITY) {
        while (
          j < n &&
          j - i < 32 &&
          tUs[j] === t &&
          y[j] === yi &&
          p[j] === pi &&
          x[j] > x[j - 1] &&
          x[j] < xi + 32 &&
          x[j] < maxX
        )
          j++;
      }
      if (j - i >= this.vectorMinRun) {
        out.push(0x3000 | (pi << 11) | xi);
        let m0 = 0;
        let m1 = 0;
        let m2 = 0;
        for (let e = i; e < j; e++) {
          const d = x[e] - xi;
          if (d < 12) m0 |= 1 << d;
          else if (d < 24) m1 |= 1 << (d - 12);
          else m2 |= 1 << (d - 24);
        }
        out.push(0x4000 | m0);
        if (m1 !== 0 || m2 !== 0) out.push(0x4000 | m1);
        if (m2 !== 0) out.push(0x5000 | m2);
        this.lastT = t - origin;
        i = j;
      } else {
        out.push(0x2000 | (pi << 11) | xi);
        this.lastT = t - origin;
        i++;
      }
    }
    return out.bytes();
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }

  private writeTime(t: number, index: number): void {
    if (!Number.isInteger(t) || t < 0 || t > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`event ${index}: time ${t} µs is not a non-negative integer`);
    }
    if (t < this.lastT) {
      throw new RangeError(
        `event ${index}: time ${t} µs goes back from ${this.lastT} µs (packets must be time-ordered)`,
      );
    }
    const h = Math.floor(t / 4096);
    const l = t - h * 4096;
    const out = this.out;
    if (!this.started) {
      this.started = true;
      this.high = 0;
      if (h >= 4096) {
        out.push(0x8000);
        this.stepHigh(h, index);
      }
      out.push(0x8000 | (h & 0xfff));
      this.high = h;
      this.low = 0;
    } else if (h !== this.high) {
      this.stepHigh(h, index);
      out.push(0x8000 | (h & 0xfff));
      this.high = h;
      this.low = 0;
    }
    if (l !== this.low) {
      out.push(0x6000 | l);
      this.low = l;
    }
  }

  /** Writes intermediate TIME_HIGH words so no step exceeds HIGH_STEP units. */
  private stepHigh(h: number, index: number): void {
    const gap = h - this.high;
    if (gap <= HIGH_STEP) return;
    const fillers = Math.ceil(gap / HIGH_STEP) - 1;
    if (fillers > MAX_FILLERS) {
      throw new RangeError(
        `event ${index}: time jumps ${gap * 4096} µs; EVT 3.0 would need ${fillers} TIME_HIGH words to keep count of its 16.78 s loops; use rebaseTime 'always' or subtract a time origin`,
      );
    }
    let cur = this.high;
    while (h - cur > HIGH_STEP) {
      cur += HIGH_STEP;
      this.out.push(0x8000 | (cur & 0xfff));
    }
  }
}

function checked(info: StreamInfo): void {
  makeStreamInfo(info);
}
