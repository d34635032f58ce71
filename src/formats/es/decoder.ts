/**
 * Event Stream `.es` 2.0 decoder, DVS type (reference §2.14; layout as implemented by
 * neuromorphicsystems' sepia.hpp, not the bit-packed layout its older README describes).
 *
 * Header: "Event Stream" (12 bytes), version 2.x.y (3 bytes), type (1 byte: 0 generic, 1 DVS,
 * 2 ATIS, 4 color), then width and height as uint16 LE. Body, byte-wise: 0xFF = overflow
 * (t += 127 µs), 0xFE = reset (no event), else t += byte >> 1, ON = byte & 1, then x and y as
 * uint16 LE: 5 bytes per event. Time starts at 0 and is cumulative, so it never wraps.
 */
import { DecodeStats } from '../../events/decode-stats.ts';
import { allocateColumns, EMPTY_PACKET, type EventPacket, packetOf } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';

export const ES_SIGNATURE = 'Event Stream';
export const ES_HEADER_BYTES_DVS = 20;
export const ES_OVERFLOW = 0xff;
export const ES_RESET = 0xfe;
/** µs added by one overflow byte. */
export const ES_OVERFLOW_US = 127;
export const ES_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'generic',
  1: 'DVS',
  2: 'ATIS',
  4: 'color',
};

const SIGNATURE_BYTES = new TextEncoder().encode(ES_SIGNATURE);

/** Byte-state of the body state machine: 0 idle, 1..4 waiting for x lo, x hi, y lo, y hi. */
const IDLE = 0;

export class EsDecoder implements EventDecoder {
  info: StreamInfo | undefined;
  readonly stats = new DecodeStats();
  private readonly origin: string;
  private readonly userWidth: number | undefined;
  private readonly userHeight: number | undefined;
  private readonly header = new Uint8Array(ES_HEADER_BYTES_DVS);
  private headerLength = 0;
  private width = 0;
  private height = 0;
  private t = 0;
  private state = IDLE;
  private on = 0;
  private x = 0;
  private y = 0;
  /** Stream offset of the first byte of the event being assembled. */
  private eventOffset = 0;
  private stopped = false;

