import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import {
  cobsDecode,
  cobsEncode,
  crc16Ccitt,
  crc32,
  createSpikeframeDecoder,
  createSpikeframeEncoder,
  helloRequestFrame,
  MAX_FRAME_BYTES,
} from '../../src/formats/spike-serial/index.ts';
import { concatBytes, decodeChunks, splitAt } from '../helpers/decode.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

const eventsArb = (channels: number) =>
  fc
    .array(
      fc.record({
        dt: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3_000_000 })),
        ch: fc.integer({ min: 0, max: channels - 1 }),
        p: fc.integer({ min: 0, max: 1 }),
      }),
      { minLength: 0, maxLength: 300 },
    )
    .map((evs) => {
      let t = 17;
      const ts = evs.map((e) => {
        t += e.dt;
        return t;
      });
      return packetFromArrays(
        ts,
        evs.map((e) => e.ch),
        evs.map(() => 0),
        evs.map((e) => e.p),
      );
    });

describe('spikeframe building blocks', () => {
  it('CRCs match their check values', () => {
    expect(crc16Ccitt(ascii('123456789'))).toBe(0x29b1);
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });
  it('COBS round-trips any bytes and never emits 0x00 inside a frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (data) => {
        const enc = cobsEncode(data);
        expect(enc.at(-1)).toBe(0);
        expect(enc.subarray(0, -1).includes(0)).toBe(false);
        expect(cobsDecode(enc.subarray(0, -1))).toEqual(data);
      }),
    );
    expect([...cobsEncode(Uint8Array.of(0x11, 0x00, 0x22))]).toEqual([0x02, 0x11, 0x02, 0x22, 0x00]);
    expect(cobsDecode(Uint8Array.of(0x05, 0x11))).toBeUndefined();
  });
  it('HelloRequest is a fixed 6-byte frame', () => {
    expect(helloRequestFrame().length).toBe(6);
    expect(helloRequestFrame().at(-1)).toBe(0);
  });
});

