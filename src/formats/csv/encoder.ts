/**
 * CSV encoder: exactly the header line `t,x,y,p`, then one row of integers per event
 * (t in µs, x, y, p 0/1), LF line ends. Optionally a Metavision-style `%geometry:W,H` first line
 * so the geometry survives a round trip.
 */
import type { EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';

export interface CsvEncoderOptions extends EncoderOptions {
  /** Write `%geometry:W,H` before the header (our decoder and Metavision read it). Default false. */
  readonly geometryLine?: boolean;
}

/** Longest row: 17 chars of time (sign + 16 digits), 5 + 5 of x/y, 1 of p, 3 commas, LF. */
const MAX_ROW_BYTES = 17 + 5 + 5 + 1 + 3 + 1;
const encoder = new TextEncoder();

/** Writes the decimal digits of a non-negative integer `v` at out[o]; returns the new offset. */
function writeUint(out: Uint8Array, o: number, v: number): number {
  if (v < 10) {
    out[o] = 48 + v;
    return o + 1;
  }
  let digits = 1;
  for (let p = 10; p <= v; p *= 10) digits++;
  const end = o + digits;
  for (let i = end - 1; i >= o; i--) {
    const q = Math.floor(v / 10);
    out[i] = 48 + (v - q * 10);
    v = q;
  }
  return end;
}

export class CsvEncoder implements EventEncoder {
  private readonly geometryLine: boolean;

  constructor(options: CsvEncoderOptions = {}) {
    if (options.geometryLine !== undefined && typeof options.geometryLine !== 'boolean') {
      throw new TypeError(`"geometryLine" must be a boolean, got ${JSON.stringify(options.geometryLine)}`);
    }
    this.geometryLine = options.geometryLine ?? false;
  }

  begin(info: StreamInfo): Uint8Array {
    const geometry = this.geometryLine ? `%geometry:${info.width},${info.height}\n` : '';
    return encoder.encode(`${geometry}t,x,y,p\n`);
  }

  encode(packet: EventPacket): Uint8Array {
    const n = packet.length;
    const out = new Uint8Array(n * MAX_ROW_BYTES);
    const { tUs, x, y, p } = packet;
    let o = 0;
    for (let i = 0; i < n; i++) {
      let t = Math.round(tUs[i]);
      if (t < 0) {
        out[o++] = 45;
        t = -t;
      }
      o = writeUint(out, o, t);
      out[o++] = 44;
      o = writeUint(out, o, x[i]);
      out[o++] = 44;
      o = writeUint(out, o, y[i]);
      out[o++] = 44;
      out[o++] = p[i] ? 49 : 48;
      out[o++] = 10;
    }
    return out.subarray(0, o);
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}
