import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineUri } from '../../src/cli/commands/run.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { makeServeFixture, type ServeFixture } from './serve-fixtures.ts';

const cli = (...args: string[]) => runCliInProcess(args);

let fx: ServeFixture;
beforeAll(() => {
  fx = makeServeFixture(30);
});
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

describe('offlineUri', () => {
  it('replays files as fast as possible unless a speed is given', () => {
    expect(offlineUri('rec.aedat4')).toBe('file:rec.aedat4?speed=0');
    expect(offlineUri('file:rec.bin?format=nmnist')).toBe('file:rec.bin?format=nmnist&speed=0');
    expect(offlineUri('file:rec.bin?speed=1')).toBe('file:rec.bin?speed=1');
    expect(offlineUri('emulate:dot')).toBe('emulate:dot');
  });
});

describe('spikestream run', () => {
  it('prints predictions as JSON lines and a summary with accuracy from the labels sidecar', async () => {
    const r = await cli(
      'run',
      '--model',
      fx.modelDir,
      '--model',
      join(fx.dir, 'model-relaxed'),
      '--source',
      fx.sourceUri,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.pop();
    const ttfs = lines.filter((l) => l.model === 'quadrants');
    const relaxed = lines.filter((l) => l.model === 'quadrants-relaxed');
    expect(ttfs).toHaveLength(fx.segments);
    expect(relaxed).toHaveLength(fx.segments);
    expect(ttfs[0]).toMatchObject({
      type: 'prediction',
      label: 'b',
      trueLabel: 'b',
      reason: 'first-spike',
      windowStartUs: 0,
    });
    expect(ttfs[1]).toMatchObject({ label: 'c', windowStartUs: 100_000, windowEndUs: 200_000 });
    expect(ttfs[0].decisionUs).toBeGreaterThan(0);
    expect(ttfs[0].decisionUs).toBeLessThan(1000);
    expect(relaxed[0]).toMatchObject({ reason: 'window-end', scoreKind: 'spike-count', decisionUs: 100_000 });
    expect(summary).toMatchObject({ type: 'summary', events: fx.events, interrupted: false });
    const [a, b] = summary.models;
    expect(a).toMatchObject({
      model: 'quadrants',
      predictions: fx.segments,
      labelled: fx.segments,
      accuracy: 1,
      costTable: 'cmos45nm',
    });
    expect(b).toMatchObject({ model: 'quadrants-relaxed', accuracy: 1 });
    // TTFS decides early and so uses fewer input events per prediction than the relaxed model.
    expect(a.perPrediction.inputEvents).toBeLessThan(b.perPrediction.inputEvents);
    expect(a.decisionUs.p99).toBeLessThan(b.decisionUs.p50);
    expect(a.pipelineUs.p50).toBeGreaterThanOrEqual(0);
  });

  it('prints readable lines and a summary without --json, with the chosen cost table', async () => {
    const r = await cli(
      'run',
      '--model',
      fx.modelDir,
      '--source',
      fx.sourceUri,
      '--cost-table',
      'loihi',
      '--window',
      'count:10',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/quadrants {2}\[0, 9001\) µs {2}-> b {2}first-spike at \d+ µs/);
    expect(r.stdout).toMatch(
      /quadrants: 60 predictions \(0 without an output spike\); accuracy 100\.00 % of 60 labelled/,
    );
    expect(r.stdout).toMatch(/J \(loihi\)/);
    expect(r.stdout).toMatch(/600 events in [\d.]+ s/);
  });

  it('takes true labels from a labelled source (emulate:saccade) when there is no labels file', async () => {
    const r = await cli(
      'run',
      '--model',
      fx.modelDir,
      '--source',
      'emulate:saccade?dataset=mnist&count=2&speed=0',
      '--json',
      '--quiet',
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary.models[0].predictions).toBeGreaterThan(0);
    expect(summary.models[0].labelled).toBe(summary.models[0].predictions);
  });

  it('fails with one clear line for a missing model, source or bad option', async () => {
    const a = await cli('run', '--model', join(fx.dir, 'nope'), '--source', fx.sourceUri);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/spikestream run: model not found: .*nope\/model\.json does not exist/);
    const b = await cli('run', '--model', fx.modelDir);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--source URI is required/);
    const c = await cli('run', '--model', fx.modelDir, '--source', fx.sourceUri, '--window', 'weekly');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--window "weekly"/);
  });
});
