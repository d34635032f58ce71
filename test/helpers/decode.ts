/** Test helpers for decoders: decode a list of chunks, and split a byte stream at given points. */
import { concatPackets, type EventPacket } from '../../src/events/packet.ts';
import type { EventDecoder } from '../../src/formats/types.ts';

export interface DecodeResult {
  packet: EventPacket;
  decoder: EventDecoder;
}

/** Feeds `chunks` to a fresh decoder, then end(); returns all events as one packet. */
export function decodeChunks(decoder: EventDecoder, chunks: readonly Uint8Array[]): DecodeResult {
  const parts: EventPacket[] = [];
  for (const c of chunks) parts.push(decoder.push(c));
  parts.push(decoder.end());
  return { packet: concatPackets(parts), decoder };
}

/** Splits `bytes` at the given (unsorted, possibly repeated) cut points. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of pts) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
