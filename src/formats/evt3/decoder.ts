/**
 * EVT 3.0 decoder (event-formats.md §2.8): 16-bit little-endian words, stateful.
 *
 * Time: t = loops·2^24 + TIME_HIGH·2^12 + TIME_LOW, in µs of absolute sensor time (not shifted to
 * start at 0, like OpenEB's standalone decoder; see docs/formats/prophesee.md). TIME_HIGH sets
 * the high part and resets the low part to 0; TIME_LOW replaces the low part.
 * Loop rule (OpenEB HAL): a TIME_HIGH at least 2048 units (half the 12-bit range, 8.39 s) below
 * the previous one is a wrap; a smaller step back is a glitch: counted in repaired.time_high_backwards,
 * and the events after it keep the last emitted time until the stream catches up
 * (repaired.time_backwards counts those events). Emitted time never goes backwards.
 * Vectors: VECT_BASE_X sets base x and polarity; each VECT_12 / VECT_8 word is decoded on its
 * own (no assumption that a 12-12-8 triple is complete) and advances the base by 12 / 8.
 * Words before the first TIME_HIGH have no time base: their events are dropped and counted in
 * skipped.before_first_time_high. EXT_TRIGGER, OTHERS, CONTINUED and IMU words are skipped and counted.
 */
import { RawEvtDecoder } from '../prophesee-header/raw-decoder.ts';
import type { DecoderOptions } from '../types.ts';

const NO_Y = 0xffff;
const LOOP_US = 2 ** 24;
const HALF_HIGH = 2048;
/** Events reserved at a time in the packet builder. */
const RESERVE_BLOCK = 1 << 16;

export type Evt3DecoderOptions = DecoderOptions;

export class Evt3Decoder extends RawEvtDecoder {
  private started = false;
  private high = 0;
  private loopBase = 0;
  private timeBase = 0;
  /** Time events get: max(current time, last emitted time). */
  private tEmit = 0;
  /** True while the current time is behind tEmit (events are being clamped). */
  private clamping = false;
  private y = NO_Y;
  private baseX = 0;
  private vectorP = 0;
  private firstInvalidReported = false;

  constructor(options: Evt3DecoderOptions = {}) {
    super('evt3', 2, 2, 11, 12, options);
  }

  protected decodeBody(bytes: Uint8Array, offset: number): void {
    const firstWordOffset = offset - this.aligner.pending;
    const aligned = this.aligner.take(bytes);
    const n = aligned.length >>> 1;
    if (n === 0) return;
    const words = new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    let i = 0;
    if (!this.started) {
      i = this.skipToFirstTimeHigh(words);
      if (i === n) return;
    }
    this.decodeWords(words, i, firstWordOffset);
  }