describe('spikeframe decoder', () => {
  for (const [clockHz, useCrc32] of [
    [1_000_000, false],
    [16_000_000, true],
  ] as const) {
    it(`any split decodes to the original events (clock ${clockHz} Hz, ${useCrc32 ? 'CRC-32' : 'CRC-16'})`, () => {
      fc.assert(
        fc.property(eventsArb(300), fc.array(fc.nat(), { maxLength: 8 }), (packet, cuts) => {
          const enc = createSpikeframeEncoder({ channels: 300, clockHz, crc32: useCrc32, name: 'cochlea-ä' });
          const bytes = concatBytes([enc.hello(), ...enc.events(packet)]);
          const d = createSpikeframeDecoder();
          const { packet: got } = decodeChunks(
            d,
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          );
          expect(packetToArrays(got)).toEqual(packetToArrays(packet));
          expect(d.stats.issueCount).toBe(0);
          expect(d.info).toMatchObject({
            width: 300,
            height: 1,
            format: 'spikeframe',
            geometrySource: 'header',
          });
          expect(d.hello).toEqual({ version: 1, channels: 300, clockHz, name: 'cochlea-ä' });
        }),
        { numRuns: 40 },
      );
    });
  }

  it('x = channel, y = 0, p = sign; a 32-bit tick counter wrap is unwrapped', () => {
    const enc = createSpikeframeEncoder({ channels: 8, eventsPerFrame: 2 });
    const t = [2 ** 32 - 10, 2 ** 32 - 5, 2 ** 32 + 3, 2 ** 32 + 100];
    const bytes = concatBytes([
      enc.hello(),
      ...enc.events(packetFromArrays(t, [7, 0, 3, 5], [0, 0, 0, 0], [1, 0, 1, 0])),
    ]);
    const d = createSpikeframeDecoder();
    expect(packetToArrays(decodeChunks(d, [bytes]).packet)).toEqual({
      t,
      x: [7, 0, 3, 5],
      y: [0, 0, 0, 0],
      p: [1, 0, 1, 0],
    });
  });

  it('a corrupted frame is skipped by its CRC and the rest is kept; sequence gaps count lost frames', () => {
    const enc = createSpikeframeEncoder({ channels: 4, eventsPerFrame: 1 });
    const frames = enc.events(
      packetFromArrays([1, 2, 3, 4, 5], [0, 1, 2, 3, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]),
    );
    const bad = frames[1].slice();
    bad[3] ^= 0x40;
    const stream = concatBytes([enc.hello(), frames[0], bad, frames[2], /* frames[3] lost */ frames[4]]);
    const d = createSpikeframeDecoder({ origin: 'dev' });
    const got = decodeChunks(d, [stream]).packet;
    expect(packetToArrays(got).t).toEqual([1, 3, 5]);
    expect(d.stats.skipped['crc_error']).toBe(1);
    expect(d.stats.skipped['lost_frames']).toBe(2);
    const offset = enc.hello().length + frames[0].length;
    expect(d.stats.issues[0]).toMatchObject({ byteOffset: offset, field: 'check' });
  });

  it('garbage, events before Hello, logs, oversize and unknown frames are counted, never fatal', () => {
    const enc = createSpikeframeEncoder({ channels: 2 });
    const early = enc.events(packetFromArrays([1, 2], [0, 1], [0, 0], [1, 1]));
    const big = new Uint8Array(MAX_FRAME_BYTES + 10).fill(7);
    const stream = concatBytes([
      ascii('bootloader v1.2\r\n'),
      Uint8Array.of(0),
      ...early,
      enc.hello(),
      enc.log('calibrated'),
      big,
      Uint8Array.of(0),
      enc.frame(0x7e, Uint8Array.of(1, 2)),
      ...enc.events(packetFromArrays([10], [1], [0], [0])),
    ]);
    const logs: string[] = [];
    const d = createSpikeframeDecoder({ onLog: (l) => logs.push(l) });
    const got = decodeChunks(d, splitAt(stream, [3, 100, 2000])).packet;
    expect(packetToArrays(got)).toEqual({ t: [10], x: [1], y: [0], p: [0] });
    expect(d.stats.skipped).toMatchObject({
      before_hello: 2,
      log_frames: 1,
      oversize_frame: 1,
      unknown_frame: 1,
    });
    expect((d.stats.skipped['crc_error'] ?? 0) + (d.stats.skipped['bad_frame'] ?? 0)).toBeGreaterThanOrEqual(
      1,
    );
    expect(logs).toEqual(['calibrated']);
    expect(d.stats.fatal).toBeUndefined();
  });

  it('a Hello after events (device restart) re-bases time so it keeps going forward', () => {
    const a = createSpikeframeEncoder({ channels: 2 });
    const b = createSpikeframeEncoder({ channels: 2 });
    const stream = concatBytes([
      a.hello(),
      ...a.events(packetFromArrays([5000, 6000], [0, 1], [0, 0], [1, 1])),
      b.hello(),
      ...b.events(packetFromArrays([10, 25], [1, 1], [0, 0], [1, 1])),
    ]);
    const d = createSpikeframeDecoder();
    expect(packetToArrays(decodeChunks(d, [stream]).packet).t).toEqual([5000, 6000, 6000, 6015]);
    expect(d.stats.repaired['rebase']).toBe(1);
    expect(d.stats.skipped['lost_frames']).toBeUndefined();
  });

  it('events naming a channel beyond the Hello count are skipped and counted', () => {
    const enc = createSpikeframeEncoder({ channels: 10 });
    const hello2 = createSpikeframeEncoder({ channels: 2 }).hello();
    const stream = concatBytes([hello2, ...enc.events(packetFromArrays([1, 2], [1, 9], [0, 0], [1, 1]))]);
    const d = createSpikeframeDecoder();
    expect(packetToArrays(decodeChunks(d, [stream]).packet).x).toEqual([1]);
    expect(d.stats.skipped['bad_channel']).toBe(1);
  });

  it('works without Hello when clock and channels are given, and a truncated tail is reported', () => {
    const enc = createSpikeframeEncoder({ channels: 3, clockHz: 2_000_000 });
    const frames = enc.events(packetFromArrays([0, 1, 2], [0, 1, 2], [0, 0, 0], [1, 1, 1]));
    const d = createSpikeframeDecoder({ clockHz: 2_000_000, channels: 3 });
    const whole = concatBytes(frames);
    const got = decodeChunks(d, [whole, Uint8Array.of(0x03, 0x01)]).packet;
    expect(packetToArrays(got).t).toEqual([0, 1, 2]);
    expect(d.stats.skipped['truncated_frame']).toBe(1);
    expect(() => createSpikeframeDecoder({ clockHz: 1e6 })).toThrow(/"channels"/);
    expect(() => createSpikeframeEncoder({ channels: 0 })).toThrow(/"channels"/);
  });
});
