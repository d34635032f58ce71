/** Test helpers for the Prophesee formats: random event streams and hand-built byte sequences. */
import fc from 'fast-check';
import { type EventPacket, packetFromArrays } from '../../../src/events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../../src/events/stream-info.ts';
import type { EventEncoder } from '../../../src/formats/types.ts';
import { concatBytes } from '../../helpers/decode.ts';

export interface StreamShape {
  width: number;
  height: number;
  /** Largest single time step drawn (µs). */
  maxGap: number;
}

/**
 * Random time-ordered events: bursts of 1-40 events sharing (t, y, p) with increasing x (so the
 * vector writers have runs to find), separated by gaps from 0 to `maxGap` µs.
 */
export function arbitraryStream(shape: StreamShape): fc.Arbitrary<EventPacket> {
  const burst = fc.record({
    gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: shape.maxGap })),
    x: fc.integer({ min: 0, max: shape.width - 1 }),
    y: fc.integer({ min: 0, max: shape.height - 1 }),
    p: fc.integer({ min: 0, max: 1 }),
    steps: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 39 }),
  });
  return fc.array(burst, { maxLength: 60 }).map((bursts) => {
    const t: number[] = [];
    const x: number[] = [];
    const y: number[] = [];
    const p: number[] = [];
    let now = 0;
    for (const b of bursts) {
      now += b.gap;
      let xi = b.x;
      for (let s = -1; s < b.steps.length; s++) {
        if (s >= 0) xi += b.steps[s];
        if (xi >= shape.width) break;
        t.push(now);
        x.push(xi);
        y.push(b.y);
        p.push(b.p);
      }
    }
    return packetFromArrays(t, x, y, p);
  });
}

/** Encodes packets into one byte array (header, packets, trailer). */
export function encodeAll(
  encoder: EventEncoder,
  info: StreamInfo,
  packets: readonly EventPacket[],
): Uint8Array {
  const parts = [encoder.begin(info)];
  for (const pk of packets) parts.push(encoder.encode(pk));
  parts.push(encoder.end());
  return concatBytes(parts);
}

export function infoOf(format: string, width: number, height: number): StreamInfo {
  return makeStreamInfo({ width, height, format });
}

/** ASCII bytes of a header text. */
export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Header text + 16-bit LE words. */
export function words16(header: string, words: readonly number[]): Uint8Array {
  const h = ascii(header);
  const out = new Uint8Array(h.length + words.length * 2);
  out.set(h);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) dv.setUint16(h.length + 2 * i, words[i], true);
  return out;
}

/** Header text + 32-bit LE words. */
export function words32(header: string, words: readonly number[]): Uint8Array {
  const h = ascii(header);
  const out = new Uint8Array(h.length + words.length * 4);
  out.set(h);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) dv.setUint32(h.length + 4 * i, words[i] >>> 0, true);
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}
