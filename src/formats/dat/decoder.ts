/**
 * Prophesee / ATIS `.dat` decoder (event-formats.md §2.10).
 *
 * Layout: `% ` header lines (optional `% Height H`, `% Width W`, `% Version N`), then one byte
 * event type and one byte event size, then fixed-size little-endian records. CD records (type 0
 * Event2D or 12 EventCD, 8 bytes): uint32 t (µs), uint32 w with x = bits 13-0, y = bits 27-14,
 * p = bit 28 ("Version 1" files: x = bits 8-0, y = bits 16-9, p = bit 17, as loris reads them).
 * Other record types (14 trigger, 40 optical flow, ...) are skipped and counted.
 *
 * Time: the 32-bit counter wraps every 71.6 min; a backward step of more than 2^31 µs is a wrap
 * (repaired.time_wrap), a smaller one is clamped (repaired.time_backwards).
 * Geometry: user option > header Width/Height > 304x240 (ATIS, as in N-CARS and the Gen1
 * automotive set), the last marked geometrySource 'default' with an issue. Events outside a
 * header or user geometry are dropped (skipped.out_of_bounds).
 */
import { makeStreamInfo } from '../../events/stream-info.ts';
import { headerLine, headerMetadata, type PercentHeader } from '../prophesee-header/header.ts';
import { HeaderedDecoder } from '../prophesee-header/headered-decoder.ts';
import { validateGeometryOptions } from '../prophesee-header/raw-header.ts';
import { WordAligner } from '../prophesee-header/word-aligner.ts';
import type { DecoderOptions } from '../types.ts';

/** Geometry assumed when a DAT header has no Width/Height (ATIS sensor, N-CARS / Gen1 data). */
export const DAT_DEFAULT_WIDTH = 304;
export const DAT_DEFAULT_HEIGHT = 240;

const RECORD_KINDS: Record<number, string> = {
  0: 'event2d',
  12: 'event_cd',
  14: 'ext_trigger',
  40: 'optical_flow',
};

export type DatDecoderOptions = DecoderOptions;

export class DatDecoder extends HeaderedDecoder {
  private readonly userWidth: number | undefined;
  private readonly userHeight: number | undefined;
  private readonly aligner = new WordAligner(8, 4);
  private preamble = new Uint8Array(2);
  private preambleLength = 0;
  private mode: 'preamble' | 'cd' | 'skip' = 'preamble';
  private skipKind = '';
  private recordSize = 8;
  private skipCarry = 0;
  private version = 2;
  private maxX = 1 << 14;
  private maxY = 1 << 14;
  private lastRaw = -1;
  private wrapBase = 0;
  private tEmit = 0;
  private outOfBoundsReported = false;

  constructor(options: DatDecoderOptions = {}) {
    super(options.origin);
    validateGeometryOptions(options);
    this.userWidth = options.width;
    this.userHeight = options.height;
  }

  protected startBody(header: PercentHeader): void {
    const metadata = headerMetadata(header);
    const versionLine = headerLine(header, 'Version');
    if (versionLine) {
      const v = Number(versionLine.value);
      if (Number.isInteger(v) && v >= 1) this.version = v;
      else
        this.stats.issue(
          versionLine.byteOffset,
          'Version',
          `unreadable version "${versionLine.value}"; reading as 2`,
        );
    }
    const w = this.dimension(header, 'Width');
    const h = this.dimension(header, 'Height');
    let width: number;
    let height: number;
    let geometrySource: 'header' | 'user' | 'default';
    if (this.userWidth !== undefined && this.userHeight !== undefined) {
      width = this.userWidth;
      height = this.userHeight;
      geometrySource = 'user';
    } else if (w !== undefined && h !== undefined) {
      width = w;
      height = h;
      geometrySource = 'header';
    } else {
      width = DAT_DEFAULT_WIDTH;
      height = DAT_DEFAULT_HEIGHT;
      geometrySource = 'default';
      metadata['spikestream_geometry_source'] = `default ${width}x${height} (no Width/Height in header)`;
      this.stats.issue(
        0,
        'geometry',
        `no Width/Height in the header: assuming ${width}x${height} (ATIS); pass width/height to override`,
      );
    }
    if (geometrySource !== 'default') {
      this.maxX = Math.min(width, this.maxX);
      this.maxY = Math.min(height, this.maxY);
    }
    if (this.version === 1) {
      this.maxX = Math.min(this.maxX, 512);
      this.maxY = Math.min(this.maxY, 256);
    }
    this.info = makeStreamInfo({
      width,
      height,
      format: 'dat',
      origin: this.origin,
      geometrySource,
      metadata,
    });
  }

  private dimension(header: PercentHeader, key: string): number | undefined {
    const line = headerLine(header, key);
    if (!line) return undefined;
    if (/^\d{1,5}$/.test(line.value) && Number(line.value) >= 1 && Number(line.value) <= 65535) {
      return Number(line.value);
    }
    this.stats.issue(line.byteOffset, key, `unreadable ${key} "${line.value}"`);
    return undefined;
  }

