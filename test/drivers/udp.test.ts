import { createSocket } from 'node:dgram';
import { filter, firstValueFrom, scan, take } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedSource } from '../../drivers/contract.ts';
import { udpDriver } from '../../drivers/udp/driver.ts';
import {
  concatPackets,
  type EventPacket,
  packetFromArrays,
  packetToArrays,
} from '../../src/events/packet.ts';
import { encodeJaer, encodeSpif } from '../../src/formats/udp/index.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function open(uri: string): Promise<OpenedSource> {
  const src = await udpDriver.open(new URL(uri));
  cleanups.push(() => src.close());
  return src;
}

function sender() {
  const s = createSocket('udp4');
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return (port: number, datagrams: Uint8Array[]) =>
    Promise.all(
      datagrams.map(
        (d) => new Promise<void>((r, j) => s.send(d, port, '127.0.0.1', (e) => (e ? j(e) : r()))),
      ),
    );
}

function collect(src: OpenedSource, n: number): Promise<EventPacket> {
  return firstValueFrom(
    src.packets.pipe(
      scan((acc, p) => [...acc, p], [] as EventPacket[]),
      filter((ps) => ps.reduce((s, p) => s + p.length, 0) >= n),
      take(1),
    ),
  ).then(concatPackets);
}

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('udp: driver over loopback', () => {
  it('SPIF: receives exactly the events sent, survives a flood of malformed datagrams', async () => {
    const src = await open('udp://127.0.0.1:0?format=spif&width=640&height=480');
    const port = Number(src.info.metadata?.['port']);
    expect(port).toBeGreaterThan(0);
    expect(src.info).toMatchObject({ width: 640, height: 480, format: 'udp-spif' });
    const send = sender();
    const pk = packetFromArrays([10, 20, 30, 40], [1, 639, 5, 700], [2, 479, 6, 1], [1, 0, 1, 1]);
    const got = collect(src, 3);
    // Partial words, and words that announce a timestamp word that never comes.
    const junk = Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? Uint8Array.from({ length: (i % 3) + 1 }, (_, k) => (k * 37 + i) & 0xff)
        : Uint8Array.of(i & 0xff, 1, 2, 0x7f),
    );
    await send(port, junk);
    await send(port, encodeSpif(pk, { maxDatagramBytes: 16 }));
    const events = packetToArrays(await got);
    expect(events).toEqual({ t: [10, 20, 30], x: [1, 639, 5], y: [2, 479, 6], p: [1, 0, 1] });
    await waitUntil(() => (src.stats.skipped['out_of_bounds'] ?? 0) === 1);
    expect(src.stats.skipped['malformed_datagram']).toBe(200);
  });

  it('jAER: DVS128 geometry and sequence-gap loss counting', async () => {
    const src = await open('udp://127.0.0.1:0?format=jaer');
    const port = Number(src.info.metadata?.['port']);
    expect(src.info).toMatchObject({ width: 128, height: 128, format: 'udp-jaer' });
    const gs = encodeJaer(packetFromArrays([1, 2, 3], [0, 64, 127], [127, 64, 0], [1, 0, 1]), {
      eventsPerDatagram: 1,
    });
    const send = sender();
    const got = collect(src, 2);
    await send(port, [gs[0]]);
    await new Promise((r) => setTimeout(r, 20));
    await send(port, [gs[2]]);
    expect(packetToArrays(await got)).toEqual({ t: [1, 3], x: [0, 127], y: [127, 0], p: [1, 1] });
    expect(src.stats.skipped['lost_datagrams']).toBe(1);
  });

  it('a burst larger than the queue is bounded and the drops are counted', async () => {
    const src = await open('udp://127.0.0.1:0?format=spif&width=64&height=64&queue=200');
    const port = Number(src.info.metadata?.['port']);
    const n = 2000;
    const t = Array.from({ length: n }, (_, i) => i);
    const send = sender();
    await send(
      port,
      encodeSpif(
        packetFromArrays(
          t,
          t.map((i) => i % 64),
          t.map(() => 0),
          t.map(() => 1),
        ),
      ),
    );
    await waitUntil(() => src.stats.bytes === n * 8);
    expect(src.stats.dropped['queue_full']).toBe(n - 200);
    const got = await collect(src, 200);
    expect(got.length).toBe(200);
  });

  it('clear errors for missing geometry, bad URIs and a port in use', async () => {
    await expect(udpDriver.open(new URL('udp://127.0.0.1:0?format=spif'))).rejects.toThrow(
      /width=W&height=H/,
    );
    await expect(udpDriver.open(new URL('udp://127.0.0.1?format=jaer'))).rejects.toThrow(
      /a port is required/,
    );
    await expect(udpDriver.open(new URL('udp://127.0.0.1:0?format=aer'))).rejects.toThrow(
      /"format" must be one of spif, jaer/,
    );
    const a = await open('udp://127.0.0.1:0?format=jaer');
    await expect(
      udpDriver.open(new URL(`udp://127.0.0.1:${a.info.metadata?.['port']}?format=jaer`)),
    ).rejects.toThrow(/cannot bind 127.0.0.1:\d+: .*EADDRINUSE/);
  });
});
