import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, type Observable, take, toArray, VirtualTimeScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDriver, fileSourceUrl, openFileSource, parseFileParams } from '../../drivers/file/index.ts';
import { openSource, parseSourceUri } from '../../drivers/index.ts';
import { DecodeError, UsageError } from '../../src/events/errors.ts';
import { concatPackets, type EventPacket, packetFromArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { NmnistEncoder } from '../../src/formats/nmnist/encoder.ts';

let dir: string;

/** Writes an N-MNIST file with `n` events every `stepUs` µs starting at `t0`. */
function writeNmnist(name: string, n: number, stepUs: number, t0 = 0): string {
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    t.push(t0 + i * stepUs);
    x.push(i % 34);
    y.push((i * 7) % 34);
    p.push(i & 1);
  }
  const enc = new NmnistEncoder();
  enc.begin(makeStreamInfo({ width: 34, height: 34, format: 'nmnist' }));
  const path = join(dir, name);
  writeFileSync(path, enc.encode(packetFromArrays(t, x, y, p)));
  return path;
}

/** Subscribes and drives a VirtualTimeScheduler until the Observable ends; emission times in virtual ms. */
async function runVirtual(
  source: Observable<EventPacket>,
  scheduler: VirtualTimeScheduler,
): Promise<{ packets: EventPacket[]; at: number[]; error?: unknown }> {
  const packets: EventPacket[] = [];
  const at: number[] = [];
  let done = false;
  let error: unknown;
  source.subscribe({
    next: (pk) => {
      packets.push(pk);
      at.push(scheduler.now());
    },
    error: (e) => {
      error = e;
      done = true;
    },
    complete: () => {
      done = true;
    },
  });
  for (let spins = 0; !done && spins < 100_000; spins++) {
    await new Promise((r) => setImmediate(r));
    scheduler.flush();
  }
  return { packets, at, error };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikestream-file-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('file driver', () => {
  it('replays every event as fast as possible at speed=0, stamped with arrivalMs', async () => {
    const path = writeNmnist('fast.bin', 5000, 3);
    const src = await fileDriver.open(new URL(`file://${path}?speed=0&chunk=4096`));
    expect(src.info).toMatchObject({ format: 'nmnist', width: 34, height: 34, geometrySource: 'default' });
    const packets = await firstValueFrom(src.packets.pipe(toArray()));
    const all = concatPackets(packets);
    expect(all.length).toBe(5000);
    expect(all.tUs[4999]).toBe(4999 * 3);
    expect(packets.length).toBeGreaterThan(1);
    for (const pk of packets) expect(typeof pk.arrivalMs).toBe('number');
    expect(src.stats.events).toBe(5000);
    expect(src.stats.bytes).toBe(25_000);
    await src.close();
  });

  it('paces packets by their timestamps in virtual time (real time and 4×)', async () => {
    const path = writeNmnist('paced.bin', 101, 10_000); // 0 .. 1 s, one event per 10 ms
    for (const speed of [1, 4]) {
      const scheduler = new VirtualTimeScheduler();
      const src = await openFileSource(path, { speed, scheduler });
      const { packets, at, error } = await runVirtual(src.packets, scheduler);
      expect(error).toBeUndefined();
      expect(concatPackets(packets).length).toBe(101);
      for (let i = 0; i < packets.length; i++) {
        const last = packets[i].tUs[packets[i].length - 1];
        expect(at[i]).toBeCloseTo(last / 1000 / speed, 6);
      }
      expect(at[at.length - 1]).toBeCloseTo(1000 / speed, 6);
      await src.close();
    }
  });

  it('groups events into packets covering at most interval_ms × speed of sensor time', async () => {
    const path = writeNmnist('dense.bin', 1000, 100); // 0 .. 99.9 ms
    const scheduler = new VirtualTimeScheduler();
    const src = await fileDriver.open(new URL(`file://${path}?interval_ms=10`), { scheduler });
    const { packets } = await runVirtual(src.packets, scheduler);
    for (const pk of packets) expect(pk.tUs[pk.length - 1] - pk.tUs[0]).toBeLessThanOrEqual(10_000);
    expect(packets.length).toBeGreaterThanOrEqual(10);
    expect(packets.length).toBeLessThan(20);
  });

  it('loops with a continuous, non-decreasing timeline and honours the start offset', async () => {
    const path = writeNmnist('loop.bin', 100, 1000, 500); // 500 .. 99 500 µs
    const src = await fileDriver.open(new URL(`file://${path}?speed=0&loop=2&start=50000`));
    const all = concatPackets(await firstValueFrom(src.packets.pipe(toArray())));
    expect(all.length).toBe(3 * 50);
    expect(all.tUs[0]).toBe(50_500);
    expect(all.tUs[49]).toBe(99_500);
    expect(all.tUs[50]).toBe(99_501);
    expect(all.tUs[100]).toBe(99_501 + 49_001);
    for (let i = 1; i < all.length; i++) expect(all.tUs[i]).toBeGreaterThanOrEqual(all.tUs[i - 1]);
    expect(src.stats.dropped.before_start).toBe(3 * 50);
  });

  it('loops forever with loop=inf until the consumer unsubscribes', async () => {
    const path = writeNmnist('inf.bin', 10, 1);
    const src = await fileDriver.open(new URL(`file://${path}?speed=0&loop=inf`));
    const got = await firstValueFrom(src.packets.pipe(take(25), toArray()));
    expect(got.length).toBe(25);
    await src.close();
  });

  it('errors with a DecodeError naming file, offset and field after every good packet', async () => {
    const good = writeNmnist('trunc.bin', 1000, 1);
    const path = join(dir, 'trunc2.bin');
    const { readFileSync } = await import('node:fs');
    writeFileSync(path, readFileSync(good).subarray(0, 4998));
    const src = await fileDriver.open(new URL(`file://${path}?speed=0&chunk=1000`));
    const seen: EventPacket[] = [];
    const err = await new Promise<unknown>((resolve) => {
      src.packets.subscribe({
        next: (p) => seen.push(p),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(err).toBeInstanceOf(DecodeError);
    const de = err as DecodeError;
    expect(de.byteOffset).toBe(4995);
    expect(de.field).toBe('record');
    expect(de.message).toContain(path);
    expect(concatPackets(seen).length).toBe(999);
    expect(src.stats.lastError).toContain('4995');
  });

  it('reads chunks only as the consumer takes packets (file much larger than the chunk)', async () => {
    const path = writeNmnist('big.bin', 400_000, 1); // 2 MB
    const chunk = 16 * 1024;
    const src = await fileDriver.open(new URL(`file://${path}?speed=0&chunk=${chunk}`));
    let delivered = 0;
    let worst = 0;
    await new Promise<void>((resolve, reject) => {
      src.packets.subscribe({
        next: (pk) => {
          delivered += pk.length;
          // Bytes read beyond what the delivered events account for: at most one chunk.
          worst = Math.max(worst, src.stats.bytes - delivered * 5);
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(delivered).toBe(400_000);
    expect(worst).toBeLessThanOrEqual(chunk);
    const early = await fileDriver.open(new URL(`file://${path}?speed=0&chunk=${chunk}`));
    await firstValueFrom(early.packets.pipe(take(3), toArray()));
    await new Promise((r) => setTimeout(r, 20));
    expect(early.stats.bytes).toBeLessThanOrEqual(4 * chunk);
  });

  it('parses URIs: relative paths, bare paths, parameters, typos', async () => {
    expect(fileSourceUrl('file:rec/a.bin?speed=2')?.pathname).toBe(join(process.cwd(), 'rec/a.bin'));
    expect(fileSourceUrl('rec/a #1.bin')?.href).toContain('a%20%231.bin');
    expect(fileSourceUrl('file:///abs/x.bin')).toBeUndefined();
    expect(fileSourceUrl('dv://host:1')).toBeUndefined();
    expect(parseSourceUri('file:rec/a.bin?loop=inf').pathname).toBe(join(process.cwd(), 'rec/a.bin'));
    expect(parseFileParams(new URL('file:///a?loop=inf&speed=0'))).toMatchObject({
      loop: Number.POSITIVE_INFINITY,
      speed: 0,
    });
    expect(() => parseFileParams(new URL('file:///a?sped=2'))).toThrow(UsageError);
    expect(() => parseFileParams(new URL('file:///a?speed=-1'))).toThrow(/speed/);
    const path = writeNmnist('uri.bin', 10, 1);
    const src = await openSource(`${path}`, {});
    expect(src.info.format).toBe('nmnist');
    await src.close();
    await expect(openSource(join(dir, 'missing.bin'))).rejects.toThrow(/no such file/);
  });
});

describe('file driver life cycle', () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;

  it('paces in real time with the default scheduler', async () => {
    const path = writeNmnist('rt.bin', 11, 6000); // 0 .. 60 ms
    const src = await fileDriver.open(new URL(`file://${path}?speed=1`));
    const t0 = performance.now();
    const packets = await firstValueFrom(src.packets.pipe(toArray()));
    const elapsed = performance.now() - t0;
    expect(concatPackets(packets).length).toBe(11);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(packets.length).toBeGreaterThan(5);
    await src.close();
  });

  it('close() ends an active replay, reports the status, and leaves no file open', async () => {
    const path = writeNmnist('close.bin', 1000, 1000); // 1 s
    const before = openFds();
    const src = await fileDriver.open(new URL(`file://${path}?speed=1&loop=inf`));
    const states: string[] = [];
    src.status.subscribe((s) => states.push(s.state));
    let got = 0;
    let completed = false;
    src.packets.subscribe({ next: (p) => (got += p.length), complete: () => (completed = true) });
    for (let i = 0; i < 200 && got === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await src.close();
    await src.close(); // idempotent
    await new Promise((r) => setTimeout(r, 30));
    const after = got;
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toBe(after);
    expect(got).toBeGreaterThan(0);
    expect(completed).toBe(false);
    expect(states).toEqual(['open', 'closed']);
    expect(openFds()).toBe(before);
  });
});

describe('file driver with other formats', () => {
  it('replays Event Stream and CSV files (format detected; CSV geometry inferred by a first pass)', async () => {
    const es = join(dir, 'a.es');
    const csv = join(dir, 'a.csv');
    const { EsEncoder } = await import('../../src/formats/es/encoder.ts');
    const enc = new EsEncoder();
    const pk = packetFromArrays([0, 10, 20], [1, 2, 3], [4, 5, 6], [1, 0, 1]);
    const header = enc.begin(makeStreamInfo({ width: 346, height: 260, format: 'es' }));
    const body = enc.encode(pk);
    const bytes = new Uint8Array(header.length + body.length);
    bytes.set(header);
    bytes.set(body, header.length);
    writeFileSync(es, bytes);
    writeFileSync(csv, 't,x,y,p\n0,1,4,1\n10,2,5,0\n20,3,6,1\n');
    const ms = join(dir, 'ms.txt');
    writeFileSync(ms, '1 4 1 0.5\n2 5 0 1.5\n');
    const opt = await fileDriver.open(
      new URL(`file://${ms}?speed=0&opt.columns=x,y,p,t&opt.timeUnit=ms&opt.header=false`),
    );
    const optAll = concatPackets(await firstValueFrom(opt.packets.pipe(toArray())));
    expect(Array.from(optAll.tUs)).toEqual([500, 1500]);
    expect(() => parseFileParams(new URL('file:///a?opt.columns=x,y,p,t&optx=1'))).toThrow(/optx/);
    for (const [path, format, width] of [
      [es, 'es', 346],
      [csv, 'csv', 4],
    ] as const) {
      const src = await fileDriver.open(new URL(`file://${path}?speed=0`));
      expect(src.info).toMatchObject({ format, width });
      const all = concatPackets(await firstValueFrom(src.packets.pipe(toArray())));
      expect(Array.from(all.tUs)).toEqual([0, 10, 20]);
      await src.close();
    }
  });

  it('completes with nothing when start is past the end; forced format and geometry parameters apply', async () => {
    const path = writeNmnist('short.bin', 10, 10);
    const src = await fileDriver.open(new URL(`file://${path}?speed=0&start=1000000&loop=inf`));
    expect(await firstValueFrom(src.packets.pipe(toArray()))).toEqual([]);
    expect(src.stats.dropped.before_start).toBe(10);
    const forced = await fileDriver.open(new URL(`file://${path}?speed=0&format=nmnist&width=100&height=50`));
    expect(forced.info).toMatchObject({ width: 100, height: 50, geometrySource: 'user' });
    await expect(fileDriver.open(new URL(`file://${path}?format=csv`))).rejects.toBeInstanceOf(DecodeError);
  });
});
