import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetsEqual, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { CsvDecoder, type CsvDecoderOptions } from '../../src/formats/csv/decoder.ts';
import { CsvEncoder } from '../../src/formats/csv/encoder.ts';
import { detectCsv } from '../../src/formats/csv/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';

const text = (s: string) => new TextEncoder().encode(s);
function decode(s: string, options: CsvDecoderOptions = {}) {
  return decodeChunks(new CsvDecoder(options), [text(s)]);
}

type Events = { t: number[]; x: number[]; y: number[]; p: number[] };
function encodeAll(e: Events, geometryLine = false): Uint8Array {
  const enc = new CsvEncoder({ geometryLine });
  return concatBytes([
    enc.begin(makeStreamInfo({ width: 1280, height: 720, format: 'csv' })),
    enc.encode(packetFromArrays(e.t, e.x, e.y, e.p)),
    enc.end(),
  ]);
}

const eventsArb = fc
  .array(
    fc.record({
      dt: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 ** 40 })),
      x: fc.integer({ min: 0, max: 1279 }),
      y: fc.integer({ min: 0, max: 719 }),
      p: fc.integer({ min: 0, max: 1 }),
    }),
    { maxLength: 100 },
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

describe('CSV decoder', () => {
  it('reads t,x,y,p with a header, geometry inferred (and said so)', () => {
    const { packet, decoder } = decode('t,x,y,p\n10,1,2,1\n20,3,4,0\r\n30,5,6,1');
    expect(packetToArrays(packet)).toEqual({ t: [10, 20, 30], x: [1, 3, 5], y: [2, 4, 6], p: [1, 0, 1] });
    expect(decoder.info).toMatchObject({ format: 'csv', width: 6, height: 7, geometrySource: 'inferred' });
    expect(decoder.stats.skipped).toEqual({ header: 1 });
  });

  it('takes the column order from the header or the columns option', () => {
    expect(packetToArrays(decode('x,y,polarity,timestamp\n1,2,1,100\n').packet)).toEqual({
      t: [100],
      x: [1],
      y: [2],
      p: [1],
    });
    const noHeader = decode('1,2,1,100\n', { columns: 'x,y,p,t', header: false });
    expect(packetToArrays(noHeader.packet).t).toEqual([100]);
    const ignored = decode('t,label,x,y,p\n5,"a b",1,2,0\n');
    expect(packetToArrays(ignored.packet)).toEqual({ t: [5], x: [1], y: [2], p: [0] });
  });

  it('reads Metavision %geometry files (x,y,p,t) and rpg "width height" + seconds files', () => {
    const mv = decode('%geometry:640,480\nx,y,p,t\n3,4,1,1000\n');
    expect(mv.decoder.info).toMatchObject({ width: 640, height: 480, geometrySource: 'header' });
    expect(packetToArrays(mv.packet).t).toEqual([1000]);
    const rpg = decode('240 180\n0.706715000 58 68 1\n0.706716 59 68 0\n1.5e-6 1 1 1\n');
    expect(rpg.decoder.info).toMatchObject({ width: 240, height: 180, geometrySource: 'header' });
    expect(packetToArrays(rpg.packet).t).toEqual([706715, 706716, 706716]);
    expect(rpg.decoder.stats.repaired).toEqual({ time_backwards: 1 });
    const widthOnly = decode('t,x,y,p\n1,5,9,1\n', { width: 346 });
    expect(widthOnly.decoder.info).toMatchObject({ width: 346, height: 10, geometrySource: 'user' });
    const user = decode('240 180\n0.5 1 1 1\n', { width: 346, height: 260 });
    expect(user.decoder.info).toMatchObject({ width: 346, height: 260, geometrySource: 'user' });
  });

  it('supports separators and time units', () => {
    expect(packetToArrays(decode('t\tx\ty\tp\n1.5\t1\t1\t1\n', { timeUnit: 'ms' }).packet).t).toEqual([1500]);
    expect(packetToArrays(decode('7  1   2 0\n', { separator: ' ', header: false }).packet).t).toEqual([7]);
    expect(packetToArrays(decode('t,x,y,p\n2,1,1,1\n', { timeUnit: 's' }).packet).t).toEqual([2_000_000]);
    expect(packetToArrays(decode('t,x,y,p\n3, 1, 1, -1\n').packet).p).toEqual([0]);
  });

  it('a bad row is an issue naming its line and field; rows before it are kept', () => {
    const src = 't,x,y,p\n1,1,1,1\n2,1,1,1\n3,abc,1,1\n4,1,1,1\n';
    const stop = decode(src, { origin: 'a.csv' });
    expect(stop.packet.length).toBe(2);
    expect(stop.decoder.stats.fatal).toMatchObject({ byteOffset: 24, field: 'line 4: x', fatal: true });
    expect(stop.decoder.stats.fatal?.message).toContain('"abc"');
    expect(stop.decoder.info).toMatchObject({ width: 2, height: 2, geometrySource: 'inferred' });
    const skip = decode(src, { onBadRow: 'skip' });
    expect(skip.packet.length).toBe(3);
    expect(skip.decoder.stats.skipped).toMatchObject({ bad_row: 1 });
    expect(decode('t,x,y,p\n1,1,1\n').decoder.stats.fatal?.field).toBe('line 2: columns');
    expect(decode('t,x,y,p\n1,1,1,7\n').decoder.stats.fatal?.field).toBe('line 2: p');
    expect(decode('t,x,y,p\n1,70000,1,1\n').decoder.stats.fatal?.field).toBe('line 2: x');
    expect(decode('a,b,c,d\n1,1,1,1\n').decoder.stats.fatal?.field).toBe('header');
    expect(decode('1,1,1,1\n2.5,1,1,1\n').decoder.stats.fatal?.field).toBe('line 2: t');
  });

  it('skips events outside a known geometry and reports the first', () => {
    const { packet, decoder } = decode('%geometry:10,10\nt,x,y,p\n1,1,1,1\n2,12,1,1\n3,1,1,1\n');
    expect(packet.length).toBe(2);
    expect(decoder.stats.skipped.outside_geometry).toBe(1);
    expect(decoder.stats.issues[0].field).toBe('line 4: x/y');
  });

  it('validates options eagerly', () => {
    expect(() => new CsvDecoder({ columns: 't,x,y' })).toThrow(/"columns".*p/);
    expect(() => new CsvDecoder({ separator: ';' })).toThrow(/"separator"/);
    expect(() => new CsvDecoder({ timeUnit: 'ns' as 'us' })).toThrow(/"timeUnit"/);
    expect(() => new CsvDecoder({ onBadRow: 'ignore' as 'skip' })).toThrow(/"onBadRow"/);
  });

  it('encoder writes exactly the header line then one integer row per event', () => {
    const bytes = encodeAll({ t: [0, 12, 1234567890123], x: [0, 10, 1279], y: [5, 0, 719], p: [1, 0, 1] });
    expect(new TextDecoder().decode(bytes)).toBe('t,x,y,p\n0,0,5,1\n12,10,0,0\n1234567890123,1279,719,1\n');
    expect(new TextDecoder().decode(encodeAll({ t: [], x: [], y: [], p: [] }, true))).toBe(
      '%geometry:1280,720\nt,x,y,p\n',
    );
  });

  it('round-trips through the encoder', () => {
    fc.assert(
      fc.property(eventsArb, (e) => {
        const { packet, decoder } = decodeChunks(new CsvDecoder(), [encodeAll(e, true)]);
        expect(packetToArrays(packet)).toEqual(e);
        expect(decoder.info).toMatchObject({ width: 1280, height: 720 });
      }),
    );
  });

  it('decodes any split of a stream the same as the whole stream', () => {
    fc.assert(
      fc.property(eventsArb, fc.array(fc.nat(), { maxLength: 12 }), (e, cuts) => {
        const bytes = encodeAll(e, true);
        const whole = decodeChunks(new CsvDecoder(), [bytes]);
        const split = decodeChunks(
          new CsvDecoder(),
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

  it('never throws on damaged bytes, keeps time non-decreasing and the good rows', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }), (e, at, junk) => {
        const bytes = encodeAll(e);
        const cut = at % (bytes.length + 1);
        const { packet } = decodeChunks(new CsvDecoder({ width: 1280, height: 720 }), [
          concatBytes([bytes.subarray(0, cut), junk]),
        ]);
        for (let i = 1; i < packet.length; i++)
          expect(packet.tUs[i]).toBeGreaterThanOrEqual(packet.tUs[i - 1]);
        const lastNl = bytes.subarray(0, cut).lastIndexOf(10);
        const good = decodeChunks(new CsvDecoder({ width: 1280, height: 720 }), [
          bytes.subarray(0, lastNl + 1),
        ]);
        expect(packet.length).toBeGreaterThanOrEqual(Math.max(0, good.packet.length - 1));
        for (let i = 0; i < good.packet.length - 1; i++) expect(packet.tUs[i]).toBe(good.packet.tUs[i]);
      }),
    );
  });

  it('detects text event files by content', () => {
    expect(detectCsv(text('t,x,y,p\n1,2,3,1\n'))).toBe(0.9);
    expect(detectCsv(text('%geometry:640,480\nx,y,p,t\n'))).toBe(0.9);
    expect(detectCsv(text('240 180\n0.1 1 2 1\n0.2 1 2 0\n'))).toBe(0.5);
    expect(detectCsv(text('hello world\nthis is prose\n'))).toBe(0);
    expect(detectCsv(new Uint8Array([1, 2, 0, 255, 7]))).toBe(0);
  });
});