  constructor(options: DecoderOptions = {}) {
    this.origin = options.origin ?? '';
    for (const key of ['width', 'height'] as const) {
      const v = options[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 65535)) {
        throw new RangeError(`"${key}" must be an integer in [1, 65535], got ${v}`);
      }
    }
    this.userWidth = options.width;
    this.userHeight = options.height;
  }

  push(chunk: Uint8Array): EventPacket {
    if (this.stopped || chunk.length === 0) return EMPTY_PACKET;
    let start = 0;
    if (this.info === undefined) {
      start = this.readHeader(chunk);
      if (this.info === undefined || this.stopped) return EMPTY_PACKET;
    }
    return this.decodeBody(chunk, start);
  }

  end(): EventPacket {
    if (!this.stopped) {
      if (this.info === undefined) {
        this.stats.issue(
          this.stats.bytes,
          'header',
          `the stream ends inside the header (${this.headerLength} of ${ES_HEADER_BYTES_DVS} bytes)`,
          true,
        );
      } else if (this.state !== IDLE) {
        this.stats.issue(
          this.eventOffset,
          'event',
          `truncated event: ${this.state} of 5 bytes at end of stream`,
          true,
        );
      }
    }
    this.stopped = true;
    return EMPTY_PACKET;
  }

  /** Consumes header bytes from `chunk`; returns how many it used. */
  private readHeader(chunk: Uint8Array): number {
    const stats = this.stats;
    let used = 0;
    // Signature, version and type first (16 bytes); then the geometry for the types that have it.
    while (used < chunk.length && this.headerLength < 16) {
      const at = this.headerLength;
      const b = chunk[used++];
      this.header[at] = b;
      this.headerLength++;
      if (at < 12 && b !== SIGNATURE_BYTES[at]) {
        stats.bytes += used;
        return this.fail(at, 'signature', `not an Event Stream file (expected "${ES_SIGNATURE}")`, used);
      }
      if (at === 12 && b !== 2) {
        stats.bytes += used;
        return this.fail(at, 'version', `Event Stream version ${b}.x is not supported (only 2.x)`, used);
      }
      if (at === 15 && b !== 1) {
        stats.bytes += used;
        const name = ES_TYPE_NAMES[b];
        return this.fail(
          at,
          'type',
          `Event Stream type byte ${b}${name ? ` (${name})` : ' (unknown)'} is not supported; only DVS (type 1) is`,
          used,
        );
      }
    }
    while (used < chunk.length && this.headerLength < ES_HEADER_BYTES_DVS) {
      this.header[this.headerLength++] = chunk[used++];
    }
    stats.bytes += used;
    if (this.headerLength === ES_HEADER_BYTES_DVS) {
      const h = this.header;
      const fileWidth = h[16] | (h[17] << 8);
      const fileHeight = h[18] | (h[19] << 8);
      const user = this.userWidth !== undefined || this.userHeight !== undefined;
      this.width = this.userWidth ?? fileWidth;
      this.height = this.userHeight ?? fileHeight;
      this.info = makeStreamInfo({
        width: this.width,
        height: this.height,
        format: 'es',
        origin: this.origin,
        geometrySource: user ? 'user' : 'header',
        metadata: { version: `${h[12]}.${h[13]}.${h[14]}`, type: 'DVS' },
      });
    }
    return used;
  }

  private fail(offset: number, field: string, message: string, used: number): number {
    this.stats.issue(offset, field, message, true);
    this.stopped = true;
    return used;
  }

  private decodeBody(b: Uint8Array, start: number): EventPacket {
    const len = b.length;
    const cols = allocateColumns(Math.floor((len - start) / 5) + 1);
    const tUs = cols.tUs;
    const xs = cols.x;
    const ys = cols.y;
    const ps = cols.p;
    const width = this.width;
    const height = this.height;
    const base = this.stats.bytes - start;
    let t = this.t;
    let state = this.state;
    let on = this.on;
    let x = this.x;
    let y = this.y;
    let eventOffset = this.eventOffset;
    let k = 0;
    let resets = 0;
    let i = start;
    let badField = '';
    while (i < len) {
      if (state === IDLE) {
        const v = b[i];
        if (v === ES_OVERFLOW) {
          t += ES_OVERFLOW_US;
          i++;
          continue;
        }
        if (v === ES_RESET) {
          resets++;
          i++;
          continue;
        }
        if (i + 5 <= len) {
          // Whole event in this chunk: the common case.
          const ex = b[i + 1] | (b[i + 2] << 8);
          const ey = b[i + 3] | (b[i + 4] << 8);
          if (ex >= width || ey >= height) {
            eventOffset = base + i;
            badField = ex >= width ? 'x' : 'y';
            x = ex;
            y = ey;
            break;
          }
          t += v >> 1;
          tUs[k] = t;
          xs[k] = ex;
          ys[k] = ey;
          ps[k] = v & 1;
          k++;
          i += 5;
          continue;
        }
        eventOffset = base + i;
        t += v >> 1;
        on = v & 1;
        state = 1;
        i++;
        continue;
      }
      // An event split across chunks, one byte at a time.
      const v = b[i++];
      if (state === 1) x = v;
      else if (state === 2) x |= v << 8;
      else if (state === 3) y = v;
      else y |= v << 8;
      if (state === 2 && x >= width) {
        badField = 'x';
        break;
      }
      if (state === 4) {
        if (y >= height) {
          badField = 'y';
          break;
        }
        tUs[k] = t;
        xs[k] = x;
        ys[k] = y;
        ps[k] = on;
        k++;
        state = IDLE;
      } else {
        state++;
      }
    }
    this.t = t;
    this.state = state;
    this.on = on;
    this.x = x;
    this.y = y;
    this.eventOffset = eventOffset;
    this.stats.bytes = base + i;
    if (resets > 0) this.stats.skip('reset', resets);
    this.stats.events += k;
    if (badField !== '') {
      const value = badField === 'x' ? x : y;
      this.stats.issue(
        eventOffset,
        badField,
        `event ${badField} = ${value} outside the ${width}×${height} geometry (damaged or misaligned stream)`,
        true,
      );
      this.stopped = true;
    }
    return k === 0 ? EMPTY_PACKET : packetOf(cols, k);
  }
}
