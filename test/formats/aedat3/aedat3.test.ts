import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventPacket, packetFromArrays, packetToArrays } from '../../../src/events/packet.ts';
import { makeStreamInfo } from '../../../src/events/stream-info.ts';
import {
  type Aedat3Decoder,
  type Aedat3DecoderOptions,
  aedat3Format,
  createAedat3Decoder,
  createAedat3Encoder,
} from '../../../src/formats/aedat3/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../../helpers/decode.ts';

const HEADER = new TextEncoder().encode(
  '#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-01-01 10:00:00 (TZ+0100)\r\n#!END-HEADER\r\n',
);

function packet(
  type: number,
  source: number,
  eventSize: number,
  overflow: number,
  events: Uint8Array,
  count: number,
): Uint8Array {
  const out = new Uint8Array(28 + events.length);
  const v = new DataView(out.buffer);
  v.setInt16(0, type, true);
  v.setInt16(2, source, true);
  v.setInt32(4, eventSize, true);
  v.setInt32(8, 4, true);
  v.setInt32(12, overflow, true);
  v.setInt32(16, count, true);
  v.setInt32(20, count, true);
  v.setInt32(24, count, true);
  out.set(events, 28);
  return out;
}

/** Polarity events [x, y, p, ts, valid]. */
function polarity(
  events: readonly [number, number, number, number, number?][],
  source = 1,
  overflow = 0,
): Uint8Array {
  const body = new Uint8Array(8 * events.length);
  const v = new DataView(body.buffer);
  events.forEach(([x, y, p, ts, valid = 1], i) => {
    v.setUint32(8 * i, ((x << 17) | (y << 2) | (p << 1) | valid) >>> 0, true);
    v.setInt32(8 * i + 4, ts, true);
  });
  return packet(1, source, 8, overflow, body, events.length);
}

function special(kinds: readonly number[], ts = 0): Uint8Array {
  const body = new Uint8Array(8 * kinds.length);
  const v = new DataView(body.buffer);
  kinds.forEach((k, i) => {
    v.setUint32(8 * i, (k << 1) | 1, true);
    v.setInt32(8 * i + 4, ts, true);
  });
  return packet(0, 1, 8, 0, body, kinds.length);
}

function run(
  bytes: Uint8Array | Uint8Array[],
  options: Aedat3DecoderOptions = {},
): { packet: EventPacket; decoder: Aedat3Decoder } {
  const decoder = createAedat3Decoder(options);
  return { packet: decodeChunks(decoder, Array.isArray(bytes) ? bytes : [bytes]).packet, decoder };
}

