import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { Evt3Decoder, Evt3Encoder, evt3Format } from '../../src/formats/evt3/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';
import { arbitraryStream, ascii, encodeAll, infoOf, noise, words16 } from './prophesee-header/streams.ts';

const HDR = '% evt 3.0\n% format EVT3;height=480;width=640\n% end\n';
const TH = (h: number) => 0x8000 | h;
const TL = (l: number) => 0x6000 | l;
const AY = (y: number) => y;
const AX = (x: number, p = 1) => 0x2000 | (p << 11) | x;
const VB = (x: number, p = 1) => 0x3000 | (p << 11) | x;
const V12 = (m: number) => 0x4000 | m;
const V8 = (m: number) => 0x5000 | m;

function decode(bytes: Uint8Array, options = {}) {
  const { packet, decoder } = decodeChunks(new Evt3Decoder(options), [bytes]);
  return { ev: packetToArrays(packet), stats: decoder.stats, info: decoder.info };
}

describe('EVT 3.0 time words', () => {
  it('TIME_HIGH sets the high part and resets the low part to 0', () => {
    const { ev } = decode(words16(HDR, [TH(1), TL(5), AY(2), AX(3), TH(2), AX(4), TL(7), AX(5)]));
    expect(ev.t).toEqual([4096 + 5, 8192, 8192 + 7]);
    expect(ev.x).toEqual([3, 4, 5]);
    expect(ev.y).toEqual([2, 2, 2]);
  });

  it('counts a 24-bit loop when TIME_HIGH falls by half its range or more', () => {
    const { ev, stats } = decode(
      words16(HDR, [TH(4095), AY(0), AX(1), TH(0), AX(2), TH(2047), TH(0), AX(3)]),
    );
    // 2047 -> 0 is one unit short of half the range: a glitch, so the time is held, not looped.
    expect(ev.t).toEqual([4095 * 4096, 2 ** 24, 2 ** 24 + 2047 * 4096]);
    expect(stats.repaired['time_wrap']).toBe(1);
    expect(stats.repaired['time_high_backwards']).toBe(1);
    const wrap2 = decode(words16(HDR, [TH(3000), AY(0), TH(951), AX(1)]));
    expect(wrap2.ev.t).toEqual([2 ** 24 + 951 * 4096]);
  });

  it('treats a small backward TIME_HIGH as a glitch: no loop, time held until it catches up', () => {
    const { ev, stats } = decode(
      words16(HDR, [TH(100), AY(1), AX(1), TH(98), AX(2), TL(5), AX(3), TH(101), AX(4)]),
    );
    expect(ev.t).toEqual([409600, 409600, 409600, 101 * 4096]);
    expect(stats.repaired['time_wrap']).toBeUndefined();
    expect(stats.repaired['time_high_backwards']).toBe(1);
    expect(stats.repaired['time_backwards']).toBe(2);
  });

  it('does not invent time from a decreasing TIME_LOW', () => {
    const { ev, stats } = decode(words16(HDR, [TH(1), TL(50), AY(1), AX(1), TL(10), AX(2), TL(60), AX(3)]));
    expect(ev.t).toEqual([4146, 4146, 4156]);
    expect(stats.repaired['time_backwards']).toBe(1);
    expect(stats.repaired['time_wrap']).toBeUndefined();
  });

  it('drops events before the first TIME_HIGH and counts them', () => {
    const { ev, stats } = decode(words16(HDR, [AY(1), AX(1), VB(0), V12(0b111), TL(3), TH(5), AY(2), AX(9)]));
    expect(ev.t).toEqual([5 * 4096]);
    expect(ev.y).toEqual([2]);
    expect(stats.skipped['before_first_time_high']).toBe(4);
  });

  it('drops ADDR_X before any ADDR_Y (no row known) and counts it', () => {
    const { ev, stats } = decode(words16(HDR, [TH(1), AX(1), AY(3), AX(2)]));
    expect(ev.x).toEqual([2]);
    expect(stats.skipped['before_first_addr_y']).toBe(1);
  });
});

