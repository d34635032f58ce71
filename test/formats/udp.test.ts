import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatPackets, packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import {
  encodeJaer,
  encodeSpif,
  JaerDatagramDecoder,
  SpifDatagramDecoder,
} from '../../src/formats/udp/index.ts';

const packetArb = (maxXY: number) =>
  fc
    .array(
      fc.record({
        dt: fc.integer({ min: 0, max: 100_000 }),
        x: fc.integer({ min: 0, max: maxXY }),
        y: fc.integer({ min: 0, max: maxXY }),
        p: fc.integer({ min: 0, max: 1 }),
      }),
      { maxLength: 400 },
    )
    .map((evs) => {
      let t = 0;
      return packetFromArrays(
        evs.map((e) => {
          t += e.dt;
          return t;
        }),
        evs.map((e) => e.x),
        evs.map((e) => e.y),
        evs.map((e) => e.p),
      );
    });

describe('SPIF datagrams', () => {
  it('round-trip with timestamp words', () => {
    fc.assert(
      fc.property(packetArb(0x7fff), (pk) => {
        const d = new SpifDatagramDecoder();
        const got = concatPackets(encodeSpif(pk).map((g) => d.push(g)));
        expect(packetToArrays(got)).toEqual(packetToArrays(pk));
      }),
      { numRuns: 50 },
    );
  });

  it('bit layout: bit 31 no-ts flag, x in 30–16, p in 15, y in 14–0 (LE words)', () => {
    const [g] = encodeSpif(packetFromArrays([0], [0x1234], [0x0567], [1]), { timestamps: false });
    expect([...g]).toEqual([0x67, 0x85, 0x34, 0x92]);
    const d = new SpifDatagramDecoder();
    const t0 = performance.now();
    const got = packetToArrays(d.push(g, t0 + 5));
    expect(got.x).toEqual([0x1234]);
    expect(got.y).toEqual([0x0567]);
    expect(got.p).toEqual([1]);
    expect(got.t[0]).toBeGreaterThanOrEqual(4000); // arrival time, µs since the decoder was made
  });

  it('unwraps the 32-bit timestamp', () => {
    const pk = packetFromArrays([2 ** 32 - 1, 2 ** 32 + 5], [1, 2], [1, 2], [0, 1]);
    const d = new SpifDatagramDecoder();
    expect(packetToArrays(concatPackets(encodeSpif(pk).map((g) => d.push(g)))).t).toEqual([
      2 ** 32 - 1,
      2 ** 32 + 5,
    ]);
    expect(d.stats.repaired['time_wrap']).toBe(1);
  });

  it('malformed datagrams keep complete events and are counted; geometry filters', () => {
    const d = new SpifDatagramDecoder({ width: 10, height: 10 });
    const [g] = encodeSpif(packetFromArrays([1, 2, 3], [1, 20, 3], [1, 2, 3], [1, 1, 1]));
    expect(packetToArrays(d.push(g.subarray(0, 22))).x).toEqual([1]);
    expect(d.stats.skipped['malformed_datagram']).toBe(1);
    expect(d.stats.skipped['out_of_bounds']).toBe(1);
    expect(d.push(new Uint8Array(0)).length).toBe(0);
    expect(d.push(Uint8Array.of(1, 2, 3)).length).toBe(0);
    expect(d.stats.skipped['malformed_datagram']).toBe(2);
    expect(() => new SpifDatagramDecoder({ width: 0 })).toThrow(/"width"/);
  });
});

describe('jAER datagrams', () => {
  it('round-trip (BE and LE, with and without sequence numbers)', () => {
    fc.assert(
      fc.property(packetArb(127), fc.boolean(), fc.boolean(), (pk, le, seq) => {
        const o = { littleEndian: le, sequence: seq, eventsPerDatagram: 50 };
        const d = new JaerDatagramDecoder(o);
        const got = concatPackets(encodeJaer(pk, o).map((g) => d.push(g)));
        expect(packetToArrays(got)).toEqual(packetToArrays(pk));
        expect(d.stats.skipped['lost_datagrams']).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it('DVS128 addresses: jAER conventions by default, raw conventions on request', () => {
    // raw y = 5, raw x = 3, raw polarity 0
    const g = Uint8Array.of(0, 0, 0, 7, 0, 0, 0x05, 0x06, 0, 0, 0, 42);
    const jaer = packetToArrays(new JaerDatagramDecoder().push(g));
    expect(jaer).toEqual({ t: [42], x: [124], y: [122], p: [1] });
    const raw = packetToArrays(
      new JaerDatagramDecoder({ flipX: false, flipY: false, polarityOnIsOne: true }).push(g),
    );
    expect(raw).toEqual({ t: [42], x: [3], y: [5], p: [0] });
  });

  it('counts lost datagrams from sequence gaps, external events and malformed tails', () => {
    const pk = packetFromArrays([1, 2, 3, 4], [1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 1, 1]);
    const gs = encodeJaer(pk, { eventsPerDatagram: 1, firstSeq: 100 });
    const d = new JaerDatagramDecoder();
    const ext = Uint8Array.of(0, 0, 0, 104, 0, 0, 0x80, 0, 0, 0, 0, 9, 1, 2);
    const got = [gs[0], gs[2], gs[3], ext, Uint8Array.of(1)].map((g) => d.push(g));
    expect(packetToArrays(concatPackets(got)).t).toEqual([1, 3, 4]);
    expect(d.stats.skipped).toMatchObject({ lost_datagrams: 1, external: 1, malformed_datagram: 2 });
  });
});