  /** Returns the index of the first TIME_HIGH (or n), counting the events before it. */
  private skipToFirstTimeHigh(words: Uint16Array): number {
    const n = words.length;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const w = words[i];
      const type = w >>> 12;
      if (type === 0x8) {
        this.started = true;
        this.high = w & 0xfff;
        this.timeBase = this.high * 4096;
        this.tEmit = this.timeBase;
        if (dropped > 0) this.stats.skip('before_first_time_high', dropped);
        return i + 1;
      }
      if (type === 0x2) dropped++;
      else if (type === 0x4) dropped += popcount(w & 0xfff);
      else if (type === 0x5) dropped += popcount(w & 0xff);
    }
    if (dropped > 0) this.stats.skip('before_first_time_high', dropped);
    return n;
  }

  private decodeWords(words: Uint16Array, start: number, firstWordOffset: number): void {
    const n = words.length;
    const b = this.builder;
    this.reserveFor(n - start);
    const k0 = b.length;
    let tUs = b.tUs;
    let xs = b.x;
    let ys = b.y;
    let ps = b.p;
    let cap = tUs.length;
    let k = b.length;
    const maxX = this.maxX;
    const maxY = this.maxY;
    let high = this.high;
    let loopBase = this.loopBase;
    let timeBase = this.timeBase;
    let tEmit = this.tEmit;
    let clampFrom = this.clamping ? k : -1;
    let clamped = 0;
    let y = this.y;
    let bx = this.baseX;
    let bp = this.vectorP;
    let wraps = 0;
    let highBack = 0;
    let outOfBounds = 0;
    let noY = 0;
    let triggers = 0;
    let others = 0;
    let continued = 0;
    let imu = 0;
    let invalid = 0;
    for (let i = start; i < n; i++) {
      const w = words[i];
      switch (w >>> 12) {
        case 0x2: {
          const x = w & 0x7ff;
          if (x < maxX && y < maxY) {
            if (k === cap) {
              b.commit(k - b.length);
              b.reserve(Math.min(2 * (n - i), RESERVE_BLOCK) + 12);
              tUs = b.tUs;
              xs = b.x;
              ys = b.y;
              ps = b.p;
              cap = tUs.length;
            }
            tUs[k] = tEmit;
            xs[k] = x;
            ys[k] = y;
            ps[k] = (w >>> 11) & 1;
            k++;
          } else if (y === NO_Y) noY++;
          else {
            outOfBounds++;
            this.reportOutOfBounds(firstWordOffset + 2 * i, x, y);
          }
          break;
        }
        case 0x0:
          y = w & 0x7ff;
          break;
        case 0x6: {
          const t = timeBase + (w & 0xfff);
          if (t >= tEmit) {
            if (clampFrom >= 0) {
              clamped += k - clampFrom;
              clampFrom = -1;
            }
            tEmit = t;
          } else if (clampFrom < 0) clampFrom = k;
          break;
        }
        case 0x4:
        case 0x5: {
          const wide = (w & 0x1000) === 0;
          const span = wide ? 12 : 8;
          let m = wide ? w & 0xfff : w & 0xff;
          if (m !== 0) {
            if (k + 12 > cap) {
              b.commit(k - b.length);
              b.reserve(Math.min(4 * (n - i), RESERVE_BLOCK) + 12);
              tUs = b.tUs;
              xs = b.x;
              ys = b.y;
              ps = b.p;
              cap = tUs.length;
            }
            if (y < maxY && bx + span <= maxX) {
              while (m !== 0) {
                const low = m & -m;
                tUs[k] = tEmit;
                xs[k] = bx + 31 - Math.clz32(low);
                ys[k] = y;
                ps[k] = bp;
                k++;
                m ^= low;
              }
            } else {
              while (m !== 0) {
                const low = m & -m;
                const x = bx + 31 - Math.clz32(low);
                m ^= low;
                if (x < maxX && y < maxY) {
                  tUs[k] = tEmit;
                  xs[k] = x;
                  ys[k] = y;
                  ps[k] = bp;
                  k++;
                } else if (y === NO_Y) noY++;
                else {
                  outOfBounds++;
                  this.reportOutOfBounds(firstWordOffset + 2 * i, x, y);
                }
              }
            }
          }
          bx += span;
          break;
        }
        case 0x3:
          bx = w & 0x7ff;
          bp = (w >>> 11) & 1;
          break;
        case 0x8: {
          const h = w & 0xfff;
          if (high - h >= HALF_HIGH) {
            loopBase += LOOP_US;
            wraps++;
          } else if (h < high) highBack++;
          high = h;
          timeBase = loopBase + h * 4096;
          if (timeBase >= tEmit) {
            if (clampFrom >= 0) {
              clamped += k - clampFrom;
              clampFrom = -1;
            }
            tEmit = timeBase;
          } else if (clampFrom < 0) clampFrom = k;
          break;
        }
        case 0xa:
          triggers++;
          break;
        case 0xe:
          others++;
          break;
        case 0x7:
        case 0xf:
          continued++;
          break;
        case 0xd:
          imu++;
          break;
        default:
          invalid++;
          if (!this.firstInvalidReported) {
            this.firstInvalidReported = true;
            this.stats.issue(
              firstWordOffset + 2 * i,
              'word type',
              `unknown EVT 3.0 word type 0x${(w >>> 12).toString(16)} (word 0x${w.toString(16).padStart(4, '0')}); such words are skipped and counted in skipped.invalid_word`,
            );
          }
      }
    }
    if (clampFrom >= 0) clamped += k - clampFrom;
    b.commit(k - b.length);
    this.noteYield(n - start, k - k0);
    this.high = high;
    this.loopBase = loopBase;
    this.timeBase = timeBase;
    this.tEmit = tEmit;
    this.clamping = clampFrom >= 0;
    this.y = y;
    this.baseX = bx;
    this.vectorP = bp;
    const s = this.stats;
    if (wraps) s.repair('time_wrap', wraps);
    if (highBack) s.repair('time_high_backwards', highBack);
    if (clamped) s.repair('time_backwards', clamped);
    if (outOfBounds) s.skip('out_of_bounds', outOfBounds);
    if (noY) s.skip('before_first_addr_y', noY);
    if (triggers) s.skip('ext_trigger', triggers);
    if (others) s.skip('others', others);
    if (continued) s.skip('continued', continued);
    if (imu) s.skip('imu', imu);
    if (invalid) s.skip('invalid_word', invalid);
  }
}

function popcount(v: number): number {
  let c = 0;
  let m = v;
  while (m !== 0) {
    m &= m - 1;
    c++;
  }
  return c;
}
