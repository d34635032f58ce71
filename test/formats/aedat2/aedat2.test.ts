import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventPacket, packetFromArrays, packetToArrays } from '../../../src/events/packet.ts';
import { makeStreamInfo } from '../../../src/events/stream-info.ts';
import {
  type Aedat2Decoder,
  type Aedat2DecoderOptions,
  type Aedat2EncoderOptions,
  aedat2Format,
  createAedat2Decoder,
  createAedat2Encoder,
} from '../../../src/formats/aedat2/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../../helpers/decode.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function header(chip: string, version = '2.0'): Uint8Array {
  return enc(`#!AER-DAT${version}\r\n# AEChip: ${chip}\r\n#End Of ASCII Header\r\n`);
}

/** Big-endian signed records (address, timestamp). */
function records(pairs: readonly [number, number][]): Uint8Array {
  const out = new Uint8Array(8 * pairs.length);
  const v = new DataView(out.buffer);
  pairs.forEach(([a, t], i) => {
    v.setInt32(8 * i, a, false);
    v.setInt32(8 * i + 4, t, false);
  });
  return out;
}

function run(
  bytes: Uint8Array | Uint8Array[],
  options: Aedat2DecoderOptions = {},
): { packet: EventPacket; decoder: Aedat2Decoder } {
  const decoder = createAedat2Decoder(options);
  return { packet: decodeChunks(decoder, Array.isArray(bytes) ? bytes : [bytes]).packet, decoder };
}

function encodeFile(
  events: { t: number[]; x: number[]; y: number[]; p: number[] },
  width: number,
  height: number,
  options: Aedat2EncoderOptions = {},
): Uint8Array {
  const e = createAedat2Encoder(options);
  return concatBytes([
    e.begin(makeStreamInfo({ width, height, format: 'aedat2' })),
    e.encode(packetFromArrays(events.t, events.x, events.y, events.p)),
    e.end(),
  ]);
}

function randomEvents(n: number, width: number, height: number, seed: number) {
  let s = seed;
  const r = (m: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % m;
  };
  const ev = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };
  let t = 1000;
  for (let i = 0; i < n; i++) {
    t += r(50);
    ev.t.push(t);
    ev.x.push(r(width));
    ev.y.push(r(height));
    ev.p.push(r(2));
  }
  return ev;
}

describe('AEDAT 2.0 DVS128 records', () => {
  // rawX 5, rawY 10: address = rawY<<8 | rawX<<1 | bit0.
  const on = (10 << 8) | (5 << 1) | 0;
  const off = (10 << 8) | (5 << 1) | 1;

  it('reads big-endian records with jAER polarity (bit 0 = 0 is ON) and top-left axes by default', () => {
    const { packet, decoder } = run(
      concatBytes([
        header('ch.unizh.ini.jaer.chip.retina.DVS128'),
        records([
          [on, 100],
          [off, 200],
        ]),
      ]),
    );
    expect(packetToArrays(packet)).toEqual({ t: [100, 200], x: [122, 122], y: [117, 117], p: [1, 0] });
    expect(decoder.info).toMatchObject({
      width: 128,
      height: 128,
      format: 'aedat2',
      geometrySource: 'header',
    });
  });

  it('offers the jAER and raw axis conventions and inverted polarity', () => {
    const bytes = concatBytes([header('DVS128'), records([[on, 1]])]);
    expect(packetToArrays(run(bytes, { axes: 'jaer' }).packet)).toMatchObject({ x: [122], y: [10] });
    expect(packetToArrays(run(bytes, { axes: 'raw', invertPolarity: true }).packet)).toMatchObject({
      x: [5],
      y: [10],
      p: [0],
    });
  });

  it('skips external events (bit 15) and counts them', () => {
    const { packet, decoder } = run(
      concatBytes([
        header('DVS128'),
        records([
          [0x8000 | on, 5],
          [on, 6],
        ]),
      ]),
    );
    expect(packet.length).toBe(1);
    expect(decoder.stats.skipped).toEqual({ external: 1 });
  });

  it('unwraps signed 32-bit timestamps (sign flip and 2^32 wrap) and clamps small backward steps', () => {
    const ts = [0x7ffffff0, 0x80000010 | 0, 0xfffffff0 | 0, 0x10, 0x05];
    const { packet, decoder } = run(concatBytes([header('DVS128'), records(ts.map((t) => [on, t]))]));
    expect(Array.from(packet.tUs)).toEqual([
      0x7ffffff0,
      0x80000010,
      0xfffffff0,
      2 ** 32 + 0x10,
      2 ** 32 + 0x10,
    ]);
    expect(decoder.stats.repaired).toEqual({ time_wrap: 1, time_backwards: 1 });
  });

  it('reads AEDAT 1.0 six-byte records (no version line)', () => {
    const body = new Uint8Array(12);
    const v = new DataView(body.buffer);
    v.setInt16(0, on, false);
    v.setInt32(2, 7, false);
    v.setInt16(6, off, false);
    v.setInt32(8, 9, false);
    const { packet, decoder } = run(
      concatBytes([enc('# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n'), body]),
    );
    expect(packetToArrays(packet)).toEqual({ t: [7, 9], x: [122, 122], y: [117, 117], p: [1, 0] });
    expect(decoder.info?.metadata?.version).toBe('1.0');
  });
});

