/**
 * eDVS E0–E4 byte-stream encoder: what an eDVS would send, for tests, the emulated device and
 * benchmarks. Timestamps are written modulo the format's counter width (E2: 16 bits) and E1
 * writes the delta to the previous event in 7-bit groups, most significant first, MSB set on
 * the last group. p = 1 (ON) is sent as polarity bit 0, as the device does.
 */
import type { EventPacket } from '../../events/packet.ts';
import {
  EDVS_HEIGHT,
  EDVS_TIMESTAMP_BYTES,
  EDVS_WIDTH,
  type EdvsFormat,
  parseEdvsFormat,
} from './formats.ts';

export interface EdvsEncoderOptions {
  /** Event format. Default 'E2'. */
  readonly format?: EdvsFormat | string;
}

export class EdvsEncoder {
  readonly format: EdvsFormat;
  private readonly tsBytes: number;
  private lastT: number | undefined = undefined;

  constructor(options: EdvsEncoderOptions = {}) {
    this.format = parseEdvsFormat(options.format ?? 'E2');
    this.tsBytes = EDVS_TIMESTAMP_BYTES[this.format];
  }

  /** Bytes for the events of `packet` (x, y < 128; tUs integer ≥ 0, non-decreasing for E1). */
  encode(packet: EventPacket): Uint8Array {
    const n = packet.length;
    const per = this.tsBytes >= 0 ? 2 + this.tsBytes : 6;
    const out = new Uint8Array(n * per);
    let o = 0;
    for (let i = 0; i < n; i++) {
      const x = packet.x[i];
      const y = packet.y[i];
      if (x >= EDVS_WIDTH || y >= EDVS_HEIGHT) {
        throw new RangeError(`event ${i}: (${x}, ${y}) outside the eDVS 128×128 array`);
      }
      const t = packet.tUs[i];
      out[o++] = 0x80 | y;
      out[o++] = (packet.p[i] ? 0 : 0x80) | x;
      switch (this.tsBytes) {
        case 0:
          break;
        case -1: {
          const delta = t - (this.lastT ?? 0);
          if (!(delta >= 0 && delta < 2 ** 28)) {
            throw new RangeError(`event ${i}: E1 delta ${delta} µs outside [0, 2^28)`);
          }
          let groups = 1;
          while (groups < 4 && delta >= 2 ** (7 * groups)) groups++;
          for (let g = groups - 1; g >= 0; g--) {
            const v = Math.floor(delta / 2 ** (7 * g)) & 0x7f;
            out[o++] = g === 0 ? v | 0x80 : v;
          }
          break;
        }
        default: {
          const raw = t % 2 ** (8 * this.tsBytes);
          for (let k = this.tsBytes - 1; k >= 0; k--) out[o++] = Math.floor(raw / 2 ** (8 * k)) & 0xff;
        }
      }
      this.lastT = t;
    }
    return o === out.length ? out : out.subarray(0, o);
  }
}

export function createEdvsEncoder(options?: EdvsEncoderOptions): EdvsEncoder {
  return new EdvsEncoder(options);
}
