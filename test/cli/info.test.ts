import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, runCliInProcess } from '../helpers/cli.ts';
import { packetFromArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { NmnistEncoder } from '../../src/formats/nmnist/encoder.ts';

const cli = (...args: string[]): Promise<CliResult> => runCli(args, 20_000);
const inProcess = (...args: string[]): Promise<CliResult> => runCliInProcess(args);

let dir: string;
let good: string;
let damaged: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikestream-info-'));
  const enc = new NmnistEncoder();
  enc.begin(makeStreamInfo({ width: 34, height: 34, format: 'nmnist' }));
  const bytes = enc.encode(
    packetFromArrays([100, 200, 300, 9_000_000], [1, 2, 3, 4], [5, 6, 7, 8], [1, 1, 0, 1]),
  );
  good = join(dir, 'good.bin');
  writeFileSync(good, bytes);
  damaged = join(dir, 'damaged.bin');
  writeFileSync(damaged, bytes.subarray(0, bytes.length - 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spikestream info', () => {
  it('--json reports format, geometry, counts, time range and skipped records', async () => {
    const r = await cli('info', good, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      format: 'nmnist',
      width: 34,
      height: 34,
      geometrySource: 'default',
      events: 4,
      on: 3,
      off: 1,
      firstUs: 100,
      lastUs: 9_000_000,
      skipped: { overflow_marker: 75 }, // ceil((9e6 - (2^23 - 1)) / 2^13)
      error: null,
    });
  });

  it('on damage: exit 1, one error line naming file, offset and field, counts of the good part', async () => {
    const r = await cli('info', damaged, '--json', '--width', '40', '--height', '40');
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.events).toBe(3);
    expect(s.width).toBe(40);
    expect(s.geometrySource).toBe('user');
    expect(s.error).toMatchObject({ byteOffset: 390, field: 'record' });
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `spikestream info: ${damaged}: byte 390: record: truncated record: 3 of 5 bytes at end of stream`,
    );
    const text = await inProcess('info', damaged);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('events:     3 (ON 2, OFF 1)');
    expect(text.stdout).toContain('byte 390: record:');
  });

  it('bad usage exits 2 with one line; --help documents the options', async () => {
    const missing = await inProcess('info', join(dir, 'nope.bin'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.bin: no such file/);
    const unknown = await inProcess('info', good, '--format', 'bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown format "bogus"/);
    const help = await inProcess('info', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--json');
    expect(help.stdout).toContain('--format NAME');
    const extra = await inProcess('info', good, good);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/exactly one FILE/);
    const badFlag = await inProcess('info', good, '--wdth', '3');
    expect(badFlag.code).toBe(2);
    const badWidth = await inProcess('info', good, '--width', 'wide');
    expect(badWidth.stderr).toMatch(/--width must be an integer/);
  });
});
