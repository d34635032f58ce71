import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSaccades } from '../../drivers/emulate/generators.ts';
import { parseEmulateUri } from '../../drivers/emulate/params.ts';
import { parseDecision } from '../../src/cli/commands/serve.ts';
import { SpikestreamClient } from '../../src/client/index.ts';
import type { PredictionMessage } from '../../src/protocol/messages.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { startServe } from './serve-cli.ts';
import { makeServeFixture, type ServeFixture } from './serve-fixtures.ts';

const exec = promisify(execFile);

let fx: ServeFixture;
beforeAll(() => {
  fx = makeServeFixture(30);
});
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

describe('parseDecision', () => {
  it('reads first-spike, count and count:MARGIN', () => {
    expect(parseDecision('first-spike')).toEqual({ kind: 'first-spike' });
    expect(parseDecision('count')).toEqual({ kind: 'spike-count', margin: 0 });
    expect(parseDecision('count:3')).toEqual({ kind: 'spike-count', margin: 3 });
    expect(() => parseDecision('vote')).toThrow(/--decision "vote"/);
  });
});

describe('spikestream serve', () => {
  it('serves two models on a replayed recording to Node and Python clients, and shuts down cleanly on SIGTERM', async () => {
    const serve = await startServe([
      '--model',
      fx.modelDir,
      '--model',
      join(fx.dir, 'model-relaxed'),
      '--source',
      `${fx.sourceUri}&speed=1&loop=inf`,
      '--token',
      'tok',
    ]);
    try {
      const ws = serve.url.replace('http', 'ws');
      const client = await SpikestreamClient.connect({ url: ws, token: 'tok', reconnect: false });
      expect(client.hello?.models.map((m) => [m.name, m.method, m.layerSizes])).toEqual([
        ['quadrants', 'ttfs', [8, 3]],
        ['quadrants-relaxed', 'relaxed', [8, 3]],
      ]);
      expect(client.hello?.source).toMatchObject({ width: 34, height: 34, format: 'nmnist' });
      const seen = new Map<string, PredictionMessage>();
      for await (const p of client.predictions()) {
        seen.set(p.model, p);
        if (seen.size === 2) break;
      }
      const ttfs = seen.get('quadrants');
      expect(ttfs?.trueLabel).toBeDefined();
      expect(ttfs?.label).toBe(ttfs?.trueLabel);
      expect(ttfs?.pipelineUs).toBeGreaterThanOrEqual(0);
      expect(ttfs?.pipelineUs).toBeLessThan(1_000_000);
      // The Python example, a real client in another language.
      const py = await exec('/usr/bin/python3', [
        'examples/python-client/client.py',
        '--url',
        ws,
        '--token',
        'tok',
        '--count',
        '2',
      ]);
      const lines = py.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ type: 'hello', protocol: 1 });
      expect(lines.filter((l) => l.type === 'prediction')).toHaveLength(2);
      // HTTP on the same port.
      const metrics = await (
        await fetch(`${serve.url}/metrics`, { headers: { authorization: 'Bearer tok' } })
      ).text();
      expect(metrics).toMatch(/spikestream_events_in_total [1-9]\d*/);
      expect(metrics).toMatch(
        /spikestream_predictions_total\{model="quadrants",reason="first-spike"\} [1-9]/,
      );
      const card = await (await fetch(`${serve.url}/api/models/quadrants/card?token=tok`)).text();
      expect(card).toMatch(/^# Quadrants/);
      // SIGTERM: the client is told why, and the process exits 0.
      const closed = new Promise<{ code: number; reason: string }>((resolve) => client.on('close', resolve));
      serve.child.kill('SIGTERM');
      expect(await closed).toMatchObject({ code: 1001, reason: 'server shutting down (SIGTERM)' });
      expect(await serve.exited).toBe(0);
      client.close();
    } finally {
      serve.child.kill('SIGKILL');
    }
  }, 60_000);

  it('scores every pass of a labelled source that loops forever (emulate:saccade, loop=inf)', async () => {
    const uri = 'emulate:saccade?dataset=mnist&count=2&loop=inf&speed=4';
    const passUs = planSaccades(parseEmulateUri(new URL(uri))).timelinePeriodUs ?? 0;
    expect(passUs).toBeGreaterThan(0);
    const serve = await startServe(['--model', fx.modelDir, '--source', uri]);
    try {
      const client = await SpikestreamClient.connect({
        url: serve.url.replace('http', 'ws'),
        reconnect: false,
      });
      // windows that fall in the blank gaps between images have no label, in any pass
      let later = 0;
      let labelledLater = 0;
      for await (const p of client.predictions()) {
        if (p.trueLabel !== undefined) expect(p.trueLabel).toMatch(/^\d$/);
        if (p.windowStartUs < passUs) continue;
        later++;
        if (p.trueLabel !== undefined) labelledLater++;
        if (later === 40) break;
      }
      expect(labelledLater).toBeGreaterThanOrEqual(10);
      client.close();
    } finally {
      serve.child.kill('SIGKILL');
    }
  }, 60_000);

  it('names the missing shipped recording when run with no arguments outside a checkout with one', async () => {
    const cwd = process.cwd();
    process.chdir(fx.dir);
    try {
      const r = await runCliInProcess(['serve']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/shipped recording not found: recordings\/demo-nmnist\.aedat4 does not exist/);
      mkdirSync(join(fx.dir, 'recordings'), { recursive: true });
      writeFileSync(join(fx.dir, 'recordings', 'demo-nmnist.aedat4'), '');
      const m = await runCliInProcess(['serve']);
      expect(m.code).toBe(2);
      expect(m.stderr).toMatch(
        /shipped models not found: none of models\/nmnist-emulated-ttfs\/model\.json, /,
      );
    } finally {
      process.chdir(cwd);
    }
  });
});