describe('AEDAT 2.0 DAVIS records', () => {
  const dvs = (rawX: number, rawY: number, on: number): number => (rawY << 22) | (rawX << 12) | (on << 11);

  it('reads DVS events and skips APS, IMU and external records by kind', () => {
    const aps = (1 << 31) | (3 << 22) | (4 << 12) | (1 << 10) | 77; // signal read
    const imu = (1 << 31) | (2 << 28) | (3 << 10);
    const ext = dvs(0, 0, 0) | (1 << 10);
    const { packet, decoder } = run(
      concatBytes([
        header('eu.seebetter.ini.chips.davis.DAVIS240C'),
        records([
          [dvs(10, 20, 1), 1],
          [aps, 2],
          [imu, 3],
          [imu, 3],
          [ext, 4],
          [dvs(239, 179, 0), 5],
        ]),
      ]),
    );
    expect(decoder.info).toMatchObject({ width: 240, height: 180 });
    expect(packetToArrays(packet)).toEqual({ t: [1, 5], x: [229, 0], y: [159, 0], p: [1, 0] });
    expect(decoder.stats.skipped).toEqual({ aps: 1, imu: 2, external: 1 });
  });

  it('drops addresses outside the geometry', () => {
    const { packet, decoder } = run(concatBytes([header('DAVIS240C'), records([[dvs(500, 3, 1), 1]])]));
    expect(packet.length).toBe(0);
    expect(decoder.stats.skipped).toEqual({ out_of_range: 1 });
  });

  it('fails clearly for an unknown chip, and reads it with chip + geometry options', () => {
    const bytes = concatBytes([header('org.example.MyChip'), records([[dvs(1, 2, 1), 3]])]);
    const bad = run(bytes);
    expect(bad.decoder.stats.fatal).toMatchObject({ field: 'AEChip' });
    expect(bad.decoder.stats.fatal?.message).toMatch(/chip: 'dvs128' or 'davis'/);
    const good = run(bytes, { chip: 'davis', width: 64, height: 48 });
    expect(packetToArrays(good.packet)).toEqual({ t: [3], x: [62], y: [45], p: [1] });
    expect(good.decoder.info?.geometrySource).toBe('user');
  });
});

describe('AEDAT 2.0 round trips and damage', () => {
  for (const [w, h] of [
    [128, 128],
    [346, 260],
    [100, 50],
  ] as const) {
    for (const axes of ['top-left', 'jaer', 'raw'] as const) {
      it(`encoder → decoder ${w}×${h} (${axes})`, () => {
        const ev = randomEvents(500, w, h, w + h);
        const bytes = encodeFile(ev, w, h, { axes });
        expect(aedat2Format.detect(bytes)).toBe(1);
        const { packet, decoder } = run(bytes, { axes });
        expect(packetToArrays(packet)).toEqual(ev);
        expect(decoder.info).toMatchObject({ width: w, height: h });
        expect(decoder.stats.issueCount).toBe(0);
      });
    }
  }

  it('keeps every whole record before a truncated one', () => {
    const ev = randomEvents(10, 128, 128, 3);
    const bytes = encodeFile(ev, 128, 128);
    const { packet, decoder } = run(bytes.subarray(0, bytes.length - 3));
    expect(packet.length).toBe(9);
    expect(decoder.stats.fatal).toMatchObject({ field: 'record', byteOffset: bytes.length - 8 });
  });

  it('property: split == whole, and corruption never throws', () => {
    const ev = randomEvents(300, 346, 260, 9);
    const bytes = encodeFile(ev, 346, 260);
    const whole = run(bytes);
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
          for (const [at, v] of edits) b[at % b.length] = v;
          const { packet } = run(b);
          for (let i = 1; i < packet.length; i++)
            expect(packet.tUs[i]).toBeGreaterThanOrEqual(packet.tUs[i - 1]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