describe('EVT 3.0 vectors', () => {
  it('decodes each vector word on its own, with or without partners', () => {
    const words = [TH(0), TL(1), AY(7), VB(10, 1), V12(0b101), TL(2), VB(100, 0), V8(0x81), TL(3)];
    words.push(VB(200, 1), V12(0x800), V12(0x001), V8(0x01), V12(0x003));
    const { ev } = decode(words16(HDR, words));
    expect(ev.x).toEqual([10, 12, 100, 107, 211, 212, 224, 232, 233]);
    expect(ev.p).toEqual([1, 1, 0, 0, 1, 1, 1, 1, 1]);
    expect(ev.t).toEqual([1, 1, 2, 2, 3, 3, 3, 3, 3]);
  });

  it('drops vector events past the header geometry and counts them', () => {
    const { ev, stats } = decode(words16(HDR, [TH(0), AY(1), VB(636), V12(0xfff), AY(500), AX(3)]));
    expect(ev.x).toEqual([636, 637, 638, 639]);
    expect(stats.skipped['out_of_bounds']).toBe(9);
    expect(stats.issues.find((i) => i.field === 'address')?.byteOffset).toBe(ascii(HDR).length + 6);
  });
});

describe('EVT 3.0 other words', () => {
  it('skips and counts EXT_TRIGGER, OTHERS, CONTINUED, IMU and unknown words', () => {
    const { ev, stats } = decode(
      words16(HDR, [TH(0), AY(1), 0xa001, 0xe123, 0xf456, 0x7001, 0xd000, 0x1000, 0x9000, AX(1)]),
    );
    expect(ev.x).toEqual([1]);
    expect(stats.skipped).toMatchObject({ ext_trigger: 1, others: 1, continued: 2, imu: 1, invalid_word: 2 });
    expect(stats.issues[0]).toMatchObject({ field: 'word type', fatal: false });
  });
});

describe('EVT 3.0 header', () => {
  it('reads geometry from the format key and keeps metadata', () => {
    const { info } = decode(
      words16('% camera_integrator_name Prophesee\n% format EVT3;height=720;width=1280\n% end\n', []),
    );
    expect(info).toMatchObject({ width: 1280, height: 720, geometrySource: 'header', format: 'evt3' });
    expect(info?.metadata?.['camera_integrator_name']).toBe('Prophesee');
  });

  it('falls back to the system_ID table and says so', () => {
    const { info, stats, ev } = decode(
      words16('% date 2019-01-01\n% system_ID 49\n', [TH(0), AY(700), AX(1200)]),
    );
    expect(info).toMatchObject({ width: 1280, height: 720, geometrySource: 'default' });
    expect(info?.metadata?.['spikestream_geometry_source']).toContain('IMX636');
    expect(stats.issues.some((i) => i.field === 'geometry' && !i.fatal)).toBe(true);
    expect(ev.x).toEqual([1200]);
  });

  it('lets the user override geometry', () => {
    const { info, ev } = decode(words16(HDR, [TH(0), AY(1), AX(700)]), { width: 1280, height: 720 });
    expect(info).toMatchObject({ width: 1280, height: 720, geometrySource: 'user' });
    expect(ev.x).toEqual([700]);
  });

  it('gives a fatal issue naming the field when the header names another format', () => {
    const { ev, stats } = decode(
      words16('% format EVT2;height=480;width=640\n% end\n', [TH(0), AY(1), AX(1)]),
    );
    expect(ev.t).toEqual([]);
    expect(stats.fatal).toMatchObject({ field: 'format', byteOffset: 0 });
    expect(stats.fatal?.message).toContain('EVT 2.0');
  });

  it('reports a header/format contradiction and uses the format key', () => {
    const { info, stats } = decode(
      words16('% evt 2.0\n% format EVT3;height=480;width=640\n% geometry 320x320\n% end\n', []),
    );
    expect(info).toMatchObject({ width: 640, height: 480 });
    expect(stats.issues.map((i) => i.field).sort()).toEqual(['evt', 'geometry']);
    expect(stats.fatal).toBeUndefined();
  });

  it('rejects bad geometry options eagerly', () => {
    expect(() => new Evt3Decoder({ width: 10 })).toThrow(TypeError);
    expect(() => new Evt3Decoder({ width: 0, height: 10 })).toThrow(RangeError);
  });

  it('detects EVT 3.0 by header, not by name', () => {
    expect(evt3Format.detect(ascii(HDR))).toBe(1);
    expect(evt3Format.detect(ascii('% system_ID 48\n'))).toBe(0.8);
    expect(evt3Format.detect(ascii('% evt 2.0\n'))).toBe(0);
    expect(evt3Format.detect(new Uint8Array([1, 2, 3]))).toBe(0);
  });
});