describe('AEDAT 3.1', () => {
  it('decodes polarity packets, drops invalid events, and reads geometry from #Source', () => {
    const { packet, decoder } = run(
      concatBytes([
        HEADER,
        polarity([
          [1, 2, 1, 10],
          [3, 4, 0, 11, 0],
          [127, 127, 0, 12],
        ]),
      ]),
    );
    expect(packetToArrays(packet)).toEqual({ t: [10, 12], x: [1, 127], y: [2, 127], p: [1, 0] });
    expect(decoder.info).toMatchObject({
      width: 128,
      height: 128,
      format: 'aedat3',
      geometrySource: 'header',
    });
    expect(decoder.info?.metadata?.startTime).toBe('2017-01-01 10:00:00 (TZ+0100)');
    expect(decoder.stats.skipped).toEqual({ invalid: 1 });
    expect(aedat3Format.detect(HEADER)).toBe(1);
  });

  it('skips frame, IMU and unknown packets by their size and counts their events', () => {
    const frame = packet(2, 1, 40, 0, new Uint8Array(80), 2);
    const imu = packet(3, 1, 36, 0, new Uint8Array(36 * 3), 3);
    const exotic = packet(42, 1, 5, 0, new Uint8Array(10), 2);
    const { packet: pk, decoder } = run(
      concatBytes([HEADER, frame, polarity([[5, 5, 1, 1]]), imu, exotic, polarity([[6, 6, 0, 2]])]),
    );
    expect(packetToArrays(pk).x).toEqual([5, 6]);
    expect(decoder.stats.skipped).toEqual({ frame: 2, imu6: 3, type_42: 2 });
  });

  it('builds time from the overflow counter: (overflow << 31) | ts', () => {
    const { packet } = run(
      concatBytes([HEADER, polarity([[0, 0, 1, 2 ** 31 - 1]], 1, 0), polarity([[0, 0, 1, 5]], 1, 1)]),
    );
    expect(Array.from(packet.tUs)).toEqual([2 ** 31 - 1, 2 ** 31 + 5]);
  });

  it('continues the timeline after a timestamp reset and counts it', () => {
    const { packet, decoder } = run(
      concatBytes([
        HEADER,
        polarity([
          [0, 0, 1, 1000],
          [0, 0, 1, 2000],
        ]),
        special([1]),
        polarity([
          [1, 1, 1, 3],
          [1, 1, 1, 50],
        ]),
        special([0, 2]),
      ]),
    );
    expect(Array.from(packet.tUs)).toEqual([1000, 2000, 2003, 2050]);
    expect(decoder.stats.repaired).toEqual({ timestamp_reset: 1 });
    expect(decoder.stats.skipped).toEqual({ special: 2 });
  });

  it('decodes one source only (the first polarity source unless told)', () => {
    const bytes = concatBytes([HEADER, polarity([[1, 1, 1, 1]], 1), polarity([[2, 2, 1, 2]], 2)]);
    expect(packetToArrays(run(bytes).packet).x).toEqual([1]);
    const b = run(bytes, { source: 2 });
    expect(packetToArrays(b.packet).x).toEqual([2]);
    expect(b.decoder.stats.skipped).toEqual({ other_source_packets: 1 });
  });

  it('refuses AEDAT 3.0 and other versions with a clear fatal issue', () => {
    const { decoder } = run(new TextEncoder().encode('#!AER-DAT3.0\r\n#Source 1: DVS128\r\n\x01\x00'));
    expect(decoder.stats.fatal).toMatchObject({ field: 'version' });
    expect(decoder.stats.fatal?.message).toMatch(/3\.0/);
  });

  it('keeps events before a truncated packet and names it', () => {
    const good = polarity([[1, 1, 1, 1]]);
    const bad = polarity([
      [2, 2, 1, 2],
      [3, 3, 1, 3],
    ]);
    const { packet, decoder } = run(concatBytes([HEADER, good, bad.subarray(0, 40)]));
    expect(packet.length).toBe(1);
    expect(decoder.stats.fatal).toMatchObject({
      field: 'packet body',
      byteOffset: HEADER.length + good.length + 28,
    });
  });

  it('rejects impossible packet headers as fatal', () => {
    const bad = polarity([[1, 1, 1, 1]]);
    new DataView(bad.buffer).setInt32(20, 5, true); // eventNumber > capacity
    const { decoder } = run(concatBytes([HEADER, bad]));
    expect(decoder.stats.fatal).toMatchObject({
      field: 'packet header.eventNumber',
      byteOffset: HEADER.length + 20,
    });
  });

  it('round-trips through the encoder, splitting packets at overflow changes', () => {
    const t = [1, 2, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 2 ** 40];
    const ev = { t, x: [0, 1, 2, 3, 4, 345], y: [0, 259, 5, 6, 7, 8], p: [1, 0, 1, 0, 1, 1] };
    const e = createAedat3Encoder({ maxPacketEvents: 2 });
    const bytes = concatBytes([
      e.begin(makeStreamInfo({ width: 346, height: 260, format: 'aedat3' })),
      e.encode(packetFromArrays(ev.t, ev.x, ev.y, ev.p)),
      e.end(),
    ]);
    const { packet, decoder } = run(bytes);
    expect(packetToArrays(packet)).toEqual(ev);
    expect(decoder.info).toMatchObject({ width: 346, height: 260 });
    const custom = createAedat3Encoder().begin(makeStreamInfo({ width: 300, height: 200, format: 'aedat3' }));
    expect(run(custom).decoder.info).toMatchObject({ width: 300, height: 200 });
  });

  it('property: split == whole, and corruption never throws', () => {
    const n = 400;
    const ev = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };
    for (let i = 0; i < n; i++) {
      ev.t.push(2 ** 31 - 200 + i * 3);
      ev.x.push((i * 7) % 128);
      ev.y.push((i * 13) % 128);
      ev.p.push(i & 1);
    }
    const e = createAedat3Encoder({ maxPacketEvents: 50 });
    const bytes = concatBytes([
      e.begin(makeStreamInfo({ width: 128, height: 128, format: 'aedat3' })),
      e.encode(packetFromArrays(ev.t, ev.x, ev.y, ev.p)),
      special([1]),
      polarity([[1, 2, 1, 10]]),
    ]);
    const whole = run(bytes);
    expect(whole.packet.length).toBe(n + 1);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }), (cuts) => {
        const got = run(splitAt(bytes, cuts));
        expect(packetToArrays(got.packet)).toEqual(packetToArrays(whole.packet));
        expect(got.decoder.stats.toJSON()).toEqual(whole.decoder.stats.toJSON());
      }),
      { numRuns: 40 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 10 }),
        (edits) => {
          const b = bytes.slice();
          for (const [at, val] of edits) b[at % b.length] = val;
          const { packet } = run(b);
          for (let i = 1; i < packet.length; i++)
            expect(packet.tUs[i]).toBeGreaterThanOrEqual(packet.tUs[i - 1]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
