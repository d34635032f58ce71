import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, scan, take, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedSource, SourceStatus } from '../../drivers/contract.ts';
import { containsBanner, edvsDriver } from '../../drivers/edvs/driver.ts';
import fc from 'fast-check';
import {
  concatPackets,
  type EventPacket,
  packetFromArrays,
  packetToArrays,
} from '../../src/events/packet.ts';
import { createEdvsEncoder } from '../../src/formats/edvs/index.ts';
import { openPtyPair, type PtyPair } from '../helpers/pty.ts';
import { EdvsEmulator } from './edvs-emulator.ts';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edvs-test-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function device(name: string): Promise<{ pair: PtyPair; emu: EdvsEmulator; host: string }> {
  const pair = await openPtyPair({ linkA: join(dir, `${name}-host`), linkB: join(dir, `${name}-dev`) });
  cleanups.push(() => pair.close());
  const emu = await EdvsEmulator.open(pair.b);
  cleanups.push(() => emu.close());
  return { pair, emu, host: pair.a };
}

async function open(uri: string): Promise<OpenedSource> {
  const src = await edvsDriver.open(new URL(uri));
  cleanups.push(() => src.close());
  return src;
}

/** Collects packets until `n` events arrived. */
function collect(src: OpenedSource, n: number): Promise<EventPacket> {
  return firstValueFrom(
    src.packets.pipe(
      scan((acc, p) => [...acc, p], [] as EventPacket[]),
      filter((ps) => ps.reduce((s, p) => s + p.length, 0) >= n),
      take(1),
    ),
  ).then(concatPackets);
}

const ev = (t: number[], x: number[], y: number[], p: number[]) => packetFromArrays(t, x, y, p);

