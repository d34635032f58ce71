import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError, UsageError } from '../../src/events/errors.ts';
import {
  concatPackets,
  type EventPacket,
  packetFromArrays,
  packetToArrays,
} from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import {
  decodeFile,
  openRecording,
  probeRecordingInfo,
  readRecording,
  resolveFormat,
} from '../../src/formats/open.ts';
import { DETECT_HEAD_BYTES, detectFormat, FORMATS, getFormat } from '../../src/formats/registry.ts';
import { concatBytes } from '../helpers/decode.ts';

let dir: string;
const ev = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };

function write(name: string, format: string, options: Record<string, unknown> = {}): string {
  const enc = getFormat(format).createEncoder!(options);
  const bytes = concatBytes([
    enc.begin(makeStreamInfo({ width: 34, height: 34, format })),
    enc.encode(packetFromArrays(ev.t, ev.x, ev.y, ev.p)),
    enc.end(),
  ]);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikestream-open-'));
  for (let i = 0; i < 2000; i++) {
    ev.t.push(i * 13);
    ev.x.push(i % 34);
    ev.y.push((i * 11) % 34);
    ev.p.push(i % 3 === 0 ? 1 : 0);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('formats/open', () => {
  it('detects N-MNIST, Event Stream and CSV files by content and decodes them whole', async () => {
    for (const format of ['nmnist', 'es', 'csv']) {
      const path = write(`a-${format}.dat`, format, format === 'csv' ? { geometryLine: true } : {});
      const rec = await readRecording(path);
      expect(rec.format).toBe(format);
      expect(packetToArrays(rec.packet)).toEqual(ev);
      expect(rec.info).toMatchObject({ width: 34, height: 34, origin: path });
    }
  });

  it('decodes in chunks of the requested size, bounded by the chunk, same events', async () => {
    const path = write('chunked.bin', 'nmnist');
    const parts: EventPacket[] = [];
    for await (const p of decodeFile(path, { chunkBytes: 333 })) {
      expect(p.length).toBeLessThanOrEqual(Math.ceil(333 / 5) + 1);
      parts.push(p);
    }
    expect(parts.length).toBeGreaterThan(20);
    expect(packetToArrays(concatPackets(parts))).toEqual(ev);
  });

  it('throws a DecodeError naming the file after yielding every good packet', async () => {
    const good = write('t.es', 'es');
    const { readFileSync } = await import('node:fs');
    const path = join(dir, 'truncated.es');
    writeFileSync(path, readFileSync(good).subarray(0, 20 + 5 * 100 + 2));
    const seen: EventPacket[] = [];
    const err = await (async () => {
      try {
        for await (const p of decodeFile(path, { chunkBytes: 64 })) seen.push(p);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).message).toMatch(new RegExp(`^${path}: byte 520: event: truncated`));
    expect(concatPackets(seen).length).toBe(100);
    const rec = await openRecording(path, { throwOnFatal: false });
    for await (const _ of rec) {
      // drain
    }
    expect(rec.stats.fatal?.byteOffset).toBe(520);
  });

  it('forces a format, passes geometry and decoder options, and names unknown formats', async () => {
    const path = write('forced.csv', 'csv');
    const rec = await readRecording(path, { format: 'csv', width: 100, height: 50 });
    expect(rec.info).toMatchObject({ width: 100, height: 50, geometrySource: 'user' });
    const skip = await readRecording(path, { decoderOptions: { timeUnit: 'ms' } });
    expect(skip.packet.tUs[1]).toBe(13_000);
    await expect(openRecording(path, { format: 'nope' })).rejects.toThrow(UsageError);
    await expect(openRecording(join(dir, 'missing'))).rejects.toThrow(/no such file/);
    await expect(openRecording(dir)).rejects.toThrow(/is a directory/);
    await expect(openRecording(path, { chunkBytes: 0 })).rejects.toThrow(/"chunkBytes"/);
  });

  it('explains files it cannot place, and probes stream info without decoding everything', async () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, new Uint8Array(100).fill(250));
    await expect(openRecording(junk)).rejects.toThrow(/cannot tell the format.*--format/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    await expect(openRecording(empty)).rejects.toThrow(/empty file/);
    expect(() => resolveFormat(new Uint8Array(0), 'x', 'es').name).not.toThrow();
    const es = write('p.es', 'es');
    await expect(probeRecordingInfo(es)).resolves.toMatchObject({ format: 'es', info: { width: 34 } });
    const csv = write('nogeom.csv', 'csv');
    const probed = await probeRecordingInfo(csv);
    expect(probed.info).toMatchObject({ width: 34, height: 34, geometrySource: 'inferred' });
  });

  it('detection places the output of every registered encoder (the N-MNIST heuristic claims none of them)', () => {
    for (const f of FORMATS.filter((g) => g.createEncoder)) {
      const enc = f.createEncoder!({});
      const bytes = concatBytes([
        enc.begin(makeStreamInfo({ width: 34, height: 34, format: f.name })),
        enc.encode(packetFromArrays(ev.t, ev.x, ev.y, ev.p)),
        enc.end(),
      ]);
      expect(detectFormat(bytes.subarray(0, DETECT_HEAD_BYTES))?.name, f.name).toBe(f.name);
    }
  });
});
