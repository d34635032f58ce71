/**
 * EVT 2.1 decoder (event-formats.md §2.7): 64-bit words read as two little-endian uint32 halves.
 * Type in bits 63-60; CD words (0 OFF, 1 ON) carry ts low 6 bits (59-54), base x (53-43),
 * y (42-32) and a 32-bit valid mask: one event at (x + i, y) per set bit i, in increasing x.
 * Time rules are EVT 2.0's (34-bit, half-range loop rule, glitches clamped, CD before the first
 * TIME_HIGH dropped).
 *
 * Byte order: 'little' (whole word LE: mask half first) or 'legacy' (upper half first). Chosen by
 * the `endianness` option, else the header, else 'little'. A sanity check on the first 4 KiB of
 * data (word types, non-empty masks inside the geometry, TIME_HIGH present and non-decreasing)
 * switches a header/default order that fails it to the other order when that one passes, with an
 * issue on field "endianness"; an order given as an option is kept and only reported.
 */
import type { Evt21Endianness } from '../prophesee-header/raw-header.ts';
import { RawEvtDecoder } from '../prophesee-header/raw-decoder.ts';
import type { DecoderOptions } from '../types.ts';

const HALF_HIGH = 2 ** 27;
const LOOP_US = 2 ** 34;
/** Bytes of data looked at to check the byte order. */
export const EVT21_PROBE_BYTES = 4096;
const RESERVE_BLOCK = 1 << 16;

export interface Evt21DecoderOptions extends DecoderOptions {
  /** 64-bit word byte order; default: the header's, else 'little'. */
  readonly endianness?: Evt21Endianness;
}

export class Evt21Decoder extends RawEvtDecoder {
  private readonly forcedOrder: Evt21Endianness | undefined;
  private order: Evt21Endianness | undefined;
  private probe: Uint8Array | undefined = new Uint8Array(0);
  private probeOffset = -1;
  private started = false;
  private high = 0;
  private loopBase = 0;
  private timeBase = 0;
  private tEmit = 0;
  private firstInvalidReported = false;

  constructor(options: Evt21DecoderOptions = {}) {
    super('evt21', 8, 4, 11, 32, options);
    const e = options.endianness;
    if (e !== undefined && e !== 'little' && e !== 'legacy') {
      throw new RangeError(`"endianness" must be 'little' or 'legacy', got ${String(e)}`);
    }
    this.forcedOrder = e;
  }

  /** The byte order in use, once decided. */
  get endianness(): Evt21Endianness | undefined {
    return this.order;
  }

  protected override pendingBytes(): number {
    return this.aligner.pending + (this.probe?.length ?? 0);
  }

  protected decodeBody(bytes: Uint8Array, offset: number): void {
    if (this.probe !== undefined) {
      if (this.probeOffset < 0) this.probeOffset = offset;
      const next = new Uint8Array(this.probe.length + bytes.length);
      next.set(this.probe);
      next.set(bytes, this.probe.length);
      this.probe = next;
      if (next.length < EVT21_PROBE_BYTES) return;
      this.decideOrder(next);
      this.probe = undefined;
      this.decodeAligned(next, this.probeOffset);
      return;
    }
    this.decodeAligned(bytes, offset);
  }

  protected override finishBody(endOffset: number): void {
    if (this.probe !== undefined) {
      const p = this.probe;
      this.decideOrder(p);
      this.probe = undefined;
      if (p.length > 0) this.decodeAligned(p, this.probeOffset);
    }
    super.finishBody(endOffset);
  }

  private decideOrder(bytes: Uint8Array): void {
    const candidate = this.forcedOrder ?? this.headerEndianness ?? 'little';
    this.order = candidate;
    const n = bytes.length >>> 3;
    if (n < 2) return;
    const copy = new Uint32Array(2 * n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 8);
    for (let i = 0; i < 2 * n; i++) copy[i] = dv.getUint32(4 * i, true);
    const other: Evt21Endianness = candidate === 'little' ? 'legacy' : 'little';
    const mine = this.plausible(copy, candidate);
    const theirs = this.plausible(copy, other);
    if (mine >= 0.9 || theirs < 0.99) {
      if (mine < 0.9) {
        this.stats.issue(
          this.probeOffset,
          'endianness',
          `data does not look like EVT 2.1 in either byte order (${Math.round(mine * 100)}% plausible as ${candidate}); decoding as ${candidate}`,
        );
      }
      return;
    }
    const source = this.forcedOrder ? 'option' : this.headerEndianness ? 'header' : 'default';
    if (this.forcedOrder) {
      this.stats.issue(
        this.probeOffset,
        'endianness',
        `data reads as EVT 2.1 '${other}' byte order, not the '${candidate}' given as option; keeping the option`,
      );
      return;
    }
    this.order = other;
    this.stats.issue(
      this.probeOffset,
      'endianness',
      `data reads as EVT 2.1 '${other}' byte order, not '${candidate}' (${source}); decoding as '${other}'`,
    );
  }

