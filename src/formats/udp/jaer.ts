/**
 * jAER UDP datagrams (AEUnicastOutput defaults): an int32 sequence number (optional, on by
 * default), then pairs of int32 address, int32 timestamp (µs), big-endian (a "swap bytes"
 * option gives little-endian). Addresses use the DVS128 layout:
 *
 *   bit 15 external/sync event (skipped, `skipped.external`), bits 14–8 y, bits 7–1 x, bit 0 polarity
 *
 * Conventions (jAER's DVS128 extractor, turned to a top-left origin): raw polarity 0 = ON;
 * x = 127 − rawX (jAER flips x); y = 127 − rawY (jAER's origin is bottom-left). `flipX: false`,
 * `flipY: false` and `polarityOnIsOne: true` select iniVation's documented raw convention instead.
 * Sequence gaps count lost datagrams (`skipped.lost_datagrams`); a datagram whose length does not
 * fit the layout keeps its complete events and counts as `skipped.malformed_datagram`.
 */
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import type { EventPacket } from '../../events/packet.ts';
import { CounterUnwrapper } from '../../events/unwrap.ts';

export interface JaerUdpOptions {
  /** Datagrams start with an int32 sequence number. Default true (jAER's default). */
  readonly sequence?: boolean;
  /** Little-endian fields (jAER's "swap bytes"). Default false: big-endian. */
  readonly littleEndian?: boolean;
  /** x = 127 − rawX, as jAER displays DVS128. Default true. */
  readonly flipX?: boolean;
  /** y = 127 − rawY, turning jAER's bottom-left origin into top-left. Default true. */
  readonly flipY?: boolean;
  /** Raw polarity bit 1 means ON (iniVation's doc). Default false (jAER: raw 0 = ON). */
  readonly polarityOnIsOne?: boolean;
}

export const DVS128_SIZE = 128;

export class JaerDatagramDecoder {
  readonly stats = new DecodeStats();
  datagrams = 0;
  private readonly o: Required<JaerUdpOptions>;
  private readonly builder = new PacketBuilder(256);
  private readonly unwrap = new CounterUnwrapper(32);
  private expectedSeq: number | undefined;
  private lastT = 0;

  constructor(options: JaerUdpOptions = {}) {
    this.o = {
      sequence: options.sequence ?? true,
      littleEndian: options.littleEndian ?? false,
      flipX: options.flipX ?? true,
      flipY: options.flipY ?? true,
      polarityOnIsOne: options.polarityOnIsOne ?? false,
    };
  }

  push(datagram: Uint8Array, _arrivalMs?: number): EventPacket {
    const at = this.stats.bytes;
    this.stats.bytes += datagram.length;
    this.datagrams++;
    const le = this.o.littleEndian;
    const dv = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    let pos = 0;
    if (this.o.sequence) {
      if (datagram.length < 4) {
        this.stats.skip('malformed_datagram');
        this.stats.issue(at, 'sequence', `datagram of ${datagram.length} bytes has no sequence number`);
        return this.builder.take();
      }
      const seq = dv.getInt32(0, le);
      if (this.expectedSeq !== undefined && seq !== this.expectedSeq) {
        const gap = (seq - this.expectedSeq) | 0;
        if (gap > 0) this.stats.skip('lost_datagrams', gap);
        else this.stats.skip('reordered_datagrams');
      }
      this.expectedSeq = (seq + 1) | 0;
      pos = 4;
    }
    const pairs = (datagram.length - pos) >> 3;
    const b = this.builder;
    b.reserve(pairs);
    const tCol = b.tUs;
    const xCol = b.x;
    const yCol = b.y;
    const pCol = b.p;
    let out = b.length;
    let external = 0;
    let backwards = 0;
    const onBit = this.o.polarityOnIsOne ? 1 : 0;
    for (let k = 0; k < pairs; k++, pos += 8) {
      const addr = dv.getInt32(pos, le);
      const wraps = this.unwrap.wraps;
      let t = this.unwrap.unwrap(dv.getUint32(pos + 4, le));
      if (this.unwrap.wraps !== wraps) this.stats.repair('time_wrap');
      if (addr & 0x8000) {
        external++;
        continue;
      }
      if (t < this.lastT) {
        backwards++;
        t = this.lastT;
      }
      this.lastT = t;
      const rawX = (addr >> 1) & 0x7f;
      const rawY = (addr >> 8) & 0x7f;
      tCol[out] = t;
      xCol[out] = this.o.flipX ? 127 - rawX : rawX;
      yCol[out] = this.o.flipY ? 127 - rawY : rawY;
      pCol[out] = (addr & 1) === onBit ? 1 : 0;
      out++;
    }
    if (external) this.stats.skip('external', external);
    if (backwards) this.stats.repair('time_backwards', backwards);
    if (pos !== datagram.length) {
      this.stats.skip('malformed_datagram');
      this.stats.issue(
        at + pos,
        'datagram',
        `${datagram.length - pos} trailing bytes do not make an address/timestamp pair`,
      );
    }
    const n = out - b.length;
    b.commit(n);
    this.stats.events += n;
    return b.take();
  }
}

/** jAER datagrams for `packet` (DVS128, x/y < 128), inverse of the decoder with the same options. */
export function encodeJaer(
  packet: EventPacket,
  options: JaerUdpOptions & { firstSeq?: number; eventsPerDatagram?: number } = {},
): Uint8Array[] {
  const seqOn = options.sequence ?? true;
  const le = options.littleEndian ?? false;
  const flipX = options.flipX ?? true;
  const flipY = options.flipY ?? true;
  const onBit = options.polarityOnIsOne ? 1 : 0;
  const per = options.eventsPerDatagram ?? 1000;
  let seq = options.firstSeq ?? 0;
  const out: Uint8Array[] = [];
  for (let s = 0; s < packet.length; s += per) {
    const e = Math.min(packet.length, s + per);
    const d = new Uint8Array((seqOn ? 4 : 0) + (e - s) * 8);
    const dv = new DataView(d.buffer);
    let o = 0;
    if (seqOn) {
      dv.setInt32(0, seq, le);
      seq = (seq + 1) | 0;
      o = 4;
    }
    for (let i = s; i < e; i++) {
      const x = packet.x[i];
      const y = packet.y[i];
      if (x >= DVS128_SIZE || y >= DVS128_SIZE)
        throw new RangeError(`event ${i}: (${x}, ${y}) outside DVS128`);
      const rawX = flipX ? 127 - x : x;
      const rawY = flipY ? 127 - y : y;
      const pol = packet.p[i] ? onBit : 1 - onBit;
      dv.setInt32(o, (rawY << 8) | (rawX << 1) | pol, le);
      dv.setUint32(o + 4, packet.tUs[i] % 2 ** 32, le);
      o += 8;
    }
    out.push(d);
  }
  return out;
}