describe('edvs: driver through a real pseudo-terminal', () => {
  it('runs the open sequence, streams E2 events through garbage and wraps, stops with E-', async () => {
    const { emu, host } = await device('a');
    const src = await open(`edvs:${host}?baud=4000000&reset_ms=3000&probe=1`);
    await emu.started();
    expect(emu.commands).toEqual(['', 'R', '!U0', '??E', '!E2', 'E+']);
    expect(src.info).toMatchObject({ width: 128, height: 128, format: 'edvs-e2' });
    expect(src.info.metadata?.['device']).toMatch(/EDVS-4337/);
    expect(src.info.metadata?.['formats']).toMatch(/E2 16-bit/);

    const enc = createEdvsEncoder({ format: 'E2' });
    const a = enc.encode(ev([100, 65_000, 65_500], [1, 2, 3], [10, 20, 30], [1, 0, 1]));
    const garbage = new TextEncoder().encode('?? junk\r\n');
    const b = enc.encode(ev([70_000, 135_000], [127, 0], [127, 0], [0, 1])); // both wrap
    const got = collect(src, 5);
    await emu.write(a);
    await emu.write(garbage);
    await emu.write(b);
    expect(packetToArrays(await got)).toEqual({
      t: [100, 65_000, 65_500, 70_000, 135_000],
      x: [1, 2, 3, 127, 0],
      y: [10, 20, 30, 127, 0],
      p: [1, 0, 1, 0, 1],
    });
    expect(src.stats.skipped['resync_bytes']).toBeGreaterThanOrEqual(garbage.length);
    expect(src.stats.repaired['time_wrap']).toBe(2);
    expect(src.stats.events).toBe(5);
    await src.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(emu.commands.at(-1)).toBe('E-');
  });

  it('selects another format and delivers E4 timestamps unchanged', async () => {
    const { emu, host } = await device('b');
    const src = await open(`edvs:${host}?format=E4&reset_ms=3000`);
    await emu.started();
    expect(emu.commands).toContain('!E4');
    const got = collect(src, 2);
    await emu.write(
      createEdvsEncoder({ format: 'E4' }).encode(ev([3_000_000_000, 3_000_000_123], [5, 6], [7, 8], [1, 1])),
    );
    expect(packetToArrays(await got).t).toEqual([3_000_000_000, 3_000_000_123]);
  });

  it('fails to open with a clear error when the device never shows an eDVS banner', async () => {
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    await expect(edvsDriver.open(new URL(`edvs:${pair.a}?reset_ms=150`))).rejects.toThrow(
      /no eDVS answered the reset .*no reply.*check the baud rate/,
    );
  });

  it('rejects unknown or bad URI parameters', async () => {
    await expect(edvsDriver.open(new URL('edvs:/dev/null?formt=E2'))).rejects.toThrow(
      /unknown parameter "formt"/,
    );
    await expect(edvsDriver.open(new URL('edvs:/dev/null?format=E7'))).rejects.toThrow(
      /"format" must be one of/,
    );
    await expect(edvsDriver.open(new URL('edvs:/dev/nonexistent-tty'))).rejects.toThrow(/cannot open/);
  });

  it('a device that resets itself mid-stream is noticed by its banner and started again', async () => {
    const { emu, host } = await device('r');
    const src = await open(`edvs:${host}?reset_ms=3000&retry_ms=10`);
    const statuses: SourceStatus['state'][] = [];
    const messages: string[] = [];
    src.status.subscribe((s) => {
      statuses.push(s.state);
      if (s.message) messages.push(s.message);
    });
    await emu.started();
    const got = collect(src, 4);
    const enc = createEdvsEncoder({ format: 'E2' });
    await emu.write(enc.encode(ev([500, 900], [1, 2], [3, 4], [1, 1])));
    await new Promise((r) => setTimeout(r, 30));
    await emu.resetItself();
    await waitUntil(() => emu.streaming); // the driver ran R, !U0, !E2, E+ again
    await emu.write(createEdvsEncoder({ format: 'E2' }).encode(ev([20, 60], [5, 6], [7, 8], [0, 0])));
    expect(packetToArrays(await got).t).toEqual([500, 900, 900, 940]);
    expect(statuses).toContain('reconnecting');
    expect(src.stats.reconnects).toBe(1);
    expect(messages.join('\n')).toMatch(/reset itself/);
    expect(emu.commands.filter((c) => c === 'R')).toHaveLength(2);
  });

  it('a pulled plug is reported, and the driver reconnects when the device is back at the same path', async () => {
    const first = await device('c');
    const src = await open(`edvs:${first.host}?reset_ms=3000&retry_ms=20&retry_max_ms=100`);
    const statuses: SourceStatus['state'][] = [];
    src.status.subscribe((s) => statuses.push(s.state));
    await first.emu.started();
    const all = firstValueFrom(src.packets.pipe(take(2), toArray()));
    const enc = createEdvsEncoder({ format: 'E2' });
    await first.emu.write(enc.encode(ev([1000, 2000], [1, 1], [1, 1], [1, 1])));
    await new Promise((r) => setTimeout(r, 50));

    await first.emu.close();
    await first.pair.close(); // the plug
    await waitUntil(() => statuses.at(-1) === 'reconnecting');
    expect(src.stats.lastError).toMatch(/device gone|closed/);

    const second = await device('c'); // same symlink paths, new ptys
    await second.emu.started();
    await waitUntil(() => statuses.at(-1) === 'open');
    // The device reset: its clock restarts near 0; the stream keeps going forward from 2000.
    await second.emu.write(createEdvsEncoder({ format: 'E2' }).encode(ev([50, 80], [2, 2], [2, 2], [0, 0])));
    const packets = await all;
    expect(packetToArrays(concatPackets(packets))).toEqual({
      t: [1000, 2000, 2000, 2030],
      x: [1, 1, 2, 2],
      y: [1, 1, 2, 2],
      p: [1, 1, 0, 0],
    });
    expect(src.stats.reconnects).toBe(1);
    expect(src.stats.repaired['rebase']).toBe(1);
    expect(second.emu.commands.slice(0, 2)).toEqual(['', 'R']);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('edvs: banner detection', () => {
  it('finds EDVS/meDVS text and never fires on an aligned E2 event stream', () => {
    expect(containsBanner(new TextEncoder().encode('\r\nEDVS-4337 V2\r\n'))).toBe(true);
    expect(containsBanner(new TextEncoder().encode('meDVS128'))).toBe(true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(127), fc.nat(127), fc.nat(1), fc.nat(65535)), { maxLength: 300 }),
        (evs) => {
          const pk = packetFromArrays(
            evs.map((e) => e[3]),
            evs.map((e) => e[0]),
            evs.map((e) => e[1]),
            evs.map((e) => e[2]),
          );
          // encode each event on its own (times are arbitrary 16-bit values here)
          const bytes = new Uint8Array(pk.length * 4);
          for (let i = 0; i < pk.length; i++) {
            const one = createEdvsEncoder({ format: 'E2' }).encode(
              packetFromArrays([pk.tUs[i]], [pk.x[i]], [pk.y[i]], [pk.p[i]]),
            );
            bytes.set(one, i * 4);
          }
          expect(containsBanner(bytes)).toBe(false);
        },
      ),
    );
  });
});
