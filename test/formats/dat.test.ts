import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { DatDecoder, DatEncoder, datFormat } from '../../src/formats/dat/index.ts';
import { Evt3Encoder } from '../../src/formats/evt3/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';
import { arbitraryStream, ascii, encodeAll, infoOf, noise } from './prophesee-header/streams.ts';

/** Header text, type/size bytes, then (t, w) records. */
function dat(header: string, records: readonly [number, number][], type = 0, size = 8): Uint8Array {
  const h = ascii(header);
  const out = new Uint8Array(h.length + 2 + records.length * 8);
  out.set(h);
  out[h.length] = type;
  out[h.length + 1] = size;
  const dv = new DataView(out.buffer);
  records.forEach(([t, w], i) => {
    dv.setUint32(h.length + 2 + 8 * i, t >>> 0, true);
    dv.setUint32(h.length + 6 + 8 * i, w >>> 0, true);
  });
  return out;
}
const W = (x: number, y: number, p: number) => ((p << 28) | (y << 14) | x) >>> 0;
const HDR = '% Data file containing Event2D events.\n% Version 2\n% Height 480\n% Width 640\n';

function decode(bytes: Uint8Array, options = {}) {
  const { packet, decoder } = decodeChunks(new DatDecoder(options), [bytes]);
  return { ev: packetToArrays(packet), stats: decoder.stats, info: decoder.info };
}

describe('DAT decoder', () => {
  it('reads CD records with 14-bit x/y and polarity in bit 28', () => {
    const { ev, info } = decode(
      dat(HDR, [
        [10, W(1, 2, 1)],
        [20, W(639, 479, 0)],
      ]),
    );
    expect(ev).toEqual({ t: [10, 20], x: [1, 639], y: [2, 479], p: [1, 0] });
    expect(info).toMatchObject({ width: 640, height: 480, geometrySource: 'header', format: 'dat' });
    expect(info?.metadata?.['Version']).toBe('2');
  });

  it('falls back to 304x240 without Width/Height, says so, and accepts a user geometry', () => {
    const bytes = dat('% Data file containing Event2D events.\n% Date 2017-10-31 11:29:21\n', [
      [1, W(500, 300, 1)],
    ]);
    const d = decode(bytes);
    expect(d.info).toMatchObject({ width: 304, height: 240, geometrySource: 'default' });
    expect(d.stats.issues[0]).toMatchObject({ field: 'geometry', fatal: false });
    expect(d.ev.x).toEqual([500]);
    const u = decode(bytes, { width: 1280, height: 720 });
    expect(u.info).toMatchObject({ width: 1280, height: 720, geometrySource: 'user' });
    expect(u.stats.issueCount).toBe(0);
  });

  it('reads a file with no header at all', () => {
    expect(decode(dat('', [[5, W(3, 4, 1)]])).ev.x).toEqual([3]);
  });

  it('unwraps the 32-bit clock and clamps small steps back', () => {
    const { ev, stats } = decode(
      dat(HDR, [
        [0xfffffff0, W(1, 1, 1)],
        [0x10, W(2, 2, 0)],
        [0x08, W(3, 3, 0)],
      ]),
    );
    expect(ev.t).toEqual([0xfffffff0, 2 ** 32 + 16, 2 ** 32 + 16]);
    expect(stats.repaired).toEqual({ time_wrap: 1, time_backwards: 1 });
  });

  it('reads "Version 1" records (9-bit x, 8-bit y, p in bit 17)', () => {
    const { ev } = decode(dat('% Version 1\n', [[7, (1 << 17) | (200 << 9) | 300]]));
    expect(ev).toEqual({ t: [7], x: [300], y: [200], p: [1] });
  });

  it('skips trigger files by record size and counts them', () => {
    const { ev, stats } = decode(
      dat(
        '% Data file containing EventExtTrigger events.\n',
        [
          [1, 0],
          [2, 0],
        ],
        14,
        8,
      ),
    );
    expect(ev.t).toEqual([]);
    expect(stats.skipped['ext_trigger']).toBe(2);
  });

  it('gives a fatal issue naming the field for a wrong type or size', () => {
    const bad = decode(dat(HDR, [[1, 0]], 99, 8));
    expect(bad.stats.fatal).toMatchObject({ field: 'event type', byteOffset: ascii(HDR).length });
    const size = decode(dat(HDR, [[1, 0]], 12, 12));
    expect(size.stats.fatal?.field).toBe('event size');
  });

  it('drops events outside the header geometry and keeps all complete records of a truncated file', () => {
    const full = dat(HDR, [
      [1, W(700, 1, 1)],
      [2, W(1, 1, 1)],
      [3, W(2, 2, 1)],
    ]);
    const { ev, stats } = decode(full.subarray(0, full.length - 5));
    expect(ev.x).toEqual([1]);
    expect(stats.skipped['out_of_bounds']).toBe(1);
    expect(stats.issues.find((i) => i.field === 'record')?.byteOffset).toBe(full.length - 8);
  });

  it('detects DAT by its header line', () => {
    expect(datFormat.detect(ascii(HDR))).toBe(1);
    expect(datFormat.detect(ascii('% Version 2\n% Width 3\n'))).toBe(0.6);
    expect(datFormat.detect(ascii('% evt 3.0\n% Version 2\n'))).toBe(0);
  });

  it('never throws or hangs on random bytes', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t0 = performance.now();
      const { ev } = decode(concatBytes([ascii(HDR), new Uint8Array([0, 8]), noise(20_000, seed)]));
      expect(performance.now() - t0).toBeLessThan(1000);
      for (let i = 1; i < ev.t.length; i++) expect(ev.t[i]).toBeGreaterThanOrEqual(ev.t[i - 1]);
      expect(() => decode(noise(3000, seed))).not.toThrow();
    }
  });
});

