/**
 * The reference firmware (examples/firmware) against the TypeScript decoder: its C encoder is
 * compiled with gcc for the host and its bytes must decode to exactly the events it was given.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packetToArrays } from '../../src/events/packet.ts';
import { createSpikeframeDecoder } from '../../src/formats/spike-serial/index.ts';
import { decodeChunks, splitAt } from '../helpers/decode.ts';

const FIRMWARE = join(import.meta.dirname, '../../examples/firmware');
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const hasGxx = spawnSync('g++', ['--version']).status === 0;
let dir: string;
let emitter: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'firmware-'));
  emitter = join(dir, 'host-emitter');
  if (hasGcc) {
    execFileSync('gcc', [
      '-std=c99',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-O2',
      '-o',
      emitter,
      join(FIRMWARE, 'host-emitter.c'),
    ]);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasGcc)('spikeframe reference firmware (needs gcc)', () => {
  it('the C encoder and the TypeScript decoder agree, across frames and a 32-bit tick wrap', () => {
    const lines: string[] = [];
    const want = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };
    let ticks = 2 ** 32 - 5000;
    for (let i = 0; i < 500; i++) {
      ticks += (i * 37) % 101;
      const ch = (i * 7) % 12;
      const sign = i % 3 === 0 ? 0 : 1;
      lines.push(`${ticks % 2 ** 32} ${ch} ${sign}`);
      want.t.push(ticks);
      want.x.push(ch);
      want.y.push(0);
      want.p.push(sign);
    }
    const bytes = execFileSync(emitter, ['12'], { input: `${lines.join('\n')}\n` });
    const logs: string[] = [];
    const d = createSpikeframeDecoder({ onLog: (l) => logs.push(l) });
    const got = decodeChunks(d, splitAt(new Uint8Array(bytes), [1, 77, 300, 2000])).packet;
    expect(packetToArrays(got)).toEqual(want);
    expect(d.hello).toEqual({ version: 1, channels: 12, clockHz: 1_000_000, name: 'host-emitter' });
    expect(logs).toEqual(['host emitter ready']);
    expect(d.stats.issueCount).toBe(0);
    expect(d.frames).toBe(Math.ceil(500 / 64));
  });

  it.skipIf(!hasGxx)(
    'the Arduino sketch passes a C++ syntax check against the shim header (needs g++)',
    () => {
      const check = join(dir, 'sketch.cpp');
      writeFileSync(check, '#include "arduino-shim.h"\n#include "spikeframe_sensor/spikeframe_sensor.ino"\n');
      const r = spawnSync(
        'g++',
        ['-std=c++11', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', `-I${FIRMWARE}`, check],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );
});
