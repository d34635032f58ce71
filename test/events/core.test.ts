import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketBuilder } from '../../src/events/builder.ts';
import { DecodeStats } from '../../src/events/decode-stats.ts';
import { concatPackets, packetFromArrays, packetToArrays, slicePacket } from '../../src/events/packet.ts';
import { CounterUnwrapper, MonotonicClamp } from '../../src/events/unwrap.ts';

describe('PacketBuilder', () => {
  it('grows past its initial capacity and keeps every event in order', () => {
    const b = new PacketBuilder(2);
    for (let i = 0; i < 1000; i++) b.push(i * 10, i % 640, i % 480, i & 1);
    const pk = b.take();
    expect(pk.length).toBe(1000);
    expect(pk.tUs[999]).toBe(9990);
    expect(pk.x[641]).toBe(1);
    expect(pk.p[3]).toBe(1);
    expect(b.length).toBe(0);
  });

  it('never writes into a packet it has handed out', () => {
    const b = new PacketBuilder(4);
    b.push(1, 1, 1, 1);
    const first = b.take();
    b.push(2, 2, 2, 0);
    b.push(3, 3, 3, 0);
    expect(packetToArrays(first)).toEqual({ t: [1], x: [1], y: [1], p: [1] });
  });

  it('supports reserve/commit writes straight into the columns', () => {
    const b = new PacketBuilder(1);
    b.reserve(3);
    for (let i = 0; i < 3; i++) {
      b.tUs[i] = i;
      b.x[i] = i + 1;
      b.y[i] = i + 2;
      b.p[i] = 1;
    }
    b.commit(3);
    expect(packetToArrays(b.take()).x).toEqual([1, 2, 3]);
    expect(() => b.commit(10_000)).toThrow(RangeError);
  });
});

describe('packets', () => {
  it('slice and concat are inverse', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 50 }), fc.nat(50), (ts, cut) => {
        const sorted = [...ts].sort((a, b) => a - b);
        const pk = packetFromArrays(
          sorted,
          sorted.map((t) => t % 7),
          sorted.map((t) => t % 5),
          sorted.map((t) => t & 1),
        );
        const joined = concatPackets([slicePacket(pk, 0, cut), slicePacket(pk, cut, pk.length)]);
        expect(packetToArrays(joined)).toEqual(packetToArrays(pk));
      }),
    );
  });
});

describe('CounterUnwrapper', () => {
  it('adds one range per wrap of a 16-bit counter and counts the wraps', () => {
    const u = new CounterUnwrapper(16);
    expect(u.unwrap(65_000)).toBe(65_000);
    expect(u.unwrap(100)).toBe(65_536 + 100);
    expect(u.unwrap(65_535)).toBe(65_536 + 65_535);
    expect(u.unwrap(5)).toBe(2 * 65_536 + 5);
    expect(u.wraps).toBe(2);
  });

  it('does not treat a small backward glitch as a wrap', () => {
    const u = new CounterUnwrapper(24);
    u.unwrap(1_000_000);
    expect(u.unwrap(999_000)).toBe(999_000);
    expect(u.wraps).toBe(0);
  });

  it('recovers the absolute time of any increasing sequence with steps below half the range', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 15 - 1 }), { maxLength: 200 }), (steps) => {
        const u = new CounterUnwrapper(16);
        let t = 0;
        for (const s of steps) {
          t += s;
          expect(u.unwrap(t % 65_536)).toBe(t);
        }
      }),
    );
  });
});

describe('MonotonicClamp', () => {
  it('raises backward times to the last one and counts each repair', () => {
    const stats = new DecodeStats();
    const c = new MonotonicClamp(stats);
    expect([5, 3, 7, 6].map((t) => c.apply(t))).toEqual([5, 5, 7, 7]);
    expect(stats.repaired.time_backwards).toBe(2);
  });
});

describe('DecodeStats', () => {
  it('keeps the first fatal issue and bounds the kept list', () => {
    const s = new DecodeStats();
    for (let i = 0; i < 100; i++) s.issue(i, 'field', 'bad', i === 10);
    expect(s.issueCount).toBe(100);
    expect(s.issues.length).toBeLessThanOrEqual(64);
    expect(s.fatal?.byteOffset).toBe(10);
  });
});
