import { firstValueFrom, lastValueFrom, toArray, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openEmulatedSource } from '../../drivers/emulate/index.ts';
import { openSource } from '../../drivers/index.ts';
import { loadEmulatedEvents } from '../../src/datasets/nmnist-emulated.ts';
import { labelAt, parseLabelTimeline } from '../../src/datasets/label-timeline.ts';
import { concatPackets, type EventPacket, packetsEqual, slicePacket } from '../../src/events/packet.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Subscribes on a virtual clock; returns the packets with the virtual ms at which each came. */
async function runVirtual(uri: string): Promise<{ packets: EventPacket[]; at: number[]; complete: boolean }> {
  const scheduler = new VirtualTimeScheduler();
  const src = await openEmulatedSource(new URL(uri), { scheduler });
  const packets: EventPacket[] = [];
  const at: number[] = [];
  let complete = false;
  src.packets.subscribe({
    next: (p) => {
      packets.push(p);
      at.push(scheduler.now());
    },
    complete: () => {
      complete = true;
    },
  });
  scheduler.flush();
  await src.close();
  return { packets, at, complete };
}

describe('emulate: driver', () => {
  it('paces saccade digits in real time on a virtual clock and exposes the label timeline', async () => {
    const uri = 'emulate:saccade?dataset=mnist&split=test&start=3&count=2&gap_ms=20&seed=4';
    const { packets, at, complete } = await runVirtual(uri);
    expect(complete).toBe(true);
    let prevT = -1;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i];
      const last = p.tUs[p.length - 1];
      // Never emitted before its last event is due; never more than one packet (1 ms) late.
      expect(at[i]).toBeGreaterThanOrEqual(last / 1000);
      expect(at[i]).toBeLessThanOrEqual(last / 1000 + 1.001);
      expect(p.tUs[0]).toBeGreaterThanOrEqual(prevT);
      prevT = last;
      expect(p.arrivalMs).toBeTypeOf('number');
    }
    const all = concatPackets(packets);
    expect(all.tUs[all.length - 1]).toBeLessThanOrEqual(335_000 + 315_000);
    const src = await openSource(uri);
    expect([src.info.width, src.info.height, src.info.format]).toEqual([34, 34, 'emulate']);
    const timeline = parseLabelTimeline(src.info.metadata?.labelTimeline ?? '', 'metadata');
    expect(timeline.labels.map((s) => [s.startUs, s.endUs])).toEqual([
      [0, 315_000],
      [335_000, 650_000],
    ]);
    expect(labelAt(timeline, 400_000)?.label).toBe(timeline.labels[1].label);
    expect(labelAt(timeline, 320_000)).toBeUndefined();
    await src.close();

    // The same digit and seed give the same events as the emulated N-MNIST data set (time-shifted).
    const cacheDir = mkdtempSync(join(tmpdir(), 'spikestream-emu-'));
    try {
      const ds = await loadEmulatedEvents({ split: 'test', limit: 5, seed: 4, cacheDir, workers: 0 });
      expect(timeline.labels[0].classIndex).toBe(ds.labels[3]);
      let n = 0;
      while (n < all.length && all.tUs[n] < 315_001) n++;
      expect(packetsEqual(slicePacket(all, 0, n), ds.sample(3))).toBe(true);
      ds.close();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('speed=0 runs as fast as possible and is deterministic per subscription', async () => {
    const src = await openSource('emulate:dot?width=32&height=32&radius=3&rps=5&duration=0.2&speed=0');
    const a = concatPackets(await lastValueFrom(src.packets.pipe(toArray())));
    const b = concatPackets(await lastValueFrom(src.packets.pipe(toArray())));
    expect(a.length).toBeGreaterThan(100);
    expect(packetsEqual(a, b)).toBe(true);
    expect(a.tUs[a.length - 1]).toBeLessThanOrEqual(200_000);
    expect(src.stats.events).toBe(2 * a.length);
    await src.close();
  });

  it('a moving bar at speed 2 finishes its second of sensor time in half a second of virtual time', async () => {
    const { packets, at, complete } = await runVirtual(
      'emulate:bar?width=64&height=16&velocity=400&duration=1&speed=2&packet_ms=10',
    );
    expect(complete).toBe(true);
    expect(packets.length).toBeGreaterThan(50);
    expect(at[at.length - 1]).toBeGreaterThan(490);
    expect(at[at.length - 1]).toBeLessThanOrEqual(500);
    let outside = 0;
    for (const p of packets) for (let i = 0; i < p.length; i++) if (p.x[i] >= 64 || p.y[i] >= 16) outside++;
    expect(outside).toBe(0);
  });

  it('loops over the images, reseeding later passes, with the timeline of every pass', async () => {
    const src = await openSource('emulate:saccade?count=2&loop=1&gap_ms=0&speed=0&packet_ms=50');
    const all = concatPackets(await lastValueFrom(src.packets.pipe(toArray())));
    const timeline = parseLabelTimeline(src.info.metadata?.labelTimeline ?? '');
    expect(timeline.labels.map((s) => s.startUs)).toEqual([0, 315_000, 630_000, 945_000]);
    expect(timeline.labels[2].label).toBe(timeline.labels[0].label);
    const between = (a: number, b: number) => {
      let n = 0;
      while (n < all.length && all.tUs[n] <= a) n++;
      let m = n;
      while (m < all.length && all.tUs[m] <= b) m++;
      return slicePacket(all, n, m);
    };
    const pass0 = between(0, 315_000);
    const pass1 = between(630_000, 945_000);
    expect(Math.abs(pass1.length - pass0.length)).toBeLessThan(0.1 * pass0.length);
    expect(pass1.length === pass0.length && packetsEqual(pass0, pass1)).toBe(false);
    await src.close();

    const endless = await openSource('emulate:saccade?count=3&loop=inf&gap_ms=35');
    expect(endless.info.metadata?.labelTimelinePeriodUs).toBe(String(3 * 350_000));
    expect(parseLabelTimeline(endless.info.metadata?.labelTimeline ?? '').labels).toHaveLength(3);
    await endless.close();
    await expect(openSource('emulate:saccade?count=100&loop=5000')).rejects.toThrow(/loop=inf/);
  });

  it('emulates a raw grey frame file, interpolating between frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikestream-frames-'));
    try {
      const path = join(dir, 'clip.gray');
      const frames = new Uint8Array(3 * 32);
      frames.fill(50, 0, 32);
      frames.fill(100, 32, 96);
      writeFileSync(path, frames);
      const uri = `emulate:frames?path=${encodeURIComponent(path)}&width=8&height=4&fps=10&sigma=0&refractory_us=0&speed=0`;
      const src = await openSource(uri);
      expect(src.info.metadata?.frames).toBe('3');
      const all = concatPackets(await lastValueFrom(src.packets.pipe(toArray())));
      // 50 → 100 is ln 2 = 3.47 θ: 3 ON events per pixel, spread over the first 100 ms.
      expect(all.length).toBe(32 * 3);
      let on = 0;
      for (let i = 0; i < all.length; i++) on += all.p[i];
      expect(on).toBe(all.length);
      expect(all.tUs[0]).toBeGreaterThan(20_000);
      expect(all.tUs[all.length - 1]).toBeLessThanOrEqual(100_000);
      await src.close();
      writeFileSync(join(dir, 'bad.gray'), new Uint8Array(33));
      await expect(
        openSource(`emulate:frames?path=${encodeURIComponent(join(dir, 'bad.gray'))}&width=8&height=4`),
      ).rejects.toThrow(/33 bytes, not a whole number of 8×4/);
      await expect(openSource('emulate:frames?width=8&height=4')).rejects.toThrow(/needs a "path"/);
      await expect(openSource(`emulate:frames?path=${encodeURIComponent(path)}&height=4`)).rejects.toThrow(
        /needs "width"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() completes open subscriptions', async () => {
    const src = await openSource('emulate:bar?speed=1');
    const done = firstValueFrom(src.packets.pipe(toArray()));
    await src.close();
    expect(Array.isArray(await done)).toBe(true);
  });

  it('rejects unknown scenes, unknown parameters and bad values with the parameter named', async () => {
    await expect(openSource('emulate:cube')).rejects.toThrow(/unknown scene "cube"/);
    await expect(openSource('emulate:bar?widht=3')).rejects.toThrow(/unknown parameter "widht"/);
    await expect(openSource('emulate:bar?speed=-1')).rejects.toThrow(/"speed"/);
    await expect(openSource('emulate:saccade?split=dev')).rejects.toThrow(/"split"/);
    await expect(openSource('emulate:saccade?start=99999')).rejects.toThrow(/"start"/);
    await expect(openSource('emulate:saccade?velocity=3')).rejects.toThrow(/unknown parameter "velocity"/);
  });
});
