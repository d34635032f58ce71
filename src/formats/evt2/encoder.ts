/**
 * EVT 2.0 writer (event-formats.md §2.6): RAW header, then one TIME_HIGH word whenever t >> 6
 * changes and one CD word per event. Across gaps of more than 2^26 TIME_HIGH units (1.19 h) it
 * inserts intermediate TIME_HIGH words, and from 0 up to a first event at or beyond 2^34 µs, so
 * a decoder counting 34-bit loops gives back the absolute times written.
 */
import type { EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import { rawHeader } from '../prophesee-header/raw-header-writer.ts';
import { GrowableWords32 } from '../prophesee-header/growable-words.ts';
import { type RebaseTime, TimeOrigin } from '../prophesee-header/time-origin.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';

/** Largest TIME_HIGH step written (half of the decoder's 2^27 loop threshold). */
export const EVT2_HIGH_STEP = 2 ** 26;
const HIGH_RANGE = 2 ** 28;
const TIME_HIGH = 0x80000000;

export interface Evt2EncoderOptions extends EncoderOptions {
  /** Time origin: 'auto' (default), 'always' or 'never' (see TimeOrigin). */
  readonly rebaseTime?: RebaseTime;
}

/**
 * Time bookkeeping shared by the EVT 2.0 and EVT 2.1 writers: validates event times and writes
 * the TIME_HIGH words (with fillers) needed before an event at `t`.
 */
export class Evt2TimeWriter {
  private started = false;
  private high = 0;
  private lastT = 0;

  /** Writes TIME_HIGH words for `t` through `push`; returns the 6-bit low part. */
  advance(t: number, index: number, push: (word: number) => void): number {
    if (!Number.isInteger(t) || t < 0 || t > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`event ${index}: time ${t} µs is not a non-negative integer`);
    }
    if (t < this.lastT) {
      throw new RangeError(
        `event ${index}: time ${t} µs goes back from ${this.lastT} µs (packets must be time-ordered)`,
      );
    }
    this.lastT = t;
    const h = Math.floor(t / 64);
    if (!this.started) {
      this.started = true;
      this.high = 0;
      if (h >= HIGH_RANGE) {
        push(TIME_HIGH);
        this.fill(h, push);
      }
      push((TIME_HIGH | (h % HIGH_RANGE)) >>> 0);
      this.high = h;
    } else if (h !== this.high) {
      this.fill(h, push);
      push((TIME_HIGH | (h % HIGH_RANGE)) >>> 0);
      this.high = h;
    }
    return t - h * 64;
  }

  private fill(h: number, push: (word: number) => void): void {
    let cur = this.high;
    while (h - cur > EVT2_HIGH_STEP) {
      cur += EVT2_HIGH_STEP;
      push((TIME_HIGH | (cur % HIGH_RANGE)) >>> 0);
    }
  }
}

/** Checks an event's address and polarity against the writer's limits. */
export function checkAddress(i: number, x: number, y: number, p: number, maxX: number, maxY: number): void {
  if (x >= maxX || y >= maxY || p > 1) {
    throw new RangeError(
      `event ${i}: x=${x}, y=${y}, p=${p} outside ${maxX}x${maxY} (addresses are 11 bits, p is 0 or 1)`,
    );
  }
}

export class Evt2Encoder implements EventEncoder {
  private began = false;
  private readonly origin: TimeOrigin;

  constructor(options: Evt2EncoderOptions = {}) {
    this.origin = new TimeOrigin(options.rebaseTime);
  }

  private readonly time = new Evt2TimeWriter();
  private readonly out = new GrowableWords32();
  private readonly push = (word: number): void => this.out.push(word);
  private maxX = 2048;
  private maxY = 2048;

  begin(info: StreamInfo): Uint8Array {
    if (this.began) throw new Error('begin() called twice');
    this.began = true;
    makeStreamInfo(info);
    this.maxX = Math.min(info.width || 2048, 2048);
    this.maxY = Math.min(info.height || 2048, 2048);
    return rawHeader(info, '2.0', 'EVT2');
  }

  encode(packet: EventPacket): Uint8Array {
    if (!this.began) throw new Error('encode() before begin()');
    const { tUs, x, y, p } = packet;
    const out = this.out;
    out.reset();
    if (packet.length > 0) this.origin.see(tUs[0]);
    const origin = this.origin.origin;
    for (let i = 0; i < packet.length; i++) {
      const low = this.time.advance(tUs[i] - origin, i, this.push);
      checkAddress(i, x[i], y[i], p[i], this.maxX, this.maxY);
      out.push(((p[i] << 28) | (low << 22) | (x[i] << 11) | y[i]) >>> 0);
    }
    return out.bytes();
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}
