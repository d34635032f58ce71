import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { backoffDelay, resolveBackoff } from '../../drivers/shared/backoff.ts';
import { BoundedPacketQueue } from '../../drivers/shared/bounded-queue.ts';
import { type LinkHandlers, type LiveDecoder, openLiveSource } from '../../drivers/shared/live-source.ts';
import { UriParams } from '../../drivers/shared/uri-params.ts';
import type { OpenedSource, SourceStatus } from '../../drivers/contract.ts';
import { DecodeStats } from '../../src/events/decode-stats.ts';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';

function pk(ts: number[]) {
  return packetFromArrays(
    ts,
    ts.map(() => 0),
    ts.map(() => 0),
    ts.map(() => 1),
  );
}

describe('backoff', () => {
  it('grows exponentially and is capped', () => {
    const b = resolveBackoff({ initialMs: 10, maxMs: 100, factor: 2 });
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(b, a))).toEqual([10, 20, 40, 80, 100, 100]);
  });
  it('jitter stays within ±jitter and the cap', () => {
    const b = resolveBackoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 });
    expect(backoffDelay(b, 0, () => 0)).toBe(50);
    expect(backoffDelay(b, 0, () => 1)).toBe(150);
    expect(backoffDelay(b, 10, () => 1)).toBe(1000);
  });
  it('validates options', () => {
    expect(() => resolveBackoff({ initialMs: -1 })).toThrow(/initialMs/);
    expect(() => resolveBackoff({ initialMs: 10, maxMs: 5 })).toThrow(/maxMs/);
    expect(() => resolveBackoff({ factor: 0.5 })).toThrow(/factor/);
    expect(() => resolveBackoff({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});

describe('BoundedPacketQueue', () => {
  it('drop-oldest keeps the newest events and counts the rest', () => {
    const q = new BoundedPacketQueue({ maxEvents: 5 });
    q.push(pk([1, 2, 3]));
    expect(q.push(pk([4, 5, 6, 7]))).toBe(2);
    const out: number[] = [];
    for (let p = q.shift(); p; p = q.shift()) out.push(...packetToArrays(p).t);
    expect(out).toEqual([3, 4, 5, 6, 7]);
    expect(q.droppedEvents).toBe(2);
    expect(q.events).toBe(0);
  });
  it('drop-newest keeps what came first', () => {
    const q = new BoundedPacketQueue({ maxEvents: 4, policy: 'drop-newest' });
    q.push(pk([1, 2, 3]));
    expect(q.push(pk([4, 5, 6]))).toBe(2);
    expect(q.push(pk([7]))).toBe(1);
    const out: number[] = [];
    for (let p = q.shift(); p; p = q.shift()) out.push(...packetToArrays(p).t);
    expect(out).toEqual([1, 2, 3, 4]);
  });
  it('a packet larger than the queue keeps its newest part', () => {
    const q = new BoundedPacketQueue({ maxEvents: 2 });
    q.push({ ...pk([1, 2, 3]), arrivalMs: 7 });
    const p = q.shift()!;
    expect(packetToArrays(p).t).toEqual([2, 3]);
    expect(p.arrivalMs).toBe(7);
  });
  it('holds at most maxEvents through a burst', () => {
    const q = new BoundedPacketQueue({ maxEvents: 1000 });
    for (let i = 0; i < 500; i++) {
      q.push(pk([i, i, i, i, i, i, i]));
      expect(q.events).toBeLessThanOrEqual(1000);
    }
    expect(q.droppedEvents).toBe(3500 - 1000);
  });
  it('rejects bad options', () => {
    expect(() => new BoundedPacketQueue({ maxEvents: 0 })).toThrow(/maxEvents/);
    expect(() => new BoundedPacketQueue({ policy: 'x' as never })).toThrow(/policy/);
  });
});

describe('UriParams', () => {
  it('reads, validates and rejects unknown parameters', () => {
    const p = new UriParams(new URL('edvs:/dev/x?baud=9600&drop=newest&retries=3&queue=10'), 'edvs');
    expect(p.int('baud', 1, 1, 1e8)).toBe(9600);
    const lc = p.lifecycle();
    expect(lc.queue).toEqual({ maxEvents: 10, policy: 'drop-newest' });
    expect(lc.backoff.maxAttempts).toBe(3);
    p.rejectUnknown();
    const q = new UriParams(new URL('edvs:/dev/x?baud=abc&bogus=1'), 'edvs');
    expect(() => q.int('baud', 1, 1, 1e8)).toThrow(/"baud" must be an integer/);
    expect(() => q.rejectUnknown()).toThrow(/unknown parameter "bogus"/);
  });
});

/** A fake link whose "device" the test drives through a Subject. */
function fakeTransport() {
  const wire = new Subject<Uint8Array>();
  let handlers: LinkHandlers | undefined;
  let available = true;
  let connects = 0;
  const connect = async (h: LinkHandlers) => {
    connects++;
    if (!available) throw new Error('ENOENT: no such device');
    handlers = h;
    const sub = wire.subscribe((c) => h.data(c, performance.now()));
    return { close: async () => sub.unsubscribe() };
  };
  return {
    connect,
    send: (b: number[]) => wire.next(Uint8Array.from(b)),
    unplug: () => {
      available = false;
      handlers?.lost(new Error('device gone'));
    },
    plugIn: () => {
      available = true;
    },
    get connects() {
      return connects;
    },
  };
}

/** One event per byte: t = byte value. */
function byteDecoder(): LiveDecoder {
  const stats = new DecodeStats();
  return {
    stats,
    push: (chunk) => pk([...chunk]),
  };
}

const info = makeStreamInfo({ width: 4, height: 1, format: 'test' });
let opened: OpenedSource | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe('live source life cycle', () => {
  it('reports reconnecting, retries with backoff and resumes on the same Observable', async () => {
    const dev = fakeTransport();
    opened = await openLiveSource({
      uri: 'fake:',
      info,
      connect: dev.connect,
      createDecoder: byteDecoder,
      backoff: { initialMs: 5, maxMs: 20 },
    });
    const statuses: SourceStatus['state'][] = [];
    opened.status.subscribe((s) => statuses.push(s.state));
    const got = firstValueFrom(opened.packets.pipe(take(2), toArray()));
    dev.send([1, 2]);
    await new Promise((r) => setTimeout(r, 10));
    dev.unplug();
    await new Promise((r) => setTimeout(r, 60));
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(dev.connects).toBeGreaterThan(2);
    dev.plugIn();
    await new Promise((r) => setTimeout(r, 60));
    expect(statuses.at(-1)).toBe('open');
    dev.send([3]);
    const packets = await got;
    expect(packets.flatMap((p) => packetToArrays(p).t)).toEqual([1, 2, 3]);
    expect(packets[0].arrivalMs).toBeGreaterThan(0);
    expect(opened.stats.reconnects).toBe(1);
    expect(opened.stats.lastError).toMatch(/ENOENT|device gone/);
    expect(opened.stats.events).toBe(3);
  });

  it('keeps time non-decreasing across a reconnect and counts the repair', async () => {
    const dev = fakeTransport();
    opened = await openLiveSource({
      uri: 'fake:',
      info,
      connect: dev.connect,
      createDecoder: byteDecoder,
      decoderPerConnection: true,
      backoff: { initialMs: 1, maxMs: 1 },
    });
    const got = firstValueFrom(opened.packets.pipe(take(2), toArray()));
    dev.send([50]);
    await new Promise((r) => setTimeout(r, 5));
    dev.unplug();
    dev.plugIn();
    await new Promise((r) => setTimeout(r, 30));
    dev.send([10, 60]);
    const ts = (await got).flatMap((p) => packetToArrays(p).t);
    expect(ts).toEqual([50, 50, 60]);
    expect(opened.stats.repaired['time_backwards']).toBe(1);
  });

  it('holds packets until the first subscriber, bounded, and counts drops', async () => {
    const dev = fakeTransport();
    opened = await openLiveSource({
      uri: 'fake:',
      info,
      connect: dev.connect,
      createDecoder: byteDecoder,
      queue: { maxEvents: 3 },
    });
    dev.send([1, 2]);
    dev.send([3, 4]);
    const got = await firstValueFrom(opened.packets.pipe(take(2), toArray()));
    expect(got.flatMap((p) => packetToArrays(p).t)).toEqual([2, 3, 4]);
    expect(opened.stats.dropped['queue_full']).toBe(1);
  });

  it('rejects open when the device is absent, unless asked to wait', async () => {
    const dev = fakeTransport();
    dev.unplug();
    await expect(
      openLiveSource({ uri: 'fake:/dev/none', info, connect: dev.connect, createDecoder: byteDecoder }),
    ).rejects.toThrow(/fake:\/dev\/none: ENOENT/);
    opened = await openLiveSource({
      uri: 'fake:',
      info,
      connect: dev.connect,
      createDecoder: byteDecoder,
      waitForDevice: true,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    dev.plugIn();
    await new Promise((r) => setTimeout(r, 30));
    const statuses: string[] = [];
    opened.status.subscribe((s) => statuses.push(s.state));
    expect(statuses).toEqual(['open']);
  });

  it('errors the stream with a clear message after maxAttempts', async () => {
    const dev = fakeTransport();
    opened = await openLiveSource({
      uri: 'fake:',
      info,
      connect: dev.connect,
      createDecoder: byteDecoder,
      backoff: { initialMs: 1, maxMs: 1, maxAttempts: 3 },
    });
    const done = firstValueFrom(opened.packets).catch((e: Error) => e.message);
    dev.unplug();
    expect(await done).toMatch(/gave up after 3 reconnection attempts/);
  });

  it('close() completes subscribers and is idempotent', async () => {
    const dev = fakeTransport();
    opened = await openLiveSource({ uri: 'fake:', info, connect: dev.connect, createDecoder: byteDecoder });
    const all = firstValueFrom(opened.packets.pipe(toArray()));
    dev.send([1]);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([opened.close(), opened.close()]);
    expect((await all).length).toBe(1);
  });
});
