import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, runCliInProcess } from '../helpers/cli.ts';
import { outputFormat } from '../../src/cli/commands/convert.ts';
import { packetFromArrays, packetToArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { NmnistEncoder } from '../../src/formats/nmnist/encoder.ts';
import { readRecording } from '../../src/formats/open.ts';
import { FORMATS } from '../../src/formats/registry.ts';

const cli = (...args: string[]): Promise<CliResult> => runCli(args, 30_000);
const inProcess = (...args: string[]): Promise<CliResult> => runCliInProcess(args);

let dir: string;
let input: string;
const events = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikestream-convert-'));
  for (let i = 0; i < 3000; i++) {
    events.t.push(i * 4000); // 12 s: past the 23-bit range
    events.x.push(i % 34);
    events.y.push((i * 5) % 34);
    events.p.push((i >> 1) & 1);
  }
  const enc = new NmnistEncoder();
  enc.begin(makeStreamInfo({ width: 34, height: 34, format: 'nmnist' }));
  input = join(dir, 'in.bin');
  writeFileSync(input, enc.encode(packetFromArrays(events.t, events.x, events.y, events.p)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spikestream convert', () => {
  it('writes CSV through the real bin: exactly the header line then one integer row per event', async () => {
    const out = join(dir, 'out.csv');
    const r = await cli('convert', input, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(nmnist) -> ');
    const rows = events.t.map((t, i) => `${t},${events.x[i]},${events.y[i]},${events.p[i]}\n`).join('');
    expect(readFileSync(out, 'utf8')).toBe(`t,x,y,p\n${rows}`);
  });

  it('converts to every registered format with an encoder and back, event for event', async () => {
    const writable = FORMATS.filter((f) => f.createEncoder);
    expect(writable.map((f) => f.name)).toEqual(expect.arrayContaining(['nmnist', 'es', 'csv']));
    for (const f of writable) {
      const out = join(dir, `out.${f.name}`);
      const r = await inProcess('convert', input, out, '--to', f.name, '--chunk', '4096');
      expect(r.code, `${f.name}: ${r.stderr}`).toBe(0);
      const back = await readRecording(out, { format: f.name });
      expect(back.stats.fatal, f.name).toBeUndefined();
      expect(packetToArrays(back.packet), f.name).toEqual(events);
      expect(back.info.width, f.name).toBe(34);
    }
  });

  it('writes the good part and exits 1 naming offset and field when the input is damaged', async () => {
    const damaged = join(dir, 'damaged.bin');
    writeFileSync(damaged, readFileSync(input).subarray(0, 5 * 100 + 3));
    const out = join(dir, 'damaged-out.bin');
    const r = await cli('convert', damaged, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${damaged}: byte 500: record:`);
    const back = await readRecording(out);
    expect(back.packet.length).toBe(100);
  });

  it('refuses bad requests with one line and exit code 2, without leaving output behind', async () => {
    const r = await inProcess('convert', input, join(dir, 'x.unknownext'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot tell the output format .*--to/);
    expect(existsSync(join(dir, 'x.unknownext'))).toBe(false);
    expect(() => outputFormat('a.bin', 'no-such-format')).toThrow(/unknown format/);
    expect(outputFormat('a.bin', undefined).name).toBe('nmnist');
    expect((await inProcess('convert', input, input)).stderr).toMatch(/same file/);
    // An encoder that cannot hold the data: the error is one line and no partial file is left.
    const wide = join(dir, 'wide.csv');
    writeFileSync(wide, '%geometry:640,480\nt,x,y,p\n1,600,2,1\n');
    const failed = await inProcess('convert', wide, join(dir, 'wide.bin'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/640×480 does not fit/);
    expect(existsSync(join(dir, 'wide.bin'))).toBe(false);
  });
});
