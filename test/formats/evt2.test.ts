import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import { Evt2Decoder, Evt2Encoder, evt2Format } from '../../src/formats/evt2/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';
import { arbitraryStream, ascii, encodeAll, infoOf, noise, words32 } from './prophesee-header/streams.ts';

const HDR = '% evt 2.0\n% format EVT2;height=480;width=640\n% end\n';
const TH = (h: number) => (0x80000000 | h) >>> 0;
const CD = (p: number, low: number, x: number, y: number) => ((p << 28) | (low << 22) | (x << 11) | y) >>> 0;

function decode(bytes: Uint8Array, options = {}) {
  const { packet, decoder } = decodeChunks(new Evt2Decoder(options), [bytes]);
  return { ev: packetToArrays(packet), stats: decoder.stats, info: decoder.info };
}

describe('EVT 2.0 decoder', () => {
  it('builds 34-bit time from TIME_HIGH and the 6 low bits', () => {
    const { ev } = decode(
      words32(HDR, [TH(10), CD(1, 5, 3, 4), CD(0, 63, 639, 479), TH(11), CD(1, 0, 1, 1)]),
    );
    expect(ev).toEqual({ t: [645, 703, 704], x: [3, 639, 1], y: [4, 479, 1], p: [1, 0, 1] });
  });

  it('counts a loop when TIME_HIGH falls by more than half its range, and clamps small glitches', () => {
    const { ev, stats } = decode(
      words32(HDR, [
        TH(2 ** 28 - 1),
        CD(1, 0, 1, 1),
        TH(0),
        CD(1, 1, 1, 1),
        TH(100),
        CD(0, 0, 2, 2),
        TH(98),
        CD(0, 0, 3, 3),
      ]),
    );
    expect(ev.t).toEqual([(2 ** 28 - 1) * 64, 2 ** 34 + 1, 2 ** 34 + 6400, 2 ** 34 + 6400]);
    expect(stats.repaired).toMatchObject({ time_wrap: 1, time_high_backwards: 1, time_backwards: 1 });
  });

  it('drops CD events before the first TIME_HIGH and skips other word kinds by name', () => {
    const { ev, stats } = decode(
      words32(HDR, [
        CD(1, 0, 1, 1),
        CD(1, 0, 2, 2),
        TH(1),
        0xa0000101,
        0xd0000000,
        0xf0000000,
        0xe0000000,
        0x30000000,
        CD(0, 1, 5, 5),
      ]),
    );
    expect(ev.x).toEqual([5]);
    expect(stats.skipped).toEqual({
      before_first_time_high: 2,
      ext_trigger: 1,
      imu: 1,
      continued: 1,
      others: 1,
      invalid_word: 1,
    });
  });

  it('drops events outside the header geometry, keeps them with a user geometry', () => {
    const bytes = words32(HDR, [TH(0), CD(1, 0, 700, 1), CD(1, 0, 1, 1)]);
    expect(decode(bytes).ev.x).toEqual([1]);
    expect(decode(bytes).stats.skipped['out_of_bounds']).toBe(1);
    expect(decode(bytes, { width: 1280, height: 720 }).ev.x).toEqual([700, 1]);
  });

  it('uses the system_ID table for old headers and rejects an EVT 3.0 header', () => {
    const old = decode(words32('% system_ID 21\n', [TH(0), CD(1, 0, 1, 1)]));
    expect(old.info).toMatchObject({ width: 640, height: 480, geometrySource: 'default' });
    expect(old.ev.x).toEqual([1]);
    const wrong = decode(words32('% evt 3.0\n', [TH(0), CD(1, 0, 1, 1)]));
    expect(wrong.stats.fatal?.field).toBe('evt');
    expect(wrong.ev.x).toEqual([]);
    expect(evt2Format.detect(ascii(HDR))).toBe(1);
    expect(evt2Format.detect(ascii('% system_ID 21\n'))).toBe(0.8);
  });

  it('reports a truncated last word at its offset after every complete event', () => {
    const full = words32(HDR, [TH(0), CD(1, 0, 1, 1), CD(1, 0, 2, 2)]);
    const { ev, stats } = decode(full.subarray(0, full.length - 3));
    expect(ev.x).toEqual([1]);
    expect(stats.issues[0]).toMatchObject({ field: 'word', byteOffset: full.length - 4, fatal: false });
  });

  it('never throws or hangs on random bytes', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t0 = performance.now();
      const { ev } = decode(concatBytes([ascii(HDR), noise(20_000, seed)]));
      expect(performance.now() - t0).toBeLessThan(1000);
      for (let i = 1; i < ev.t.length; i++) expect(ev.t[i]).toBeGreaterThanOrEqual(ev.t[i - 1]);
    }
  });
});

describe('EVT 2.0 writer round trip', () => {
  const info = infoOf('evt2', 640, 480);
  it('gives back identical columns, whole and under any split', () => {
    fc.assert(
      fc.property(
        arbitraryStream({ width: 640, height: 480, maxGap: 2 ** 33 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (packet, cuts) => {
          const bytes = encodeAll(new Evt2Encoder({ rebaseTime: 'never' }), info, [packet]);
          const whole = decodeChunks(new Evt2Decoder(), [bytes]);
          expect(packetToArrays(whole.packet)).toEqual(packetToArrays(packet));
          expect(whole.decoder.stats.issueCount).toBe(0);
          const split = decodeChunks(
            new Evt2Decoder(),
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

  it('keeps absolute time past 2^34 µs and across multi-hour silences', () => {
    const t = [5, 2 ** 34 + 3, 3 * 2 ** 34 + 64 * 7, 3 * 2 ** 34 + 64 * 7 + 1];
    const pk = packetFromArrays(t, [1, 2, 3, 4], [1, 1, 1, 1], [1, 0, 1, 0]);
    expect(
      packetToArrays(decodeChunks(new Evt2Decoder(), [encodeAll(new Evt2Encoder(), info, [pk])]).packet).t,
    ).toEqual(t);
    const late = packetFromArrays([2 ** 40], [1], [1], [1]);
    const never = encodeAll(new Evt2Encoder({ rebaseTime: 'never' }), info, [late]);
    expect(packetToArrays(decodeChunks(new Evt2Decoder(), [never]).packet).t).toEqual([2 ** 40]);
    const auto = encodeAll(new Evt2Encoder(), info, [late]);
    expect(packetToArrays(decodeChunks(new Evt2Decoder(), [auto]).packet).t).toEqual([0]);
  });

  it('rejects events it cannot write', () => {
    const enc = new Evt2Encoder();
    enc.begin(info);
    expect(() => enc.encode(packetFromArrays([1], [640], [0], [0]))).toThrow(RangeError);
    expect(() => enc.encode(packetFromArrays([-1], [1], [0], [0]))).toThrow(RangeError);
  });
});

describe('EVT 2.0 writer bytes (hand-checked against the layout)', () => {
  it('writes TIME_HIGH then CD words with type, ts low 6 bits, x and y in place', () => {
    const enc = new Evt2Encoder();
    expect(new TextDecoder().decode(enc.begin(infoOf('evt2', 640, 480)))).toBe(
      '% evt 2.0\n% format EVT2;height=480;width=640\n% geometry 640x480\n% end\n',
    );
    const bytes = enc.encode(packetFromArrays([5, 130], [3, 4], [2, 5], [1, 0]));
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const words = Array.from({ length: bytes.length / 4 }, (_, i) => dv.getUint32(4 * i, true));
    expect(words).toEqual([0x80000000, 0x11401802, 0x80000002, 0x00802005]);
  });
});
