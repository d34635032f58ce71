import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  concatPackets,
  type EventPacket,
  packetFromArrays,
  packetToArrays,
} from '../../src/events/packet.ts';
import { encodeSpif } from '../../src/formats/udp/index.ts';
import { getFormat } from '../../src/formats/registry.ts';
import { metadataSummary, parseRotate, rotatedName } from '../../src/cli/commands/record.ts';
import { main } from '../../src/cli/main.ts';
import { openSource } from '../../drivers/index.ts';
import { firstValueFrom, toArray } from 'rxjs';

const BIN = join(import.meta.dirname, '../../bin/spikestream.mjs');
let dir: string;
const children: ChildProcess[] = [];
const udp = createSocket('udp4');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikestream-record-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  udp.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `record` on a SPIF UDP source; resolves once it is recording, with the bound port. */
async function startRecorder(
  args: string[],
): Promise<{ child: ChildProcess; port: number; exited: Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(
    process.execPath,
    [BIN, 'record', '--source', 'udp://127.0.0.1:0?format=spif&width=64&height=64', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => {
      stderr += t;
      const m = /port=(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`record exited early: ${stderr}`)));
  });
  return { child, port, exited };
}

/** The same as startRecorder, but `record` runs in this process (no CLI start-up cost). */
async function recordInProcess(
  args: string[],
  source = 'udp://127.0.0.1:0?format=spif&width=64&height=64',
): Promise<{ port: number; exited: Promise<{ code: number | null; stderr: string }> }> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  const exited = main(['record', '--source', source, ...args])
    .then((code) => ({ code, stderr }))
    .finally(() => {
      process.stderr.write = write;
    });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /port=(\d+)/.exec(stderr);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 5);
    void exited.then(() => {
      clearInterval(timer);
      if (!/port=(\d+)/.test(stderr)) reject(new Error(`record ended early: ${stderr}`));
      else resolve(Number(/port=(\d+)/.exec(stderr)![1]));
    });
  });
  return { port, exited };
}

function send(port: number, packet: EventPacket): Promise<void> {
  return Promise.all(
    encodeSpif(packet).map(
      (d) => new Promise<void>((r, j) => udp.send(d, port, '127.0.0.1', (e) => (e ? j(e) : r()))),
    ),
  ).then(() => undefined);
}

function events(from: number, n: number): EventPacket {
  const t = Array.from({ length: n }, (_, i) => 1000 + (from + i) * 10);
  return packetFromArrays(
    t,
    t.map((_, i) => (from + i) % 64),
    t.map((_, i) => ((from + i) >> 6) % 64),
    t.map((_, i) => (from + i) & 1),
  );
}

