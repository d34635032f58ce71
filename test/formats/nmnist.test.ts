import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetsEqual, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { NmnistDecoder } from '../../src/formats/nmnist/decoder.ts';
import { NmnistEncoder } from '../../src/formats/nmnist/encoder.ts';
import { detectNmnist, nmnistFormat } from '../../src/formats/nmnist/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';

/** One raw record: x, y, polarity, 23-bit time. */
function rec(x: number, y: number, p: number, t: number): number[] {
  return [x, y, ((t >> 16) & 0x7f) | (p ? 0x80 : 0), (t >> 8) & 0xff, t & 0xff];
}

const info34 = makeStreamInfo({ width: 34, height: 34, format: 'nmnist' });

function encodeAll(events: { t: number[]; x: number[]; y: number[]; p: number[] }, options = {}): Uint8Array {
  const enc = new NmnistEncoder(options);
  return concatBytes([
    enc.begin(info34),
    enc.encode(packetFromArrays(events.t, events.x, events.y, events.p)),
    enc.end(),
  ]);
}

const eventsArb = fc
  .array(
    fc.record({
      dt: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 20_000_000 })),
      x: fc.integer({ min: 0, max: 33 }),
      y: fc.integer({ min: 0, max: 33 }),
      p: fc.integer({ min: 0, max: 1 }),
    }),
    { maxLength: 200 },
  )
  .map((list) => {
    let t = 0;
    const out = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };
    for (const e of list) {
      t += e.dt;
      out.t.push(t);
      out.x.push(e.x);
      out.y.push(e.y);
      out.p.push(e.p);
    }
    return out;
  });

