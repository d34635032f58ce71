/**
 * Resumable decoder for the eDVS E0–E4 byte stream (see formats.ts for the layouts).
 *
 * - Resync: a byte that should start an event but has its MSB clear is skipped and counted
 *   (`skipped.resync_bytes`), as libcaer does; each run of such bytes is one issue with its offset.
 *   ASCII text the firmware prints between events (replies, a banner after a reset) is skipped
 *   the same way.
 * - Time: E2 (16-bit µs, wraps every 65.536 ms) adds 2^16 on every decrease, as libcaer and jAER
 *   do; a scene silent for longer than one period loses that wrap, which nothing in the stream
 *   can reveal. E3/E4 (24/32-bit) unwrap a backward jump larger than half the range and clamp a
 *   smaller one (`repaired.time_backwards`). E1 accumulates 7-bit-group deltas (most significant
 *   group first; a set MSB marks the last group). E0 has no timestamps: events take the arrival
 *   time given to `push` (µs since the decoder was created), or the last time when none is given.
 * - `discontinuity()` (after a reconnect or device reset) drops a partial event and re-bases the
 *   device clock so that time continues from the last event emitted (`repaired.rebase`).
 */
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import type { EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import { CounterUnwrapper } from '../../events/unwrap.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';
import {
  EDVS_HEIGHT,
  EDVS_TIMESTAMP_BITS,
  EDVS_TIMESTAMP_BYTES,
  EDVS_WIDTH,
  type EdvsFormat,
  parseEdvsFormat,
} from './formats.ts';

export interface EdvsDecoderOptions extends DecoderOptions {
  /** Event format selected on the device with `!E<n>`. Default 'E2'. */
  readonly format?: EdvsFormat | string;
  /** Flip x (x' = width − 1 − x), as jAER's DVS128 view does. Default false (libcaer: as sent). */
  readonly flipX?: boolean;
  /** Flip y. Default false. */
  readonly flipY?: boolean;
}

/** Most E1 delta groups (4 × 7 bits = 28 bits). */
const E1_MAX_GROUPS = 4;

export class EdvsDecoder implements EventDecoder {
  readonly stats = new DecodeStats();
  readonly info: StreamInfo;
  readonly format: EdvsFormat;
  private readonly tsBytes: number;
  private readonly tsBits: number;
  private readonly flipX: boolean;
  private readonly flipY: boolean;
  private readonly builder = new PacketBuilder(1024);
  private readonly unwrapper: CounterUnwrapper | undefined;
  private readonly createdMs = performance.now();

  /** Byte position inside the current event: 0 = expecting the sync byte. */
  private pos = 0;
  private addrY = 0;
  private addrX = 0;
  private pol = 0;
  private ts = 0;
  private groups = 0;
  private lastRaw = -1;
  /** Added to the unwrapped device time; moved by discontinuity(). */
  private base = 0;
  private rebasePending = false;
  private lastT = 0;
  private inGarbage = false;

  constructor(options: EdvsDecoderOptions = {}) {
    this.format = parseEdvsFormat(options.format ?? 'E2');
    this.tsBytes = EDVS_TIMESTAMP_BYTES[this.format];
    this.tsBits = EDVS_TIMESTAMP_BITS[this.format];
    this.flipX = options.flipX ?? false;
    this.flipY = options.flipY ?? false;
    if (this.tsBits > 16) this.unwrapper = new CounterUnwrapper(this.tsBits);
    const width = options.width ?? EDVS_WIDTH;
    const height = options.height ?? EDVS_HEIGHT;
    if (width < EDVS_WIDTH || height < EDVS_HEIGHT) {
      throw new RangeError(
        `eDVS geometry must be at least 128×128 (7-bit addresses), got ${width}×${height}`,
      );
    }
    this.info = makeStreamInfo({
      width,
      height,
      format: `edvs-${this.format.toLowerCase()}`,
      origin: options.origin ?? '',
      geometrySource: options.width !== undefined ? 'user' : 'default',
    });
  }

  /**
   * Decodes a chunk. `arrivalMs` (performance.now() when the bytes arrived) times E0 events,
   * which carry no timestamp.
   */
  push(chunk: Uint8Array, arrivalMs?: number): EventPacket {
    if (this.format === 'E0' && arrivalMs !== undefined) {
      const t = Math.max(this.lastT, Math.round((arrivalMs - this.createdMs) * 1000));
      this.lastT = t;
    }
    const start = this.stats.bytes;
    const n = chunk.length;
    const b = this.builder;
    b.reserve((n >> 1) + 1);
    let tCol = b.tUs;
    let xCol = b.x;
    let yCol = b.y;
    let pCol = b.p;
    let out = b.length;
    let cap = tCol.length;
    let pos = this.pos;
    let skipped = 0;
    const tsBytes = this.tsBytes;
    const fixed = tsBytes >= 0;
    const per = 2 + (fixed ? tsBytes : 0);
    const e2 = this.tsBits === 16;
    const flipX = this.flipX;
    const flipY = this.flipY;
    let lastRaw = this.lastRaw;
    let base = this.base;
    let wraps = 0;
    for (let i = 0; i < n; i++) {
      // Fast path: a whole fixed-size event in this chunk, decoded in locals.
      if (pos === 0 && fixed && i + per <= n && !this.rebasePending) {
        const b0 = chunk[i];
        if (b0 >= 0x80) {
          this.inGarbage = false;
          const b1 = chunk[i + 1];
          let t: number;
          if (e2) {
            const raw = (chunk[i + 2] << 8) | chunk[i + 3];
            if (raw < lastRaw) {
              base += 65536;
              wraps++;
            }
            lastRaw = raw;
            t = base + raw;
          } else if (per === 2) {
            t = this.lastT;
          } else {
            let raw = 0;
            for (let k = 2; k < per; k++) raw = raw * 256 + chunk[i + k];
            this.base = base;
            t = this.timeOf(raw);
            base = this.base;
          }
          if (out === cap) {
            b.commit(out - b.length);
            b.reserve(1024);
            tCol = b.tUs;
            xCol = b.x;
            yCol = b.y;
            pCol = b.p;
            cap = tCol.length;
          }
          tCol[out] = t;
          const x = b1 & 0x7f;
          const y = b0 & 0x7f;
          xCol[out] = flipX ? EDVS_WIDTH - 1 - x : x;
          yCol[out] = flipY ? EDVS_HEIGHT - 1 - y : y;
          pCol[out] = (b1 >> 7) ^ 1;
          out++;
          i += per - 1;
          continue;
        }
      }
      if (e2) {
        // hand the fast path's clock state to the general path
        this.lastRaw = lastRaw;
        this.base = base;
      }
      const byte = chunk[i];
      if (pos === 0) {
        if (byte < 0x80) {
          skipped++;
          if (!this.inGarbage) {
            this.inGarbage = true;
            this.stats.issue(
              start + i,
              'sync bit',
              'byte with MSB clear where an event should start; resynchronising',
            );
          }
          continue;
        }
        this.inGarbage = false;
        this.addrY = byte & 0x7f;
        pos = 1;
        continue;
      }
      if (pos === 1) {
        this.addrX = byte & 0x7f;
        this.pol = byte >> 7;
        this.ts = 0;
        this.groups = 0;
        if (tsBytes === 0) {
          pos = 0;
        } else {
          pos = 2;
          continue;
        }
      } else if (tsBytes > 0) {
        this.ts = this.ts * 256 + byte;
        if (pos - 1 < tsBytes) {
          pos++;
          continue;
        }
        pos = 0;
      } else {
        // E1: 7-bit delta groups, most significant first; MSB set on the last one.
        this.ts = this.ts * 128 + (byte & 0x7f);
        this.groups++;
        if (byte < 0x80) {
          if (this.groups >= E1_MAX_GROUPS) {
            this.stats.issue(
              start + i,
              'E1 delta',
              `no terminating group within ${E1_MAX_GROUPS} bytes; event dropped`,
            );
            this.stats.skip('bad_delta');
            pos = 0;
            continue;
          }
          pos++;
          continue;
        }
        pos = 0;
      }
      // A complete event.
      const t = this.timeOf(this.ts);
      lastRaw = this.lastRaw;
      base = this.base;
      if (out === cap) {
        b.commit(out - b.length);
        b.reserve(out + 1024 - b.length);
        tCol = b.tUs;
        xCol = b.x;
        yCol = b.y;
        pCol = b.p;
        cap = tCol.length;
      }
      tCol[out] = t;
      xCol[out] = this.flipX ? EDVS_WIDTH - 1 - this.addrX : this.addrX;
      yCol[out] = this.flipY ? EDVS_HEIGHT - 1 - this.addrY : this.addrY;
      pCol[out] = this.pol ^ 1;
      out++;
    }
    this.pos = pos;
    if (e2) {
      this.lastRaw = lastRaw;
      this.base = base;
      // E2 times are non-decreasing by construction (every decrease is a wrap).
      if (out > b.length) this.lastT = tCol[out - 1];
    }
    if (wraps > 0) this.stats.repair('time_wrap', wraps);
    if (skipped > 0) this.stats.skip('resync_bytes', skipped);
    this.stats.bytes += n;
    const made = out - b.length;
    b.commit(made);
    this.stats.events += made;
    return b.take();
  }

  end(): EventPacket {
    if (this.pos !== 0) {
      this.stats.issue(
        this.stats.bytes,
        'event',
        `stream ends inside an event (${this.pos} of its bytes read)`,
      );
      this.stats.skip('truncated_event');
      this.pos = 0;
    }
    return this.builder.take();
  }

  discontinuity(): void {
    if (this.pos !== 0) this.stats.skip('truncated_event');
    this.pos = 0;
    this.inGarbage = false;
    this.rebasePending = true;
    this.lastRaw = -1;
    this.unwrapper?.reset();
  }

  private timeOf(raw: number): number {
    let t: number;
    switch (this.tsBits) {
      case 0:
        if (this.format === 'E0') return this.lastT;
        t = this.lastT + raw; // E1 delta
        if (this.rebasePending) {
          this.rebasePending = false;
          this.stats.repair('rebase');
          t = this.lastT;
        }
        this.lastT = t;
        return t;
      case 16: {
        if (this.lastRaw >= 0 && raw < this.lastRaw) {
          this.base += 65536;
          this.stats.repair('time_wrap');
        }
        this.lastRaw = raw;
        t = this.base + raw;
        break;
      }
      default: {
        const u = this.unwrapper!;
        const wraps = u.wraps;
        t = this.base + u.unwrap(raw);
        if (u.wraps !== wraps) this.stats.repair('time_wrap');
        break;
      }
    }
    if (this.rebasePending) {
      this.rebasePending = false;
      this.base += this.lastT - t;
      this.stats.repair('rebase');
      t = this.lastT;
    }
    if (t < this.lastT) {
      this.stats.repair('time_backwards');
      return this.lastT;
    }
    this.lastT = t;
    return t;
  }
}

export function createEdvsDecoder(options?: EdvsDecoderOptions): EdvsDecoder {
  return new EdvsDecoder(options);
}