function readBack(path: string) {
  const d = getFormat('aedat4').createDecoder({ origin: path });
  const packet = concatPackets([d.push(readFileSync(path)), d.end()]);
  return { packet, decoder: d };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('spikestream record', () => {
  it('records a live UDP source to AEDAT 4 and stops after --duration', async () => {
    const out = join(dir, 'plain.aedat4');
    const { port, exited } = await recordInProcess(['--out', out, '--duration', '1.5', '--flush-ms', '100']);
    const sent = events(0, 3000);
    await send(port, sent);
    const { code, stderr } = await exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(/done: 3000 events in 1 file/);
    const { packet, decoder } = readBack(out);
    expect(packetToArrays(packet)).toEqual(packetToArrays(sent));
    expect(decoder.info).toMatchObject({ width: 64, height: 64 });
    expect(decoder.stats.issueCount).toBe(0);
  });

  it('records an emulated sensor: the file holds exactly the events the emulator makes', async () => {
    const uri = 'emulate:bar?width=64&height=48&duration=0.4&speed=0&seed=3';
    const out = join(dir, 'emulated.aedat4');
    expect(await main(['record', '--source', uri, '--out', out, '--quiet'])).toBe(0);
    const src = await openSource(uri);
    const direct = concatPackets(await firstValueFrom(src.packets.pipe(toArray())));
    await src.close();
    expect(direct.length).toBeGreaterThan(100);
    const { packet, decoder } = readBack(out);
    expect(packetToArrays(packet)).toEqual(packetToArrays(direct));
    expect(decoder.info).toMatchObject({ width: 64, height: 48 });
  });

  it('kill -9 mid-recording leaves a file with every packet written before the last flush', async () => {
    const out = join(dir, 'killed.aedat4');
    const { child, port, exited } = await startRecorder(['--out', out, '--flush-ms', '50']);
    const before = events(0, 2000);
    await send(port, before);
    // Wait until a flush has put all of them on disk (the child may be slow on a loaded machine).
    const t0 = Date.now();
    while (!existsSync(out) || readBack(out).packet.length < 2000) {
      if (Date.now() - t0 > 20_000) throw new Error('the recorder never flushed the first batch');
      await sleep(50);
    }
    await send(port, events(2000, 2000)); // in flight when the recorder dies
    child.kill('SIGKILL');
    expect((await exited).code).toBe(null);
    const { packet, decoder } = readBack(out);
    expect(decoder.stats.fatal).toBeUndefined();
    expect(packet.length).toBeGreaterThanOrEqual(2000);
    const got = packetToArrays(packet);
    const want = packetToArrays(concatPackets([before, events(2000, 2000)]));
    expect(got.t).toEqual(want.t.slice(0, packet.length));
    expect(got.x).toEqual(want.x.slice(0, packet.length));
  });

  it('--rotate starts new complete files that together hold every event', async () => {
    const out = join(dir, 'rot.aedat4');
    const { port, exited } = await recordInProcess([
      '--out',
      out,
      '--duration',
      '1.6',
      '--rotate',
      '0.4s',
      '--flush-ms',
      '50',
    ]);
    const parts: EventPacket[] = [];
    for (let k = 0; k < 5; k++) {
      const p = events(k * 100, 100);
      parts.push(p);
      await send(port, p);
      await sleep(220);
    }
    const { code } = await exited;
    expect(code).toBe(0);
    const files = readdirSync(dir)
      .filter((f) => /^rot-\d{4}\.aedat4$/.test(f))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const all = concatPackets(files.map((f) => readBack(join(dir, f)).packet));
    expect(packetToArrays(all)).toEqual(packetToArrays(concatPackets(parts)));
  });

  it('argument errors are one clear line with exit code 2', async () => {
    const errors: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      errors.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(['record', '--out', join(dir, 'x.aedat4')])).toBe(2);
      expect(
        await main([
          'record',
          '--source',
          'udp://127.0.0.1:0?format=jaer',
          '--out',
          'x',
          '--rotate',
          '5 parsecs',
        ]),
      ).toBe(2);
      expect(
        await main(['record', '--source', 'udp://127.0.0.1:0?format=jaer', '--out', 'x', '--to', 'nmnist2']),
      ).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors[0]).toMatch(/^spikestream record: --source URI is required\n$/);
    expect(errors[1]).toMatch(/--rotate must be a size/);
    expect(errors[2]).toMatch(/unknown format "nmnist2"/);
  });

  it('parses rotation specs and names parts', () => {
    expect(parseRotate('100MB')).toEqual({ bytes: 100e6 });
    expect(parseRotate('64MiB')).toEqual({ bytes: 64 * 1024 ** 2 });
    expect(parseRotate('30s')).toEqual({ seconds: 30 });
    expect(parseRotate('10m')).toEqual({ seconds: 600 });
    expect(() => parseRotate('12')).toThrow(/--rotate/);
    expect(() => parseRotate('10B')).toThrow(/at least 1 KiB/);
    expect(rotatedName('/a/rec.aedat4', 3)).toBe('/a/rec-0003.aedat4');
  });

  it('shows short metadata in its status line and only the size of long values', () => {
    const timeline = JSON.stringify({
      labels: Array.from({ length: 50 }, (_, i) => ({ startUs: i, endUs: i + 1, label: '7' })),
    });
    expect(metadataSummary({ dataset: 'mnist', labelTimeline: timeline })).toBe(
      `dataset=mnist, labelTimeline=(${timeline.length} characters)`,
    );
  });
});
