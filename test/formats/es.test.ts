import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetsEqual, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { EsDecoder } from '../../src/formats/es/decoder.ts';
import { EsEncoder } from '../../src/formats/es/encoder.ts';
import { detectEs, esFormat } from '../../src/formats/es/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';

function header(type = 1, width = 640, height = 480, major = 2): number[] {
  return [
    ...new TextEncoder().encode('Event Stream'),
    major,
    0,
    0,
    type,
    width & 0xff,
    width >> 8,
    height & 0xff,
    height >> 8,
  ];
}

/** One event: time delta (< 127), polarity, x, y. */
function ev(dt: number, on: number, x: number, y: number): number[] {
  return [(dt << 1) | on, x & 0xff, x >> 8, y & 0xff, y >> 8];
}

type Events = { t: number[]; x: number[]; y: number[]; p: number[] };

function encodeAll(e: Events, width = 640, height = 480): Uint8Array {
  const enc = new EsEncoder();
  return concatBytes([
    enc.begin(makeStreamInfo({ width, height, format: 'es' })),
    enc.encode(packetFromArrays(e.t, e.x, e.y, e.p)),
    enc.end(),
  ]);
}

const eventsArb = fc
  .array(
    fc.record({
      dt: fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 100_000 })),
      x: fc.integer({ min: 0, max: 639 }),
      y: fc.integer({ min: 0, max: 479 }),
      p: fc.integer({ min: 0, max: 1 }),
    }),
    { maxLength: 150 },
  )
  .map((list) => {
    let t = 0;
    const out: Events = { t: [], x: [], y: [], p: [] };
    for (const e of list) {
      t += e.dt;
      out.t.push(t);
      out.x.push(e.x);
      out.y.push(e.y);
      out.p.push(e.p);
    }
    return out;
  });

