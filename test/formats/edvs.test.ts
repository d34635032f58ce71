import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import {
  createEdvsDecoder,
  createEdvsEncoder,
  EDVS_FORMATS,
  type EdvsFormat,
} from '../../src/formats/edvs/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';

/** Events with non-decreasing times whose gaps stay below one E2 period. */
const eventsArb = fc
  .array(
    fc.record({
      dt: fc.integer({ min: 0, max: 60_000 }),
      x: fc.integer({ min: 0, max: 127 }),
      y: fc.integer({ min: 0, max: 127 }),
      p: fc.integer({ min: 0, max: 1 }),
    }),
    { minLength: 1, maxLength: 200 },
  )
  .map((evs) => {
    let t = 0;
    const ts: number[] = [];
    for (const e of evs) {
      t += e.dt;
      ts.push(t);
    }
    return packetFromArrays(
      ts,
      evs.map((e) => e.x),
      evs.map((e) => e.y),
      evs.map((e) => e.p),
    );
  });

describe('eDVS codec', () => {
  for (const format of ['E1', 'E2', 'E3', 'E4'] as EdvsFormat[]) {
    it(`${format}: any split of an encoded stream decodes to the original events`, () => {
      fc.assert(
        fc.property(eventsArb, fc.array(fc.nat(), { maxLength: 6 }), (packet, cuts) => {
          const bytes = createEdvsEncoder({ format }).encode(packet);
          const { packet: got, decoder } = decodeChunks(
            createEdvsDecoder({ format }),
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          );
          expect(packetToArrays(got)).toEqual(packetToArrays(packet));
          expect(decoder.stats.issueCount).toBe(0);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('E0 carries addresses and polarity but no time', () => {
    const pk = packetFromArrays([5, 9], [1, 127], [2, 0], [1, 0]);
    const bytes = createEdvsEncoder({ format: 'E0' }).encode(pk);
    expect([...bytes]).toEqual([0x82, 0x01, 0x80, 0xff]);
    const got = packetToArrays(createEdvsDecoder({ format: 'E0' }).push(bytes));
    expect(got).toEqual({ t: [0, 0], x: [1, 127], y: [2, 0], p: [1, 0] });
  });

  it('E2: byte layout is 1yyyyyyy pxxxxxxx then a big-endian 16-bit timestamp; p=0 on the wire is ON', () => {
    const d = createEdvsDecoder({ format: 'E2' });
    const got = packetToArrays(d.push(Uint8Array.of(0x85, 0x03, 0x12, 0x34, 0x80, 0x80 | 0x7f, 0x12, 0x35)));
    expect(got).toEqual({ t: [0x1234, 0x1235], x: [3, 127], y: [5, 0], p: [1, 0] });
    expect(d.info.width).toBe(128);
    expect(d.info.height).toBe(128);
  });

  it('E2: a decrease of the 16-bit counter is a wrap (+65536 µs), counted', () => {
    const times = [65_000, 65_530, 10, 40_000, 100];
    const expected = [65_000, 65_530, 65_546, 105_536, 131_172];
    const bytes = createEdvsEncoder({ format: 'E2' }).encode(
      packetFromArrays(times, [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]),
    );
    const d = createEdvsDecoder({ format: 'E2' });
    expect(packetToArrays(d.push(bytes)).t).toEqual(expected);
    expect(d.stats.repaired['time_wrap']).toBe(2);
  });

  it('skips garbage (MSB clear) between events, counts the bytes and keeps every event', () => {
    const enc = createEdvsEncoder({ format: 'E2' });
    const a = enc.encode(packetFromArrays([100, 200], [1, 2], [3, 4], [1, 0]));
    const b = enc.encode(packetFromArrays([300], [5], [6], [1]));
    const text = new TextEncoder().encode('EDVS4337 reset\r\n');
    const d = createEdvsDecoder({ format: 'E2', origin: 'test' });
    const got = decodeChunks(d, [concatBytes([a, text, b])]).packet;
    expect(packetToArrays(got).t).toEqual([100, 200, 300]);
    expect(d.stats.skipped['resync_bytes']).toBe(text.length);
    expect(d.stats.issues[0]).toMatchObject({ byteOffset: a.length, field: 'sync bit', fatal: false });
  });

  it('discontinuity() re-bases the clock so time continues from the last event', () => {
    const enc = createEdvsEncoder({ format: 'E4' });
    const d = createEdvsDecoder({ format: 'E4' });
    d.push(enc.encode(packetFromArrays([5_000_000], [0], [0], [1])));
    d.push(Uint8Array.of(0x81)); // half an event, then the link drops
    d.discontinuity();
    const after = createEdvsEncoder({ format: 'E4' }).encode(
      packetFromArrays([10, 30], [1, 1], [1, 1], [1, 1]),
    );
    expect(packetToArrays(d.push(after)).t).toEqual([5_000_000, 5_000_020]);
    expect(d.stats.repaired['rebase']).toBe(1);
    expect(d.stats.skipped['truncated_event']).toBe(1);
  });

  it('E1: an unterminated delta is an issue and the stream recovers', () => {
    const d = createEdvsDecoder({ format: 'E1' });
    const bad = Uint8Array.of(0x81, 0x01, 0x01, 0x01, 0x01, 0x01);
    const good = Uint8Array.of(0x82, 0x02, 0x85);
    const got = packetToArrays(decodeChunks(d, [bad, good]).packet);
    expect(got.x).toEqual([2]);
    expect(got.t).toEqual([5]);
    expect(d.stats.skipped['bad_delta']).toBe(1);
  });

  it('end() inside an event reports the truncation', () => {
    const d = createEdvsDecoder({ format: 'E3' });
    d.push(Uint8Array.of(0x81, 0x01, 0x00));
    d.end();
    expect(d.stats.skipped['truncated_event']).toBe(1);
    expect(d.stats.issues.at(-1)?.field).toBe('event');
  });

  it('validates options', () => {
    expect(() => createEdvsDecoder({ format: 'E9' })).toThrow(/"format" must be one of/);
    expect(() => createEdvsEncoder({ format: 'x' })).toThrow(RangeError);
    expect(EDVS_FORMATS).toHaveLength(5);
    expect(() => createEdvsEncoder().encode(packetFromArrays([0], [128], [0], [0]))).toThrow(/outside/);
  });
});
