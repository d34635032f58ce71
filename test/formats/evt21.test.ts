import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import { Evt21Decoder, Evt21Encoder, evt21Format } from '../../src/formats/evt21/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';
import { arbitraryStream, ascii, encodeAll, infoOf, noise, words32 } from './prophesee-header/streams.ts';

const HDR = '% evt 2.1\n% format EVT21;height=480;width=640\n% end\n';
const LEGACY_HDR = '% evt 2.1\n% format EVT21;height=480;width=640;endianness=legacy\n% end\n';
type Word = [hi: number, lo: number];
const TH = (h: number): Word => [(0x80000000 | h) >>> 0, 0];
const CD = (p: number, low: number, x: number, y: number, mask: number): Word => [
  ((p << 28) | (low << 22) | (x << 11) | y) >>> 0,
  mask >>> 0,
];

function bytesOf(header: string, words: readonly Word[], order: 'little' | 'legacy'): Uint8Array {
  return words32(
    header,
    words.flatMap(([hi, lo]) => (order === 'little' ? [lo, hi] : [hi, lo])),
  );
}

function decode(bytes: Uint8Array, options = {}) {
  const { packet, decoder } = decodeChunks(new Evt21Decoder(options), [bytes]);
  return {
    ev: packetToArrays(packet),
    stats: decoder.stats,
    info: decoder.info,
    decoder: decoder as Evt21Decoder,
  };
}

const SAMPLE: Word[] = [
  CD(1, 0, 1, 1, 0b11),
  TH(10),
  CD(1, 5, 100, 7, 0x80000005),
  CD(0, 6, 3, 4, 1),
  TH(11),
  CD(1, 0, 0, 0, 2),
];
const EXPECTED = {
  t: [645, 645, 645, 646, 704],
  x: [100, 102, 131, 3, 1],
  y: [7, 7, 7, 4, 0],
  p: [1, 1, 1, 0, 1],
};

