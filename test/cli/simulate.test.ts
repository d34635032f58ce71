import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, runCliInProcess } from '../helpers/cli.ts';
import { saveModel } from '../../src/model/saver.ts';
import type { ModelSpec } from '../../src/model/schema.ts';
import { compileNetwork } from '../../src/snn/network.ts';
import { rng, uniformWeights } from '../snn/random-nets.ts';

const cli = (...args: string[]): Promise<CliResult> => runCli(args, 80_000);
const inProcess = (...args: string[]): Promise<CliResult> => runCliInProcess(args);

let dir: string;
const r = rng(9);
const spec: ModelSpec = {
  name: 'cli-test',
  description: 'simulate test model',
  timeUnitUs: 1000,
  inputShape: [6],
  inputMapping: { kind: 'image', width: 6, height: 1, window: 0.1 },
  layers: [
    {
      type: 'dense',
      name: 'hidden',
      size: 8,
      neuron: { tauS: 0.13, threshold: 0.1, maxSpikes: 3 },
      weights: uniformWeights(r, 48, 0, 1),
    },
    {
      type: 'dense',
      name: 'out',
      size: 3,
      neuron: { tauS: 0.13, threshold: 0.2, maxSpikes: 3 },
      weights: uniformWeights(r, 24, 0, 1),
    },
  ],
  readout: { kind: 'spike-count', window: 1 },
  labels: ['zero', 'one', 'two'],
};
const input = { times: [0, 0.01, 0.02, 0.05, 0.08], indices: [0, 1, 2, 3, 5] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikestream-simulate-'));
  saveModel(join(dir, 'm'), spec);
  writeFileSync(join(dir, 'spikes.json'), JSON.stringify(input));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ times: [0, 0.1], indices: [0, 6] }));
  writeFileSync(join(dir, 'unsorted.json'), JSON.stringify({ times: [0.1, 0], indices: [0, 1] }));
  writeFileSync(join(dir, 'nan.json'), '{"times": [0, "x"], "indices": [0, 1]}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spikestream simulate', () => {
  it('--json prints every layer spike {layer, neuron, t}, counters, energy with its table, and the decision', {
    timeout: 90_000,
  }, async () => {
    const res = await cli(
      'simulate',
      '--model',
      join(dir, 'm'),
      '--spikes',
      join(dir, 'spikes.json'),
      '--json',
      '--cost-table',
      'loihi',
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    const want = compileNetwork(spec).run(input, { windowEnd: 1 });
    expect(doc.spikes.filter((s: { layer: string }) => s.layer === 'hidden').length).toBe(
      want.layers[0].count,
    );
    expect(doc.spikes.filter((s: { layer: string }) => s.layer === 'out').length).toBe(want.layers[1].count);
    expect(doc.counters.synOps).toBe(want.counters.synOps);
    expect(doc.energy.costTable).toBe('loihi');
    expect(doc.energy.energyJ).toBeCloseTo(want.counters.synOps * 23.6e-12, 20);
    expect(doc.decision.readout).toBe('spike-count');
    expect(want.counters.spikes).toBeGreaterThan(0);
  });

  it('prints a readable report by default', { timeout: 90_000 }, async () => {
    const res = await inProcess('simulate', '--model', join(dir, 'm'), '--spikes', join(dir, 'spikes.json'));
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/layer hidden \(dense, 8 units\)/);
    expect(res.stdout).toMatch(/energy \(cmos45nm\)/);
    expect(res.stdout).toMatch(/decision \(spike-count\)/);
  });

  it('fails with one line naming the file and the spike for bad input', { timeout: 90_000 }, async () => {
    const model = join(dir, 'm');
    // in-process runs patch process.stdout/stderr, so one at a time
    const bad = await inProcess('simulate', '--model', model, '--spikes', join(dir, 'bad.json'));
    const unsorted = await inProcess('simulate', '--model', model, '--spikes', join(dir, 'unsorted.json'));
    const sorted = await inProcess(
      'simulate',
      '--model',
      model,
      '--spikes',
      join(dir, 'unsorted.json'),
      '--sort',
      '--json',
    );
    const nan = await inProcess('simulate', '--model', model, '--spikes', join(dir, 'nan.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.json: spike 1: index 6 is outside the input/);
    expect(unsorted.code).toBe(1);
    expect(unsorted.stderr).toMatch(/unsorted\.json: spike 1: .*sorted/);
    expect(sorted.code).toBe(0);
    expect(JSON.parse(sorted.stdout).warnings[0]).toMatch(/sorted 2 spikes/);
    expect(nan.stderr).toMatch(/nan\.json: times\[1\]: must be a finite number/);
  });

  it('usage errors exit 2; a missing model names its file', { timeout: 90_000 }, async () => {
    const usage = await inProcess('simulate', '--spikes', 'x.json');
    const missing = await inProcess(
      'simulate',
      '--model',
      join(dir, 'nope'),
      '--spikes',
      join(dir, 'spikes.json'),
    );
    expect(usage.code).toBe(2);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\/model\.json: \(file\): cannot read/);
  });
});