describe('Event Stream decoder', () => {
  it('reads the DVS header and hand-built events with overflow (t += 127) and reset bytes', () => {
    const bytes = new Uint8Array([
      ...header(1, 346, 260),
      ...ev(5, 1, 300, 2),
      0xff,
      0xff,
      ...ev(3, 0, 1, 259),
      0xfe,
      ...ev(0, 1, 2, 3),
    ]);
    const { packet, decoder } = decodeChunks(new EsDecoder(), [bytes]);
    expect(packetToArrays(packet)).toEqual({
      t: [5, 5 + 254 + 3, 262],
      x: [300, 1, 2],
      y: [2, 259, 3],
      p: [1, 0, 1],
    });
    expect(decoder.info).toMatchObject({ width: 346, height: 260, format: 'es', geometrySource: 'header' });
    expect(decoder.info?.metadata).toEqual({ version: '2.0.0', type: 'DVS' });
    expect(decoder.stats.skipped).toEqual({ reset: 1 });
    expect(decoder.stats.bytes).toBe(bytes.length);
  });

  it('rejects other Event Stream types naming the type byte, and other versions', () => {
    for (const [type, name] of [
      [0, 'generic'],
      [2, 'ATIS'],
      [4, 'color'],
      [9, 'unknown'],
    ] as const) {
      const { decoder } = decodeChunks(new EsDecoder(), [
        new Uint8Array([...header(type), ...ev(1, 1, 1, 1)]),
      ]);
      expect(decoder.stats.fatal).toMatchObject({ byteOffset: 15, field: 'type' });
      expect(decoder.stats.fatal?.message).toContain(`type byte ${type} (${name})`);
    }
    const v3 = decodeChunks(new EsDecoder(), [new Uint8Array(header(1, 10, 10, 3))]);
    expect(v3.decoder.stats.fatal).toMatchObject({ byteOffset: 12, field: 'version' });
    const notEs = decodeChunks(new EsDecoder(), [new TextEncoder().encode('Event Strike 123456789')]);
    expect(notEs.decoder.stats.fatal).toMatchObject({ byteOffset: 9, field: 'signature' });
    const short = decodeChunks(new EsDecoder(), [new Uint8Array(header()).subarray(0, 17)]);
    expect(short.decoder.stats.fatal).toMatchObject({ field: 'header' });
  });

  it('stops at an event outside the geometry (fatal, offset of the event), keeping the events before', () => {
    const bytes = new Uint8Array([
      ...header(1, 10, 10),
      ...ev(1, 1, 1, 1),
      ...ev(1, 1, 10, 1),
      ...ev(1, 1, 1, 1),
    ]);
    for (const chunks of [[bytes], splitAt(bytes, [22, 23, 24, 27])]) {
      const { packet, decoder } = decodeChunks(new EsDecoder({ origin: 'a.es' }), chunks);
      expect(packet.length).toBe(1);
      expect(decoder.stats.fatal).toMatchObject({ byteOffset: 25, field: 'x', fatal: true });
    }
  });

  it('reports a truncated last event as fatal', () => {
    const bytes = new Uint8Array([...header(), ...ev(1, 1, 1, 1), ...ev(1, 1, 2, 2).slice(0, 3)]);
    const { packet, decoder } = decodeChunks(new EsDecoder(), [bytes]);
    expect(packet.length).toBe(1);
    expect(decoder.stats.fatal).toMatchObject({ byteOffset: 25, field: 'event' });
  });

  it('user geometry overrides the header', () => {
    const { decoder } = decodeChunks(new EsDecoder({ width: 1280, height: 720 }), [new Uint8Array(header())]);
    expect(decoder.info).toMatchObject({ width: 1280, height: 720, geometrySource: 'user' });
    expect(() => new EsDecoder({ width: -3 })).toThrow(/"width"/);
  });

  it('round-trips through the encoder', () => {
    fc.assert(
      fc.property(eventsArb, (e) => {
        const { packet, decoder } = decodeChunks(new EsDecoder(), [encodeAll(e)]);
        expect(packetToArrays(packet)).toEqual(e);
        expect(decoder.stats.fatal).toBeUndefined();
      }),
    );
  });

  it('decodes any split of a stream the same as the whole stream', () => {
    fc.assert(
      fc.property(eventsArb, fc.array(fc.nat(), { maxLength: 12 }), (e, cuts) => {
        const bytes = encodeAll(e);
        const whole = decodeChunks(new EsDecoder(), [bytes]);
        const split = decodeChunks(
          new EsDecoder(),
          splitAt(
            bytes,
            cuts.map((c) => c % (bytes.length + 1)),
          ),
        );
        expect(packetsEqual(split.packet, whole.packet)).toBe(true);
        expect(split.decoder.stats.toJSON()).toEqual(whole.decoder.stats.toJSON());
      }),
    );
  });

  it('never throws on damaged bytes and keeps the good prefix with non-decreasing time', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }), (e, at, junk) => {
        const bytes = encodeAll(e);
        const cut = 20 + (at % (bytes.length - 19));
        const damaged = concatBytes([bytes.subarray(0, cut), junk]);
        const { packet } = decodeChunks(new EsDecoder(), [damaged]);
        const good = decodeChunks(new EsDecoder(), [bytes.subarray(0, cut)]).packet;
        expect(packet.length).toBeGreaterThanOrEqual(good.length);
        for (let i = 0; i < good.length; i++) expect(packet.tUs[i]).toBe(good.tUs[i]);
        for (let i = 1; i < packet.length; i++)
          expect(packet.tUs[i]).toBeGreaterThanOrEqual(packet.tUs[i - 1]);
      }),
    );
  });

  it('encoder rejects events outside the geometry or out of order', () => {
    expect(() => encodeAll({ t: [0], x: [640], y: [0], p: [1] })).toThrow(/event 0: \(640, 0\)/);
    expect(() => encodeAll({ t: [3, 2], x: [0, 0], y: [0, 0], p: [1, 1] })).toThrow(/event 1/);
  });

  it('detects the signature with full confidence', () => {
    expect(detectEs(encodeAll({ t: [], x: [], y: [], p: [] }))).toBe(1);
    expect(detectEs(new Uint8Array(header(2)))).toBe(1);
    expect(detectEs(new TextEncoder().encode('t,x,y,p\n1,2,3,4\n'))).toBe(0);
    expect(esFormat.extensions).toContain('.es');
  });
});
