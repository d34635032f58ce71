import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, scan, take } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedSource, SourceStatus } from '../../drivers/contract.ts';
import { serialDriver } from '../../drivers/serial/driver.ts';
import {
  concatPackets,
  type EventPacket,
  packetFromArrays,
  packetToArrays,
} from '../../src/events/packet.ts';
import {
  createSpikeframeEncoder,
  type SpikeframeEncoderOptions,
} from '../../src/formats/spike-serial/index.ts';
import { openPtyPair } from '../helpers/pty.ts';
import { McuEmulator, type McuEmulatorOptions } from './serial-emulator.ts';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'serial-test-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function mcu(name: string, enc: SpikeframeEncoderOptions, options: McuEmulatorOptions = {}) {
  const pair = await openPtyPair({ linkA: join(dir, `${name}-host`), linkB: join(dir, `${name}-dev`) });
  cleanups.push(() => pair.close());
  const emu = await McuEmulator.open(pair.b, createSpikeframeEncoder(enc), options);
  cleanups.push(() => emu.close());
  return { pair, emu, host: pair.a };
}

async function open(uri: string): Promise<OpenedSource> {
  const src = await serialDriver.open(new URL(uri));
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

const ev = (t: number[], ch: number[], p: number[]) =>
  packetFromArrays(
    t,
    ch,
    ch.map(() => 0),
    p,
  );

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('serial (spikeframe): driver through a real pseudo-terminal', () => {
  it('learns the geometry from Hello after the board boots, and delivers exactly the events sent', async () => {
    const { emu, host } = await mcu(
      'a',
      { channels: 64, clockHz: 1_000_000, name: 'cochlea-64', eventsPerFrame: 3 },
      { ignoreRequests: 2 },
    );
    const src = await open(`serial:${host}?baud=921600&protocol=spikeframe&hello_every_ms=50`);
    expect(emu.helloRequests).toBeGreaterThanOrEqual(3); // the first two fell into the boot time
    expect(src.info).toMatchObject({ width: 64, height: 1, format: 'spikeframe', geometrySource: 'header' });
    expect(src.info.metadata).toMatchObject({
      device: 'cochlea-64',
      clockHz: '1000000',
      protocolVersion: '1',
    });

    const frames = emu.encoder.events(
      ev([10, 20, 30, 40, 50, 60, 70, 80, 90], [0, 1, 2, 3, 4, 5, 6, 7, 63], [1, 0, 1, 0, 1, 0, 1, 0, 1]),
    );
    const corrupt = frames[1].slice();
    corrupt[4] ^= 0x01;
    const got = collect(src, 9);
    await emu.write(frames[0], new TextEncoder().encode('debug: hi\n'), Uint8Array.of(0), corrupt, frames[2]);
    await emu.write(emu.encoder.events(ev([100, 110, 120], [1, 1, 1], [1, 1, 1]))[0]);
    expect(packetToArrays(await got)).toEqual({
      t: [10, 20, 30, 70, 80, 90, 100, 110, 120],
      x: [0, 1, 2, 6, 7, 63, 1, 1, 1],
      y: [0, 0, 0, 0, 0, 0, 0, 0, 0],
      p: [1, 0, 1, 1, 0, 1, 1, 1, 1],
    });
    expect(src.stats.skipped['crc_error']).toBe(1);
    expect(src.stats.skipped['lost_frames']).toBe(1);
    expect(
      (src.stats.skipped['bad_frame'] ?? 0) + (src.stats.skipped['crc_error'] ?? 0),
    ).toBeGreaterThanOrEqual(2);
  });

  it('fails to open with a clear error when no Hello comes, and works with clock+channels', async () => {
    const { emu, host } = await mcu('b', { channels: 4 }, { silent: true });
    await expect(serialDriver.open(new URL(`serial:${host}?hello_ms=200&hello_every_ms=50`))).rejects.toThrow(
      /no spikeframe Hello within 200 ms .*clock=HZ&channels=N/,
    );
    const src = await open(`serial:${host}?hello_ms=50&clock=1000000&channels=4`);
    expect(src.info).toMatchObject({ width: 4, geometrySource: 'user' });
    const got = collect(src, 2);
    await emu.write(...emu.encoder.events(ev([5, 6], [3, 2], [0, 1])));
    expect(packetToArrays(await got).x).toEqual([3, 2]);
  });

  it('rejects bad URIs', async () => {
    await expect(serialDriver.open(new URL('serial:/dev/null?protocol=slip'))).rejects.toThrow(
      /"protocol" must be one of spikeframe/,
    );
    await expect(serialDriver.open(new URL('serial:/dev/null?clock=1000'))).rejects.toThrow(
      /"clock" and "channels" go together/,
    );
    await expect(serialDriver.open(new URL('serial:/dev/no-such-tty'))).rejects.toThrow(
      /cannot open \/dev\/no-such-tty/,
    );
  });

  it('a pulled plug is reported; the board comes back (restarted clock) and time keeps going forward', async () => {
    const first = await mcu('c', { channels: 2 });
    const src = await open(`serial:${first.host}?retry_ms=20&retry_max_ms=80&hello_every_ms=50`);
    const statuses: SourceStatus['state'][] = [];
    src.status.subscribe((s) => statuses.push(s.state));
    const got = collect(src, 4);
    await first.emu.write(...first.emu.encoder.events(ev([1000, 2000], [0, 1], [1, 1])));
    await new Promise((r) => setTimeout(r, 50));
    await first.emu.close();
    await first.pair.close();
    await waitUntil(() => statuses.at(-1) === 'reconnecting');

    const second = await mcu('c', { channels: 2 });
    await waitUntil(() => statuses.at(-1) === 'open');
    await second.emu.write(...second.emu.encoder.events(ev([7, 9], [1, 0], [0, 0])));
    expect(packetToArrays(await got).t).toEqual([1000, 2000, 2000, 2002]);
    expect(src.stats.reconnects).toBe(1);
    expect(src.stats.repaired['rebase']).toBe(1);
  });

  it('wait=1: opens before the device exists, and picks up its geometry and events once it appears', async () => {
    const host = join(dir, 'late-host');
    const src = await open(`serial:${host}?wait=1&retry_ms=20&retry_max_ms=50&hello_every_ms=50`);
    const statuses: SourceStatus['state'][] = [];
    src.status.subscribe((s) => statuses.push(s.state));
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(src.info.geometrySource).toBe('unknown');
    const got = collect(src, 2);
    const late = await mcu('late', { channels: 16, name: 'late-board' });
    await waitUntil(() => statuses.at(-1) === 'open');
    expect(src.info).toMatchObject({ width: 16, geometrySource: 'header' });
    await late.emu.write(...late.emu.encoder.events(ev([3, 4], [15, 0], [1, 0])));
    expect(packetToArrays(await got).x).toEqual([15, 0]);
  });

  it('a burst into a small queue before anyone subscribes stays bounded and the drops are counted', async () => {
    const { emu, host } = await mcu('d', { channels: 8, eventsPerFrame: 100 });
    const src = await open(`serial:${host}?queue=500&drop=oldest`);
    const n = 5000;
    const t = Array.from({ length: n }, (_, i) => i);
    await emu.write(
      ...emu.encoder.events(
        ev(
          t,
          t.map((i) => i % 8),
          t.map(() => 1),
        ),
      ),
    );
    await waitUntil(() => (src.stats.dropped['queue_full'] ?? 0) === n - 500);
    const got = await collect(src, 500);
    expect(got.length).toBe(500);
    expect(packetToArrays(got).t[0]).toBe(n - 500); // the newest were kept
  });
});