  /** Fraction of plausible words when read in `order` (0 when no TIME_HIGH, or TIME_HIGH steps back without a loop). */
  private plausible(words: Uint32Array, order: Evt21Endianness): number {
    const n = words.length >>> 1;
    const hiIdx = order === 'little' ? 1 : 0;
    let good = 0;
    let timeHighs = 0;
    let lastHigh = -1;
    for (let j = 0; j < n; j++) {
      const hi = words[2 * j + hiIdx];
      const lo = words[2 * j + 1 - hiIdx];
      const type = hi >>> 28;
      if (type <= 1) {
        const x = (hi >>> 11) & 0x7ff;
        const y = hi & 0x7ff;
        if (lo !== 0 && x + 31 - Math.clz32(lo) < this.maxX && y < this.maxY) good++;
      } else if (type === 0x8) {
        const h = hi & 0x0fffffff;
        if (h < lastHigh && lastHigh - h <= HALF_HIGH) return 0;
        lastHigh = h;
        timeHighs++;
        good++;
      } else if (type === 0xa || type === 0xe || type === 0xf) good++;
    }
    if (timeHighs === 0 && n >= 8) return 0;
    return good / n;
  }

  private decodeAligned(bytes: Uint8Array, offset: number): void {
    const firstWordOffset = offset - this.aligner.pending;
    const aligned = this.aligner.take(bytes);
    const n = aligned.length >>> 3;
    if (n === 0) return;
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, 2 * n);
    const hiIdx = this.order === 'legacy' ? 0 : 1;
    let j = 0;
    if (!this.started) {
      let dropped = 0;
      while (j < n && words[2 * j + hiIdx] >>> 28 !== 0x8) {
        if (words[2 * j + hiIdx] >>> 28 <= 1) dropped += popcount32(words[2 * j + 1 - hiIdx]);
        j++;
      }
      if (dropped > 0) this.stats.skip('before_first_time_high', dropped);
      if (j === n) return;
      this.started = true;
      this.high = words[2 * j + hiIdx] & 0x0fffffff;
      this.timeBase = this.high * 64;
      this.tEmit = this.timeBase;
      j++;
    }
    this.decodeWords(words, j, hiIdx, firstWordOffset);
  }

  private decodeWords(words: Uint32Array, start: number, hiIdx: number, firstWordOffset: number): void {
    const n = words.length >>> 1;
    const loIdx = 1 - hiIdx;
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
    let clamped = 0;
    let wraps = 0;
    let highBack = 0;
    let outOfBounds = 0;
    let triggers = 0;
    let others = 0;
    let continued = 0;
    let invalid = 0;
    for (let j = start; j < n; j++) {
      const hi = words[2 * j + hiIdx];
      const type = hi >>> 28;
      if (type <= 1) {
        let m = words[2 * j + loIdx];
        if (m === 0) continue;
        const x0 = (hi >>> 11) & 0x7ff;
        const y = hi & 0x7ff;
        let t = timeBase + ((hi >>> 22) & 63);
        if (t < tEmit) {
          t = tEmit;
          clamped += popcount32(m);
        }
        tEmit = t;
        if (k + 32 > cap) {
          b.commit(k - b.length);
          b.reserve(Math.min(4 * (n - j), RESERVE_BLOCK) + 32);
          tUs = b.tUs;
          xs = b.x;
          ys = b.y;
          ps = b.p;
          cap = tUs.length;
        }
        if (y < maxY && x0 + 32 <= maxX) {
          while (m !== 0) {
            const low = m & -m;
            tUs[k] = t;
            xs[k] = x0 + 31 - Math.clz32(low);
            ys[k] = y;
            ps[k] = type;
            k++;
            m ^= low;
          }
        } else {
          while (m !== 0) {
            const low = m & -m;
            const x = x0 + 31 - Math.clz32(low);
            m ^= low;
            if (x < maxX && y < maxY) {
              tUs[k] = t;
              xs[k] = x;
              ys[k] = y;
              ps[k] = type;
              k++;
            } else {
              outOfBounds++;
              this.reportOutOfBounds(firstWordOffset + 8 * j, x, y);
            }
          }
        }
      } else if (type === 0x8) {
        const h = hi & 0x0fffffff;
        if (high - h > HALF_HIGH) {
          loopBase += LOOP_US;
          wraps++;
        } else if (h < high) highBack++;
        high = h;
        timeBase = loopBase + h * 64;
      } else if (type === 0xa) triggers++;
      else if (type === 0xe) others++;
      else if (type === 0xf) continued++;
      else {
        invalid++;
        if (!this.firstInvalidReported) {
          this.firstInvalidReported = true;
          this.stats.issue(
            firstWordOffset + 8 * j,
            'word type',
            `unknown EVT 2.1 word type 0x${type.toString(16)}; such words are skipped and counted in skipped.invalid_word`,
          );
        }
      }
    }
    b.commit(k - b.length);
    this.noteYield(n - start, k - k0);
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
    if (others) s.skip('others', others);
    if (continued) s.skip('continued', continued);
    if (invalid) s.skip('invalid_word', invalid);
  }
}

function popcount32(v: number): number {
  let m = v >>> 0;
  m = m - ((m >>> 1) & 0x55555555);
  m = (m & 0x33333333) + ((m >>> 2) & 0x33333333);
  return (((m + (m >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