describe('EVT 3.0 bad input', () => {
  it('keeps every event before a truncated last word and reports its offset', () => {
    const full = words16(HDR, [TH(0), AY(1), AX(1), AX(2)]);
    const { ev, stats } = decode(full.subarray(0, full.length - 1));
    expect(ev.x).toEqual([1]);
    expect(stats.issues[0]).toMatchObject({ field: 'word', byteOffset: full.length - 2 });
  });

  it('never throws or hangs on random bytes after a header', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const bytes = concatBytes([ascii(HDR), noise(20_000, seed)]);
      const t0 = performance.now();
      const { ev, stats } = decode(bytes);
      expect(performance.now() - t0).toBeLessThan(1000);
      for (let i = 1; i < ev.t.length; i++) expect(ev.t[i]).toBeGreaterThanOrEqual(ev.t[i - 1]);
      expect(stats.events).toBe(ev.t.length);
    }
  });

  it('never throws on random bytes with no header at all', () => {
    for (let seed = 1; seed <= 10; seed++) {
      expect(() => decode(noise(5000, seed * 7919))).not.toThrow();
    }
  });
});

describe('EVT 3.0 writer round trip', () => {
  const info = infoOf('evt3', 640, 480);
  it('gives back identical columns, whole and under any split', () => {
    fc.assert(
      fc.property(
        arbitraryStream({ width: 640, height: 480, maxGap: 2 ** 26 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (packet, cuts) => {
          const bytes = encodeAll(new Evt3Encoder({ rebaseTime: 'never' }), info, [packet]);
          const whole = decodeChunks(new Evt3Decoder(), [bytes]);
          expect(packetToArrays(whole.packet)).toEqual(packetToArrays(packet));
          expect(whole.decoder.stats.issueCount).toBe(0);
          const split = decodeChunks(
            new Evt3Decoder(),
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          );
          expect(packetToArrays(split.packet)).toEqual(packetToArrays(packet));
          expect(split.decoder.stats.toJSON()).toEqual(whole.decoder.stats.toJSON());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('uses vector words for runs, and ADDR_X only when vectors are off', () => {
    const pk = packetFromArrays([9, 9, 9, 9], [20, 21, 22, 50], [3, 3, 3, 3], [1, 1, 1, 1]);
    const enc = new Evt3Encoder();
    enc.begin(info);
    const words = Array.from(new Uint16Array(enc.encode(pk).slice().buffer));
    expect(words.filter((w) => w >>> 12 === 0x3)).toHaveLength(1);
    expect(words.filter((w) => w >>> 12 === 0x4)).toHaveLength(2);
    expect(words.filter((w) => w >>> 12 === 0x5)).toHaveLength(1);
    const plain = new Evt3Encoder({ vectorMinRun: Number.POSITIVE_INFINITY });
    plain.begin(info);
    const plainWords = Array.from(new Uint16Array(plain.encode(pk).slice().buffer));
    expect(plainWords.filter((w) => w >>> 12 === 0x2)).toHaveLength(4);
  });

  it('keeps absolute time across many 24-bit loops and long silences', () => {
    const t = [0, 2 ** 24 - 1, 2 ** 24, 3 * 2 ** 24 + 5, 10 * 3600e6, 10 * 3600e6 + 1];
    const pk = packetFromArrays(t, [1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0], [0, 1, 0, 1, 0, 1]);
    const bytes = encodeAll(new Evt3Encoder(), info, [pk]);
    const { packet } = decodeChunks(new Evt3Decoder(), [bytes]);
    expect(packetToArrays(packet).t).toEqual(t);
    const late = packetFromArrays([3 * 2 ** 24 + 77], [1], [1], [1]);
    expect(
      packetToArrays(decodeChunks(new Evt3Decoder(), [encodeAll(new Evt3Encoder(), info, [late])]).packet).t,
    ).toEqual([3 * 2 ** 24 + 77]);
  });

  it('continues state across packets and rejects what EVT 3.0 cannot hold', () => {
    const a = packetFromArrays([1, 2], [1, 2], [1, 1], [0, 0]);
    const b = packetFromArrays([2, 3], [3, 4], [1, 1], [0, 0]);
    const bytes = encodeAll(new Evt3Encoder(), info, [a, b]);
    expect(packetToArrays(decodeChunks(new Evt3Decoder(), [bytes]).packet).x).toEqual([1, 2, 3, 4]);
    const enc = new Evt3Encoder();
    enc.begin(info);
    expect(() => enc.encode(packetFromArrays([5, 4], [1, 1], [1, 1], [0, 0]))).toThrow(/goes back/);
    expect(() => enc.encode(packetFromArrays([10], [640], [1], [0]))).toThrow(RangeError);
    expect(() => enc.encode(packetFromArrays([1.5], [1], [1], [0]))).toThrow(RangeError);
    expect(() => new Evt3Encoder({ vectorMinRun: 0 })).toThrow(RangeError);
    const unix = new Evt3Encoder({ rebaseTime: 'never' });
    unix.begin(info);
    expect(() => unix.encode(packetFromArrays([1.7e15], [1], [1], [0]))).toThrow(/rebaseTime/);
    expect(() => new Evt3Encoder({ rebaseTime: 'sometimes' as 'auto' })).toThrow(RangeError);
    expect(() => new Evt3Encoder({ vectors: 'no' as unknown as boolean })).toThrow(TypeError);
  });

  it('rebases absolute clocks (Unix µs) by default, or always when asked', () => {
    const unixT = [1.7e15, 1.7e15 + 5, 1.7e15 + 2 ** 25];
    const pk = packetFromArrays(unixT, [1, 2, 3], [1, 1, 1], [0, 1, 0]);
    const auto = decodeChunks(new Evt3Decoder(), [encodeAll(new Evt3Encoder(), info, [pk])]);
    expect(packetToArrays(auto.packet).t).toEqual([0, 5, 2 ** 25]);
    const small = packetFromArrays([1000, 1001], [1, 2], [1, 1], [0, 0]);
    const always = decodeChunks(new Evt3Decoder(), [
      encodeAll(new Evt3Encoder({ rebaseTime: 'always' }), info, [small]),
    ]);
    expect(packetToArrays(always.packet).t).toEqual([0, 1]);
    const never = decodeChunks(new Evt3Decoder(), [
      encodeAll(new Evt3Encoder({ vectors: false }), info, [small]),
    ]);
    expect(packetToArrays(never.packet).t).toEqual([1000, 1001]);
  });

  it('writes a header the decoder reads back, metadata included', () => {
    const enc = new Evt3Encoder();
    const header = enc.begin(
      makeStreamInfo({ width: 1280, height: 720, format: 'evt3', metadata: { serial_number: '00ca0009' } }),
    );
    const dec = new Evt3Decoder();
    dec.push(header);
    dec.end();
    expect(dec.info).toMatchObject({ width: 1280, height: 720, geometrySource: 'header' });
    expect(dec.info?.metadata?.['serial_number']).toBe('00ca0009');
  });
});

describe('EVT 3.0 writer bytes (hand-checked against the layout)', () => {
  it('writes exactly the expected words, fillers and vectors included', () => {
    const enc = new Evt3Encoder({ rebaseTime: 'never' });
    const header = new TextDecoder().decode(enc.begin(infoOf('evt3', 640, 480)));
    expect(header).toBe('% evt 3.0\n% format EVT3;height=480;width=640\n% geometry 640x480\n% end\n');
    const pk = packetFromArrays(
      [5, 5, 5, 5, 100000, 20000000, 20000000],
      [10, 11, 13, 40, 3, 7, 8],
      [1, 1, 1, 1, 2, 3, 3],
      [1, 1, 1, 1, 0, 1, 0],
    );
    const bytes = enc.encode(pk);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const words = Array.from({ length: bytes.length / 2 }, (_, i) => dv.getUint16(2 * i, true));
    // t=5: TIME_HIGH 0, TIME_LOW 5, ADDR_Y 1, VECT_BASE_X 10 ON, VECT_12 {0,1,3}, VECT_12 {}, VECT_8 {6}.
    // t=100000 = 24*4096 + 1696: TIME_HIGH 24, TIME_LOW 0x6a0, ADDR_Y 2, ADDR_X 3 OFF.
    // t=20000000 = 4882*4096 + 3328: fillers 1048, 2072, 3096, 4120 (raw 24), TIME_HIGH 4882 & 0xfff.
    expect(words).toEqual([
      0x8000, 0x6005, 0x0001, 0x380a, 0x400b, 0x4000, 0x5040, 0x8018, 0x66a0, 0x0002, 0x2003, 0x8418, 0x8818,
      0x8c18, 0x8018, 0x8312, 0x6d00, 0x0003, 0x2807, 0x2008,
    ]);
  });
});

describe('EVT 3.0 writer with unknown geometry', () => {
  it('writes no size rather than 0x0, and the decoder reports the geometry as unknown', () => {
    const enc = new Evt3Encoder();
    const head = enc.begin(
      makeStreamInfo({ width: 0, height: 0, format: 'evt3', geometrySource: 'unknown' }),
    );
    expect(new TextDecoder().decode(head)).toBe('% evt 3.0\n% format EVT3\n% end\n');
    const bytes = concatBytes([head, enc.encode(packetFromArrays([1], [2000], [1500], [1]))]);
    const { packet, decoder } = decodeChunks(new Evt3Decoder(), [bytes]);
    expect(packetToArrays(packet).x).toEqual([2000]);
    expect(decoder.info).toMatchObject({ width: 0, height: 0, geometrySource: 'unknown' });
  });
});