  protected pendingBytes(): number {
    if (this.mode === 'preamble') return this.preambleLength;
    return this.mode === 'cd' ? this.aligner.pending : this.skipCarry;
  }

  protected decodeBody(bytes: Uint8Array, offset: number): void {
    let body = bytes;
    let at = offset;
    if (this.mode === 'preamble') {
      const need = Math.min(2 - this.preambleLength, body.length);
      this.preamble.set(body.subarray(0, need), this.preambleLength);
      this.preambleLength += need;
      body = body.subarray(need);
      at += need;
      if (this.preambleLength < 2) return;
      if (!this.startRecords(at - 2)) return;
    }
    if (body.length === 0) return;
    if (this.mode === 'skip') {
      const total = this.skipCarry + body.length;
      const records = Math.floor(total / this.recordSize);
      this.skipCarry = total - records * this.recordSize;
      if (records > 0) this.stats.skip(this.skipKind, records);
      return;
    }
    const firstRecordOffset = at - this.aligner.pending;
    const aligned = this.aligner.take(body);
    const n = aligned.length >>> 3;
    if (n > 0)
      this.decodeRecords(new Uint32Array(aligned.buffer, aligned.byteOffset, 2 * n), firstRecordOffset);
  }

  /** Reads the event type and size bytes; false after a fatal issue. */
  private startRecords(offset: number): boolean {
    const type = this.preamble[0];
    const size = this.preamble[1];
    const kind = RECORD_KINDS[type];
    if (kind === undefined) {
      this.stats.issue(
        offset,
        'event type',
        `unknown DAT event type ${type} (expected 0 Event2D, 12 EventCD, 14 trigger or 40 optical flow): not a DAT file?`,
        true,
      );
      return false;
    }
    if (size === 0 || ((type === 0 || type === 12) && size !== 8)) {
      this.stats.issue(
        offset + 1,
        'event size',
        `event size ${size} for event type ${type} (CD records are 8 bytes)`,
        true,
      );
      return false;
    }
    this.recordSize = size;
    if (type === 0 || type === 12) {
      this.mode = 'cd';
    } else {
      this.mode = 'skip';
      this.skipKind = kind;
      this.stats.issue(
        offset,
        'event type',
        `file holds ${kind} records (type ${type}), not CD events: all skipped`,
      );
    }
    return true;
  }

  protected finishBody(endOffset: number): void {
    if (this.mode === 'preamble') {
      if (this.preambleLength > 0) {
        this.stats.issue(
          endOffset - this.preambleLength,
          'event type',
          'file ends inside the event type/size bytes',
        );
      }
      return;
    }
    const pending = this.pendingBytes();
    if (pending > 0) {
      this.stats.issue(
        endOffset - pending,
        'record',
        `truncated: ${pending} trailing byte(s) of an incomplete ${this.recordSize}-byte record`,
      );
      this.aligner.clear();
      this.skipCarry = 0;
    }
  }

  private decodeRecords(words: Uint32Array, firstRecordOffset: number): void {
    const n = words.length >>> 1;
    const b = this.builder;
    b.reserve(n);
    const tUs = b.tUs;
    const xs = b.x;
    const ys = b.y;
    const ps = b.p;
    let k = b.length;
    const maxX = this.maxX;
    const maxY = this.maxY;
    let lastRaw = this.lastRaw;
    let wrapBase = this.wrapBase;
    let tEmit = this.tEmit;
    let wraps = 0;
    let clamped = 0;
    let outOfBounds = 0;
    const v1 = this.version === 1;
    for (let i = 0; i < n; i++) {
      const raw = words[2 * i];
      const w = words[2 * i + 1];
      if (raw < lastRaw && lastRaw - raw > 0x80000000) {
        wrapBase += 0x100000000;
        wraps++;
      }
      lastRaw = raw;
      let t = wrapBase + raw;
      let x: number;
      let y: number;
      let p: number;
      if (v1) {
        x = w & 0x1ff;
        y = (w >>> 9) & 0xff;
        p = (w >>> 17) & 1;
      } else {
        x = w & 0x3fff;
        y = (w >>> 14) & 0x3fff;
        p = (w >>> 28) & 1;
      }
      if (x < maxX && y < maxY) {
        if (t < tEmit) {
          t = tEmit;
          clamped++;
        }
        tEmit = t;
        tUs[k] = t;
        xs[k] = x;
        ys[k] = y;
        ps[k] = p;
        k++;
      } else {
        outOfBounds++;
        if (!this.outOfBoundsReported) {
          this.outOfBoundsReported = true;
          this.stats.issue(
            firstRecordOffset + 8 * i,
            'address',
            `event at x=${x}, y=${y} outside the ${this.info?.width}x${this.info?.height} geometry; such events are dropped and counted in skipped.out_of_bounds`,
          );
        }
      }
    }
    b.commit(k - b.length);
    this.lastRaw = lastRaw;
    this.wrapBase = wrapBase;
    this.tEmit = tEmit;
    if (wraps) this.stats.repair('time_wrap', wraps);
    if (clamped) this.stats.repair('time_backwards', clamped);
    if (outOfBounds) this.stats.skip('out_of_bounds', outOfBounds);
  }
}