describe('DAT writer round trip', () => {
  const info = infoOf('dat', 640, 480);
  it('gives back identical columns, whole and under any split', () => {
    fc.assert(
      fc.property(
        arbitraryStream({ width: 640, height: 480, maxGap: 2 ** 31 - 1 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (packet, cuts) => {
          fc.pre(packet.length === 0 || packet.tUs[0] < 2 ** 32);
          const bytes = encodeAll(new DatEncoder({ rebaseTime: 'never' }), info, [packet]);
          const whole = decodeChunks(new DatDecoder(), [bytes]);
          expect(packetToArrays(whole.packet)).toEqual(packetToArrays(packet));
          expect(whole.decoder.stats.issueCount).toBe(0);
          const split = decodeChunks(
            new DatDecoder(),
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          );
          expect(packetToArrays(split.packet)).toEqual(packetToArrays(packet));
          expect(split.decoder.stats.toJSON()).toEqual(whole.decoder.stats.toJSON());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes geometry and metadata the decoder reads back, and refuses what DAT cannot hold', () => {
    const enc = new DatEncoder();
    const head = enc.begin(
      makeStreamInfo({ width: 304, height: 240, format: 'dat', metadata: { Date: '2020-01-01' } }),
    );
    const d = new DatDecoder();
    d.push(head);
    d.end();
    expect(d.info).toMatchObject({ width: 304, height: 240, geometrySource: 'header' });
    expect(d.info?.metadata?.['Date']).toBe('2020-01-01');
    const never = new DatEncoder({ rebaseTime: 'never' });
    never.begin(info);
    expect(() => never.encode(packetFromArrays([2 ** 32], [1], [1], [1]))).toThrow(/rebaseTime/);
    const late = encodeAll(new DatEncoder(), info, [
      packetFromArrays([2 ** 40, 2 ** 40 + 9], [1, 2], [1, 1], [1, 0]),
    ]);
    expect(packetToArrays(decodeChunks(new DatDecoder(), [late]).packet).t).toEqual([0, 9]);
    const gap = new DatEncoder();
    gap.begin(info);
    expect(() => gap.encode(packetFromArrays([0, 2 ** 31], [1, 1], [1, 1], [1, 1]))).toThrow(/gap/);
  });
});

describe('DAT and RAW metadata', () => {
  it('a file converted from RAW is still detected and read as DAT (and back)', () => {
    const raw = {
      evt: '2.1',
      format: 'EVT21;height=480;width=640;endianness=legacy',
      geometry: '640x480',
      serial: 'x1',
    };
    const enc = new DatEncoder();
    const head = enc.begin(makeStreamInfo({ width: 640, height: 480, format: 'dat', metadata: raw }));
    expect(datFormat.detect(head)).toBe(1);
    const text = new TextDecoder().decode(head);
    expect(text).toContain('% serial x1\n');
    expect(text).not.toContain('evt');
    const back = new Evt3Encoder().begin(
      makeStreamInfo({
        width: 640,
        height: 480,
        format: 'evt3',
        metadata: { Data: 'file containing Event2D events.', Version: '2', Width: '640' },
      }),
    );
    expect(new TextDecoder().decode(back)).toBe(
      '% evt 3.0\n% format EVT3;height=480;width=640\n% geometry 640x480\n% end\n',
    );
    expect(datFormat.detect(back)).toBe(0);
  });
});

describe('DAT writer bytes (hand-checked against the layout)', () => {
  it('writes the header, type 0 / size 8, then t and x | y << 14 | p << 28', () => {
    const enc = new DatEncoder();
    const head = enc.begin(infoOf('dat', 304, 240));
    const text = '% Data file containing Event2D events.\n% Version 2\n% Height 240\n% Width 304\n% end\n';
    expect(Array.from(head)).toEqual([...Array.from(ascii(text)), 0, 8]);
    const bytes = enc.encode(packetFromArrays([7], [300], [200], [1]));
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    expect([dv.getUint32(0, true), dv.getUint32(4, true)]).toEqual([7, 0x1032012c]);
  });
});