describe('N-MNIST decoder', () => {
  it('decodes hand-built records: x, y, polarity bit 7, 23-bit big-endian time', () => {
    const bytes = new Uint8Array([...rec(3, 4, 1, 0x12345), ...rec(33, 0, 0, 0x7fffff)]);
    const { packet, decoder } = decodeChunks(new NmnistDecoder(), [bytes]);
    expect(packetToArrays(packet)).toEqual({ t: [0x12345, 0x7fffff], x: [3, 33], y: [4, 0], p: [1, 0] });
    expect(decoder.info).toMatchObject({
      width: 34,
      height: 34,
      format: 'nmnist',
      geometrySource: 'default',
    });
    expect(decoder.stats.events).toBe(2);
    expect(decoder.stats.bytes).toBe(10);
  });

  it('applies overflow markers (y = 240): +2^13 µs per marker by default, configurable', () => {
    const bytes = new Uint8Array([...rec(1, 1, 1, 100), ...rec(0, 240, 0, 0), ...rec(2, 2, 0, 50)]);
    const a = decodeChunks(new NmnistDecoder(), [bytes]);
    expect(packetToArrays(a.packet).t).toEqual([100, 8192 + 50]);
    expect(a.decoder.stats.skipped).toEqual({ overflow_marker: 1 });
    const b = decodeChunks(new NmnistDecoder({ overflowIncrementUs: 1000 }), [bytes]);
    expect(packetToArrays(b.packet).t).toEqual([100, 1050]);
    // Markers disabled: the record is an ordinary event (outside 34×34 here, so skipped).
    const c = decodeChunks(new NmnistDecoder({ overflowMarkerY: null, width: 241, height: 241 }), [bytes]);
    expect(packetToArrays(c.packet).y).toEqual([1, 240, 2]);
  });

  it('unwraps a silent 23-bit wrap and never lets time go backwards', () => {
    const bytes = new Uint8Array([
      ...rec(1, 1, 1, 0x7fff00),
      ...rec(1, 1, 1, 0x10), // wrapped
      ...rec(1, 1, 1, 0x08), // small backward glitch: clamped
      ...rec(1, 1, 1, 0x20),
    ]);
    const { packet, decoder } = decodeChunks(new NmnistDecoder(), [bytes]);
    expect(packetToArrays(packet).t).toEqual([0x7fff00, 2 ** 23 + 0x10, 2 ** 23 + 0x10, 2 ** 23 + 0x20]);
    expect(decoder.stats.repaired).toEqual({ time_wrap: 1, time_backwards: 1 });
  });

  it('reports a truncated trailing record as fatal with its byte offset, keeping every event before', () => {
    const bytes = new Uint8Array([...rec(1, 2, 1, 10), ...rec(3, 4, 0, 20), 7, 8]);
    const { packet, decoder } = decodeChunks(new NmnistDecoder({ origin: 'x.bin' }), [bytes]);
    expect(packet.length).toBe(2);
    expect(decoder.stats.fatal).toMatchObject({ byteOffset: 10, field: 'record', fatal: true });
    expect(decoder.push(new Uint8Array(10)).length).toBe(0);
  });

  it('skips events outside the geometry, counts them and reports the first', () => {
    const bytes = new Uint8Array([...rec(1, 2, 1, 10), ...rec(40, 4, 0, 20), ...rec(50, 4, 0, 30)]);
    const { packet, decoder } = decodeChunks(new NmnistDecoder(), [bytes]);
    expect(packet.length).toBe(1);
    expect(decoder.stats.skipped).toEqual({ outside_geometry: 2 });
    expect(decoder.stats.issues).toHaveLength(1);
    expect(decoder.stats.issues[0]).toMatchObject({ byteOffset: 5, field: 'x/y', fatal: false });
    const big = decodeChunks(new NmnistDecoder({ width: 240, height: 180 }), [bytes]);
    expect(big.packet.length).toBe(3);
    expect(big.decoder.info?.geometrySource).toBe('user');
  });

  it('validates options eagerly', () => {
    expect(() => new NmnistDecoder({ width: 0 })).toThrow(/"width"/);
    expect(() => new NmnistDecoder({ overflowMarkerY: 300 })).toThrow(/"overflowMarkerY"/);
    expect(() => new NmnistDecoder({ overflowIncrementUs: -1 })).toThrow(/"overflowIncrementUs"/);
    expect(() => new NmnistEncoder({ rebaseTime: 'later' as 'auto' })).toThrow(/"rebaseTime"/);
  });

  it('round-trips through the encoder, including gaps far past 2^23 µs (overflow markers)', () => {
    fc.assert(
      fc.property(eventsArb, (ev) => {
        const bytes = encodeAll(ev);
        const { packet, decoder } = decodeChunks(new NmnistDecoder(), [bytes]);
        expect(packetToArrays(packet)).toEqual(ev);
        expect(decoder.stats.fatal).toBeUndefined();
        expect(decoder.stats.repaired).toEqual({});
      }),
    );
  });

  it('decodes any split of a stream the same as the whole stream', () => {
    fc.assert(
      fc.property(eventsArb, fc.array(fc.nat(), { maxLength: 12 }), (ev, cuts) => {
        const bytes = encodeAll(ev);
        const whole = decodeChunks(new NmnistDecoder(), [bytes]);
        const split = decodeChunks(
          new NmnistDecoder(),
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

  it('never throws on corrupted bytes, keeps time non-decreasing, and keeps the good prefix', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }), (ev, at, junk) => {
        const bytes = encodeAll(ev);
        const cut = at % (bytes.length + 1);
        const damaged = concatBytes([bytes.subarray(0, cut), junk]);
        const { packet } = decodeChunks(new NmnistDecoder({ width: 256, height: 256 }), [damaged]);
        for (let i = 1; i < packet.length; i++)
          expect(packet.tUs[i]).toBeGreaterThanOrEqual(packet.tUs[i - 1]);
        const good = decodeChunks(new NmnistDecoder({ width: 256, height: 256 }), [
          bytes.subarray(0, cut - (cut % 5)),
        ]).packet;
        for (let i = 0; i < good.length; i++) {
          expect([packet.x[i], packet.y[i], packet.p[i], packet.tUs[i]]).toEqual([
            good.x[i],
            good.y[i],
            good.p[i],
            good.tUs[i],
          ]);
        }
      }),
    );
  });

  it('encoder rebases absolute time in auto mode and keeps small times exact', () => {
    const ev = { t: [1.7e15, 1.7e15 + 5], x: [1, 2], y: [3, 4], p: [0, 1] };
    const { packet } = decodeChunks(new NmnistDecoder(), [encodeAll(ev)]);
    expect(packetToArrays(packet).t).toEqual([0, 5]);
    const never = encodeAll({ t: [10, 20], x: [1, 1], y: [1, 1], p: [1, 1] }, { rebaseTime: 'always' });
    expect(packetToArrays(decodeChunks(new NmnistDecoder(), [never]).packet).t).toEqual([0, 10]);
  });

  it('encoder rejects events the format cannot hold, naming the event', () => {
    expect(() => encodeAll({ t: [0], x: [300], y: [1], p: [1] })).toThrow(/event 0: \(300, 1\)/);
    expect(() => encodeAll({ t: [5, 4], x: [1, 1], y: [1, 1], p: [1, 1] })).toThrow(/event 1/);
    expect(() => new NmnistEncoder().begin(makeStreamInfo({ width: 346, height: 260, format: 'x' }))).toThrow(
      /346×260/,
    );
  });

  it('detection is a low-confidence heuristic', () => {
    const ev = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };
    for (let i = 0; i < 100; i++) {
      ev.t.push(i * 37);
      ev.x.push(i % 34);
      ev.y.push((i * 7) % 34);
      ev.p.push(i & 1);
    }
    const bytes = encodeAll(ev);
    expect(detectNmnist(bytes)).toBeGreaterThan(0);
    expect(detectNmnist(bytes)).toBeLessThanOrEqual(0.3);
    expect(
      detectNmnist(new TextEncoder().encode('t,x,y,p\n1,2,3,1\n4,5,6,0\n7,8,9,1\n10,11,12,0\n'.repeat(5))),
    ).toBe(0);
    expect(detectNmnist(bytes.subarray(0, 20))).toBe(0);
    expect(nmnistFormat.name).toBe('nmnist');
  });
});
