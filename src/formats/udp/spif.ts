/**
 * SPIF (SpiNNaker peripheral interface) UDP datagrams: 32-bit little-endian words, one per event
 * (spiffer README; AEStream sends host-endian = LE words, ≤ 512 B per datagram):
 *
 *   bit 31     1 = no timestamp follows, 0 = the next word is a uint32 timestamp (µs)
 *   bits 30–16 x
 *   bit 15     polarity (1 = ON)
 *   bits 14–0  y
 *
 * Datagrams are the unit: each is decoded on its own (no state but time). Events without a
 * timestamp take the datagram's arrival time (µs since the decoder was created). Timestamps are
 * unwrapped from 32 bits (a backward jump larger than 2^31 µs is a wrap; a smaller one is
 * clamped, `repaired.time_backwards`). A datagram whose length is not a multiple of 4, or whose
 * last word announces a missing timestamp, keeps its complete events and is counted as
 * `skipped.malformed_datagram`. Events outside the geometry are `skipped.out_of_bounds`.
 */
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import type { EventPacket } from '../../events/packet.ts';
import { CounterUnwrapper } from '../../events/unwrap.ts';

export interface UdpDecoderOptions {
  /** Sensor width; events with x ≥ width are skipped. Default 32768 (no check). */
  readonly width?: number;
  /** Sensor height; events with y ≥ height are skipped. Default 32768 (no check). */
  readonly height?: number;
}

export class SpifDatagramDecoder {
  readonly stats = new DecodeStats();
  datagrams = 0;
  private readonly builder = new PacketBuilder(256);
  private readonly unwrap = new CounterUnwrapper(32);
  private readonly createdMs = performance.now();
  private readonly width: number;
  private readonly height: number;
  private lastT = 0;

  constructor(options: UdpDecoderOptions = {}) {
    this.width = checkSize('width', options.width ?? 32768);
    this.height = checkSize('height', options.height ?? 32768);
  }

  push(datagram: Uint8Array, arrivalMs: number = performance.now()): EventPacket {
    const at = this.stats.bytes;
    this.stats.bytes += datagram.length;
    this.datagrams++;
    const words = datagram.length >> 2;
    const dv = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const b = this.builder;
    b.reserve(words);
    const tCol = b.tUs;
    const xCol = b.x;
    const yCol = b.y;
    const pCol = b.p;
    let out = b.length;
    const arrivalUs = Math.max(this.lastT, Math.round((arrivalMs - this.createdMs) * 1000));
    let malformed = (datagram.length & 3) !== 0;
    let outside = 0;
    let backwards = 0;
    for (let w = 0; w < words; w++) {
      const word = dv.getUint32(w * 4, true);
      let t: number;
      if (word & 0x80000000) {
        t = arrivalUs;
      } else {
        if (w + 1 >= words) {
          malformed = true;
          break;
        }
        const wraps = this.unwrap.wraps;
        t = this.unwrap.unwrap(dv.getUint32(++w * 4, true));
        if (this.unwrap.wraps !== wraps) this.stats.repair('time_wrap');
      }
      if (t < this.lastT) {
        backwards++;
        t = this.lastT;
      }
      this.lastT = t;
      const x = (word >>> 16) & 0x7fff;
      const y = word & 0x7fff;
      if (x >= this.width || y >= this.height) {
        outside++;
        continue;
      }
      tCol[out] = t;
      xCol[out] = x;
      yCol[out] = y;
      pCol[out] = (word >>> 15) & 1;
      out++;
    }
    if (backwards) this.stats.repair('time_backwards', backwards);
    if (outside) this.stats.skip('out_of_bounds', outside);
    if (malformed) {
      this.stats.skip('malformed_datagram');
      this.stats.issue(at, 'datagram', `SPIF datagram of ${datagram.length} bytes ends inside an event`);
    }
    const n = out - b.length;
    b.commit(n);
    this.stats.events += n;
    return b.take();
  }
}

export interface SpifEncoderOptions {
  /** Send a timestamp word after each event. Default true. */
  readonly timestamps?: boolean;
  /** Most bytes per datagram. Default 512 (AEStream). */
  readonly maxDatagramBytes?: number;
}

/** Datagrams for the events of `packet` (times in µs, written modulo 2^32). */
export function encodeSpif(packet: EventPacket, options: SpifEncoderOptions = {}): Uint8Array[] {
  const withTs = options.timestamps ?? true;
  const perEvent = withTs ? 8 : 4;
  const max = options.maxDatagramBytes ?? 512;
  if (!Number.isInteger(max) || max < perEvent) {
    throw new RangeError(`"maxDatagramBytes" must be an integer ≥ ${perEvent}, got ${max}`);
  }
  const perDatagram = Math.floor(max / perEvent);
  const out: Uint8Array[] = [];
  for (let s = 0; s < packet.length; s += perDatagram) {
    const e = Math.min(packet.length, s + perDatagram);
    const d = new Uint8Array((e - s) * perEvent);
    const dv = new DataView(d.buffer);
    let o = 0;
    for (let i = s; i < e; i++) {
      const x = packet.x[i];
      const y = packet.y[i];
      if (x > 0x7fff || y > 0x7fff)
        throw new RangeError(`event ${i}: (${x}, ${y}) does not fit SPIF's 15-bit fields`);
      const word = ((withTs ? 0 : 0x80000000) | (x << 16) | (packet.p[i] ? 0x8000 : 0) | y) >>> 0;
      dv.setUint32(o, word, true);
      o += 4;
      if (withTs) {
        dv.setUint32(o, packet.tUs[i] % 2 ** 32, true);
        o += 4;
      }
    }
    out.push(d);
  }
  return out;
}

export function checkSize(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 65536)
    throw new RangeError(`"${name}" must be an integer in [1, 65536], got ${v}`);
  return v;
}
