/** Builders for AEDAT 4 test streams: our encoder, plus hand-laid packets for cases it never writes. */
import { type EventPacket, packetFromArrays } from '../../../src/events/packet.ts';
import { makeStreamInfo } from '../../../src/events/stream-info.ts';
import { type Aedat4EncoderOptions, createAedat4Encoder } from '../../../src/formats/aedat4/index.ts';
import { concatBytes } from '../../helpers/decode.ts';

export interface Events {
  t: number[];
  x: number[];
  y: number[];
  p: number[];
}

/** Deterministic events: increasing time from a Unix-µs start, coordinates inside 640×480. */
export function makeEvents(n: number, seed = 1, t0 = 1_605_537_493_718_345): Events {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const e: Events = { t: [], x: [], y: [], p: [] };
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 20);
    e.t.push(t);
    e.x.push(Math.floor(rnd() * 640));
    e.y.push(Math.floor(rnd() * 480));
    e.p.push(rnd() < 0.5 ? 1 : 0);
  }
  return e;
}

export function toPacket(e: Events): EventPacket {
  return packetFromArrays(e.t, e.x, e.y, e.p);
}

/** Encodes events with our writer, packets of `perPacket`, and applies its patches (seekable sink). */
export function encodeFile(
  e: Events,
  options: Aedat4EncoderOptions & {
    perPacket?: number;
    patch?: boolean;
    width?: number;
    height?: number;
  } = {},
): Uint8Array {
  const { perPacket = 1000, patch = true, width = 640, height = 480, ...rest } = options;
  const enc = createAedat4Encoder({ maxPacketEvents: perPacket, ...rest });
  const parts = [enc.begin(makeStreamInfo({ width, height, format: 'aedat4' }))];
  parts.push(enc.encode(toPacket(e)));
  parts.push(enc.end());
  const bytes = concatBytes(parts);
  if (patch) for (const p of enc.patches()) bytes.set(p.bytes, p.offset);
  return bytes;
}

/** A packet header (int32 streamId, int32 size) followed by `payload`. */
export function packetBytes(streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, streamId, true);
  v.setInt32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

/** A size-prefixed FlatBuffer with an empty root table and the given identifier (FRME/IMUS/TRIG stand-ins). */
export function emptyTypedPacket(identifier: string): Uint8Array {
  const out = new Uint8Array(20);
  const v = new DataView(out.buffer);
  v.setUint32(0, 16, true);
  v.setUint32(4, 12, true); // root table at 12 (+4 prefix = 16)
  for (let i = 0; i < 4; i++) out[8 + i] = identifier.charCodeAt(i);
  v.setUint16(12, 4, true); // vtable: size 4, table size 4, no fields
  v.setUint16(14, 4, true);
  v.setInt32(16, 4, true); // table at 16, vtable at 12
  return out;
}
