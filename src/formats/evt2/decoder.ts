/**
 * EVT 2.0 decoder (event-formats.md §2.6): 32-bit little-endian words, type in bits 31-28.
 *
 * Time: t = loops·2^34 + TIME_HIGH·64 + low 6 bits of the CD word, absolute sensor µs.
 * Loop rule: a TIME_HIGH (28 bits) more than half its range (2^27 units, 2.39 h) below the
 * previous one is a wrap of the 34-bit clock; a smaller step back is a glitch (repaired.
 * time_high_backwards) and events keep the last emitted time until the stream catches up
 * (repaired.time_backwards). Emitted time never goes backwards.
 * CD events before the first TIME_HIGH are dropped (skipped.before_first_time_high).
 * EXT_TRIGGER, IMU, OTHERS and CONTINUED words are skipped and counted by kind.
 */
import { RawEvtDecoder } from '../prophesee-header/raw-decoder.ts';
import type { DecoderOptions } from '../types.ts';

const HALF_HIGH = 2 ** 27;
const LOOP_US = 2 ** 34;

export type Evt2DecoderOptions = DecoderOptions;

export class Evt2Decoder extends RawEvtDecoder {
  private started = false;
  private high = 0;
  private loopBase = 0;
  private timeBase = 0;
  private tEmit = 0;
  private firstInvalidReported = false;

  constructor(options: Evt2DecoderOptions = {}) {
    super('evt2', 4, 4, 11, 1, options);
  }

  protected decodeBody(bytes: Uint8Array, offset: number): void {
    const firstWordOffset = offset - this.aligner.pending;
    const aligned = this.aligner.take(bytes);
    const n = aligned.length >>> 2;
    if (n === 0) return;
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, n);
    let i = 0;
    if (!this.started) {
      let dropped = 0;
      while (i < n && words[i] >>> 28 !== 0x8) {
        if (words[i] >>> 28 <= 1) dropped++;
        i++;
      }
      if (dropped > 0) this.stats.skip('before_first_time_high', dropped);
      if (i === n) return;
      this.started = true;
      this.high = words[i] & 0x0fffffff;
      this.timeBase = this.high * 64;
      this.tEmit = this.timeBase;
      i++;
    }
    this.decodeWords(words, i, firstWordOffset);
  }

  private decodeWords(words: Uint32Array, start: number, firstWordOffset: number): void {
    const n = words.length;
    const b = this.builder;
    b.reserve(n - start);
    const tUs = b.tUs;
    const xs = b.x;
    const ys = b.y;
    const ps = b.p;
    let k = b.length;
    const maxX = this.maxX;
    const maxY = this.maxY;
    let high = this.high;
    let loopBase = this.loopBase;
    let timeBase = this.timeBase;
    let tEmit = this.tEmit;
    let clamped = 0;
    let wraps = 0;
    let highBack = 0;
    let outOfBounds = 0;
    let triggers = 0;
    let imu = 0;
    let others = 0;
    let continued = 0;
    let invalid = 0;
    for (let i = start; i < n; i++) {
      const w = words[i];
      const type = w >>> 28;
      if (type <= 1) {
        const x = (w >>> 11) & 0x7ff;
        const y = w & 0x7ff;
        let t = timeBase + ((w >>> 22) & 63);
        if (x < maxX && y < maxY) {
          if (t < tEmit) {
            t = tEmit;
            clamped++;
          }
          tEmit = t;
          tUs[k] = t;
          xs[k] = x;
          ys[k] = y;
          ps[k] = type;
          k++;
        } else {
          outOfBounds++;
          this.reportOutOfBounds(firstWordOffset + 4 * i, x, y);
        }
      } else if (type === 0x8) {
        const h = w & 0x0fffffff;
        if (high - h > HALF_HIGH) {
          loopBase += LOOP_US;
          wraps++;
        } else if (h < high) highBack++;
        high = h;
        timeBase = loopBase + h * 64;
      } else if (type === 0xa) triggers++;
      else if (type === 0xd) imu++;
      else if (type === 0xe) others++;
      else if (type === 0xf) continued++;
      else {
        invalid++;
        if (!this.firstInvalidReported) {
          this.firstInvalidReported = true;
          this.stats.issue(
            firstWordOffset + 4 * i,
            'word type',
            `unknown EVT 2.0 word type 0x${type.toString(16)}; such words are skipped and counted in skipped.invalid_word`,
          );
        }
      }
    }
    b.commit(k - b.length);
    this.high = high;
    this.loopBase = loopBase;
    this.timeBase = timeBase;
    this.tEmit = tEmit;
    const s = this.stats;
    if (wraps) s.repair('time_wrap', wraps);
    if (highBack) s.repair('time_high_backwards', highBack);
    if (clamped) s.repair('time_backwards', clamped);
    if (outOfBounds) s.skip('out_of_bounds', outOfBounds);
    if (triggers) s.skip('ext_trigger', triggers);
    if (imu) s.skip('imu', imu);
    if (others) s.skip('others', others);
    if (continued) s.skip('continued', continued);
    if (invalid) s.skip('invalid_word', invalid);
  }
}
