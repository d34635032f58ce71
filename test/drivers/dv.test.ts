import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, scan, take } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedSource, SourceStatus } from '../../drivers/contract.ts';
import { dvDriver } from '../../drivers/dv/driver.ts';
import {
  concatPackets,
  type EventPacket,
  packetFromArrays,
  packetToArrays,
} from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { type Aedat4Compression, createAedat4Encoder } from '../../src/formats/aedat4/index.ts';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dv-test-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_605_537_493_718_345; // Unix µs, as DV sends
const info = makeStreamInfo({
  width: 346,
  height: 260,
  format: 'aedat4',
  metadata: { source: 'DAVIS346_test' },
});

/** What DV's network output sends on a new connection: IOHeader (unless legacy), then packets. */
function dvBytes(
  packets: EventPacket[],
  o: { compression?: Aedat4Compression; legacy?: boolean } = {},
): Uint8Array[] {
  const enc = createAedat4Encoder({ network: true, compression: o.compression ?? 'lz4' });
  const header = enc.begin(info);
  const body = packets.map((p) => enc.encode(p));
  return o.legacy ? body : [header, ...body];
}

/** A DV-like server: `onConnection(socket, n)` writes what the test wants for the n-th client. */
async function server(
  listen: { port: 0; host: '127.0.0.1' } | { path: string },
  onConnection: (s: Socket, n: number) => void,
) {
  let n = 0;
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s, n++);
  });
  await new Promise<void>((r) => srv.listen(listen, () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  const addr = srv.address();
  return { srv, sockets, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

async function open(uri: string): Promise<OpenedSource> {
  const src = await dvDriver.open(new URL(uri));
  cleanups.push(() => src.close());
  return src;
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

const ev = (dt: number[], x: number[], y: number[], p: number[]) =>
  packetFromArrays(
    dt.map((d) => T0 + d),
    x,
    y,
    p,
  );

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('dv: DV network output client over loopback', () => {
  it('reads the IOHeader (geometry) and then the packets, over TCP', async () => {
    const a = ev([0, 5, 9], [1, 345, 7], [2, 259, 8], [1, 0, 1]);
    const b = ev([20, 30], [3, 4], [5, 6], [0, 0]);
    const { port } = await server({ port: 0, host: '127.0.0.1' }, (s) => {
      const [header, ...packets] = dvBytes([a, b]);
      s.write(header);
      setTimeout(() => {
        for (const p of packets) s.write(p);
      }, 20);
    });
    const src = await open(`dv://127.0.0.1:${port}`);
    expect(src.info).toMatchObject({ width: 346, height: 260, format: 'aedat4', geometrySource: 'header' });
    expect(src.info.metadata?.['source']).toBe('DAVIS346_test');
    expect(packetToArrays(await collect(src, 5))).toEqual(packetToArrays(concatPackets([a, b])));
  });

  it('dv+unix: a Unix socket; a legacy (pre-1.6) stream with no header needs width/height', async () => {
    const path = join(dir, 'dv.sock');
    const a = ev([0, 1], [10, 11], [12, 13], [1, 1]);
    await server({ path }, (s) => {
      for (const p of dvBytes([a], { compression: 'none', legacy: true })) s.write(p);
    });
    const src = await open(`dv+unix:${path}?width=346&height=260`);
    expect(src.info).toMatchObject({ width: 346, height: 260 });
    expect(packetToArrays(await collect(src, 2))).toEqual(packetToArrays(a));
  });

  it('reconnects with backoff after the server drops the connection, then resumes', async () => {
    const a = ev([0, 1], [1, 1], [1, 1], [1, 1]);
    const b = ev([100, 101], [2, 2], [2, 2], [0, 0]);
    const { sockets, port } = await server({ port: 0, host: '127.0.0.1' }, (s, n) => {
      for (const p of dvBytes(n === 0 ? [a] : [b])) s.write(p);
    });
    const src = await open(`dv://127.0.0.1:${port}?retry_ms=20&retry_max_ms=50`);
    const statuses: SourceStatus['state'][] = [];
    src.status.subscribe((s) => statuses.push(s.state));
    const got = collect(src, 4);
    await waitUntil(() => sockets.size === 1);
    await new Promise((r) => setTimeout(r, 30));
    for (const s of sockets) s.destroy();
    expect(packetToArrays(await got)).toEqual(packetToArrays(concatPackets([a, b])));
    expect(statuses).toContain('reconnecting');
    expect(src.stats.reconnects).toBe(1);
  });

  it('a server sending garbage mid-stream is dropped and reconnected; bad first bytes fail open clearly', async () => {
    const a = ev([0], [1], [1], [1]);
    const b = ev([50], [2], [2], [0]);
    const { port } = await server({ port: 0, host: '127.0.0.1' }, (s, n) => {
      const bytes = dvBytes(n === 0 ? [a] : [b]);
      for (const p of bytes) s.write(p);
      if (n === 0) s.write(Uint8Array.from({ length: 64 }, (_, i) => (i < 4 ? 0 : i < 8 ? 0xff : i)));
    });
    const src = await open(`dv://127.0.0.1:${port}?retry_ms=10`);
    expect(packetToArrays(await collect(src, 2))).toEqual(packetToArrays(concatPackets([a, b])));
    expect(src.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(src.stats.lastError).toMatch(/byte \d+/);

    const bad = await server({ port: 0, host: '127.0.0.1' }, (s) =>
      s.write(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    await expect(dvDriver.open(new URL(`dv://127.0.0.1:${bad.port}?header_ms=300`))).rejects.toThrow(
      /not a DV network stream|nothing arrived|closed/,
    );
  });

  it('clear errors: connection refused, bad URI', async () => {
    const { srv, port } = await server({ port: 0, host: '127.0.0.1' }, () => undefined);
    await new Promise<void>((r) => srv.close(() => r()));
    await expect(dvDriver.open(new URL(`dv://127.0.0.1:${port}`))).rejects.toThrow(
      /cannot connect to 127.0.0.1:\d+: .*ECONNREFUSED/,
    );
    await expect(dvDriver.open(new URL('dv://127.0.0.1:1?width=5'))).rejects.toThrow(
      /"width" and "height" go together/,
    );
  });
});