describe('EVT 2.1 decoder', () => {
  it('decodes valid masks in both byte orders, dropping data before the first TIME_HIGH', () => {
    const little = decode(bytesOf(HDR, SAMPLE, 'little'));
    expect(little.ev).toEqual(EXPECTED);
    expect(little.stats.skipped['before_first_time_high']).toBe(2);
    expect(little.decoder.endianness).toBe('little');
    const legacy = decode(bytesOf(LEGACY_HDR, SAMPLE, 'legacy'));
    expect(legacy.ev).toEqual(EXPECTED);
    expect(legacy.decoder.endianness).toBe('legacy');
    expect(decode(bytesOf(HDR, SAMPLE, 'legacy'), { endianness: 'legacy' }).ev).toEqual(EXPECTED);
  });

  it('reads the byte order from a separate endianness header key', () => {
    const d = decode(
      bytesOf('% evt 2.1\n% endianness legacy\n% geometry 640x480\n% end\n', SAMPLE, 'legacy'),
    );
    expect(d.ev).toEqual(EXPECTED);
  });

  it('switches to the other byte order when the type nibbles say the header is wrong', () => {
    const words: Word[] = [];
    for (let i = 0; i < 40; i++) words.push(TH(i), CD(i & 1, 3, 10 + i, 20, 0x7));
    const bytes = bytesOf(HDR, words, 'legacy');
    const d = decode(bytes);
    expect(d.decoder.endianness).toBe('legacy');
    expect(d.stats.issues.find((i) => i.field === 'endianness')?.message).toContain("decoding as 'legacy'");
    expect(d.ev.t.length).toBe(120);
    const forced = decode(bytes, { endianness: 'little' });
    expect(forced.decoder.endianness).toBe('little');
    expect(forced.stats.issues.find((i) => i.field === 'endianness')?.message).toContain(
      'keeping the option',
    );
  });

  it('switches a header that says legacy to little when the data is little', () => {
    const words: Word[] = [];
    for (let i = 0; i < 40; i++) words.push(TH(i), CD(1, 9, 600, 470, 0x30000001));
    const d = decode(bytesOf(LEGACY_HDR, words, 'little'));
    expect(d.decoder.endianness).toBe('little');
    expect(d.stats.issues.find((i) => i.field === 'endianness')?.message).toContain('(header)');
    expect(d.ev.t.length).toBe(120);
    expect(d.ev.x.slice(0, 3)).toEqual([600, 628, 629]);
  });

  it('handles loops, glitches and other word kinds like EVT 2.0', () => {
    const { ev, stats } = decode(
      bytesOf(
        HDR,
        [
          TH(2 ** 28 - 1),
          CD(1, 0, 1, 1, 1),
          TH(0),
          CD(1, 1, 1, 1, 1),
          [0xa0000000, 0],
          [0xe0000000, 0],
          [0x50000000, 0],
          TH(3),
          CD(0, 0, 1, 1, 1),
          TH(2),
          CD(0, 0, 2, 2, 1),
        ],
        'little',
      ),
    );
    expect(ev.t).toEqual([(2 ** 28 - 1) * 64, 2 ** 34 + 1, 2 ** 34 + 192, 2 ** 34 + 192]);
    expect(stats.repaired).toMatchObject({ time_wrap: 1, time_high_backwards: 1, time_backwards: 1 });
    expect(stats.skipped).toMatchObject({ ext_trigger: 1, others: 1, invalid_word: 1 });
  });

  it('drops mask bits past the geometry and reports a truncated word', () => {
    const full = bytesOf(HDR, [TH(0), CD(1, 0, 630, 1, 0xffff), CD(1, 0, 1, 1, 1)], 'little');
    const { ev, stats } = decode(full.subarray(0, full.length - 1));
    expect(ev.x).toEqual([630, 631, 632, 633, 634, 635, 636, 637, 638, 639]);
    expect(stats.skipped['out_of_bounds']).toBe(6);
    expect(stats.issues.find((i) => i.field === 'word')?.byteOffset).toBe(full.length - 8);
  });

  it('detects EVT 2.1 and rejects a bad endianness option', () => {
    expect(evt21Format.detect(ascii(HDR))).toBe(1);
    expect(evt21Format.detect(ascii('% evt 3.0\n'))).toBe(0);
    expect(() => new Evt21Decoder({ endianness: 'big' as 'little' })).toThrow(RangeError);
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

describe('EVT 2.1 writer round trip', () => {
  const info = infoOf('evt21', 640, 480);
  for (const endianness of ['little', 'legacy'] as const) {
    it(`gives back identical columns in '${endianness}' order, whole and under any split`, () => {
      fc.assert(
        fc.property(
          arbitraryStream({ width: 640, height: 480, maxGap: 2 ** 33 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          (packet, cuts) => {
            const bytes = encodeAll(new Evt21Encoder({ endianness, rebaseTime: 'never' }), info, [packet]);
            const whole = decodeChunks(new Evt21Decoder(), [bytes]);
            expect(packetToArrays(whole.packet)).toEqual(packetToArrays(packet));
            expect(whole.decoder.stats.issueCount).toBe(0);
            const split = decodeChunks(
              new Evt21Decoder(),
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
  }

  it('packs a run of nearby x into one word', () => {
    const enc = new Evt21Encoder();
    enc.begin(info);
    const body = enc.encode(packetFromArrays([1, 1, 1, 1], [5, 6, 20, 40], [2, 2, 2, 2], [1, 1, 1, 1]));
    expect(body.length).toBe(8 * 3);
  });
});

describe('EVT 2.1 writer bytes (hand-checked against the layout)', () => {
  it('writes one masked word per run, halves ordered by endianness', () => {
    const pk = packetFromArrays([5, 5, 5], [3, 4, 10], [2, 2, 2], [1, 1, 1]);
    const halves = (order: 'little' | 'legacy') => {
      const enc = new Evt21Encoder({ endianness: order });
      enc.begin(infoOf('evt21', 640, 480));
      const bytes = enc.encode(pk);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      return Array.from({ length: bytes.length / 4 }, (_, i) => dv.getUint32(4 * i, true));
    };
    expect(halves('little')).toEqual([0, 0x80000000, 0x83, 0x11401802]);
    expect(halves('legacy')).toEqual([0x80000000, 0, 0x11401802, 0x83]);
    const enc = new Evt21Encoder({ endianness: 'legacy' });
    expect(new TextDecoder().decode(enc.begin(infoOf('evt21', 640, 480)))).toContain(
      '% format EVT21;height=480;width=640;endianness=legacy\n',
    );
  });
});
