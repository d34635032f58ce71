/**
 * A tiny model directory and a labelled N-MNIST-format recording for the serve/run/browser tests.
 *
 * Sensor 34×34, downsample 17 → 2×2, polarity split → 8 inputs; input j drives output j % 3.
 * Segment k (100 ms each) puts 20 ON events on one quadrant: top-left → input 4 → "b",
 * top-right → input 5 → "c", bottom-left → input 6 → "a". Labels say the same, so a correct
 * pipeline scores 100 %.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packetFromArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { NmnistEncoder } from '../../src/formats/nmnist/encoder.ts';
import type { ModelSpec } from '../../src/model/schema.ts';
import { saveModel } from '../../src/model/saver.ts';

export interface ServeFixture {
  dir: string;
  modelDir: string;
  recording: string;
  /** URI with the format forced (N-MNIST files have no magic). */
  sourceUri: string;
  segments: number;
  events: number;
}

export function quadrantModel(name = 'quadrants', maxSpikes = 1): ModelSpec {
  const weights = new Float32Array(8 * 3);
  for (let j = 0; j < 8; j++) weights[j * 3 + (j % 3)] = 10;
  return {
    name,
    description: 'test model: which quadrant is active',
    timeUnitUs: 1000,
    inputShape: [2, 2, 2],
    layers: [{ type: 'dense', size: 3, neuron: { tauS: 1, threshold: 1, maxSpikes }, weights }],
    inputMapping: { kind: 'events', sensorWidth: 34, sensorHeight: 34, downsample: 17, polarity: 'split' },
    readout: maxSpikes === 1 ? { kind: 'first-spike', window: 100 } : { kind: 'spike-count', window: 100 },
    labels: ['a', 'b', 'c'],
    provenance: { method: maxSpikes === 1 ? 'ttfs' : 'relaxed', command: 'test fixture' },
  };
}

export function makeServeFixture(segments = 30): ServeFixture {
  const dir = mkdtempSync(join(tmpdir(), 'spikestream-serve-'));
  const modelDir = join(dir, 'model');
  mkdirSync(modelDir);
  saveModel(modelDir, quadrantModel());
  writeFileSync(
    join(modelDir, 'README.md'),
    '# Quadrants\n\nA **test** model.\n\n| class | quadrant |\n|---|---|\n| b | top-left |\n',
  );
  const relaxedDir = join(dir, 'model-relaxed');
  mkdirSync(relaxedDir);
  saveModel(relaxedDir, quadrantModel('quadrants-relaxed', 4));
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const p: number[] = [];
  const labels: { startUs: number; endUs: number; label: string }[] = [];
  const where = [
    [3, 3, 'b'],
    [25, 3, 'c'],
    [3, 25, 'a'],
  ] as const;
  for (let k = 0; k < segments; k++) {
    const [qx, qy, label] = where[k % 3];
    for (let i = 0; i < 20; i++) {
      t.push(k * 100_000 + i * 1000);
      x.push(qx + (i % 5));
      y.push(qy + (i % 4));
      p.push(1);
    }
    labels.push({ startUs: k * 100_000, endUs: (k + 1) * 100_000, label });
  }
  const enc = new NmnistEncoder();
  enc.begin(makeStreamInfo({ width: 34, height: 34, format: 'nmnist' }));
  const recording = join(dir, 'demo.bin');
  writeFileSync(recording, enc.encode(packetFromArrays(t, x, y, p)));
  writeFileSync(join(dir, 'demo.bin.labels.json'), JSON.stringify({ labels }));
  return {
    dir,
    modelDir,
    recording,
    sourceUri: `file:${recording}?format=nmnist`,
    segments,
    events: t.length,
  };
}
