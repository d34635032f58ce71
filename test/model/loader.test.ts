import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../../src/model/errors.ts';
import { loadModel, parseModel } from '../../src/model/loader.ts';
import { saveModel, serializeModel } from '../../src/model/saver.ts';
import type { ModelSpec } from '../../src/model/schema.ts';
import { compileNetwork } from '../../src/snn/network.ts';
import { rng, uniformWeights } from '../snn/random-nets.ts';

const r = rng(5);
const neuron = { tauS: 0.13, threshold: 0.3, maxSpikes: 3 };

function model(): ModelSpec {
  return {
    name: 'tiny-conv',
    description: 'a test model',
    timeUnitUs: 1000,
    inputShape: [2, 6, 6],
    inputMapping: {
      kind: 'events',
      sensorWidth: 12,
      sensorHeight: 12,
      crop: { x: 0, y: 0, width: 12, height: 12 },
      downsample: 2,
      polarity: 'split',
    },
    layers: [
      {
        type: 'conv2d',
        name: 'c1',
        outChannels: 3,
        kernel: 3,
        padding: 1,
        neuron,
        weights: uniformWeights(r, 3 * 2 * 9, -0.5, 1),
      },
      { type: 'pool', kernel: 2 },
      { type: 'dense', name: 'out', size: 4, neuron, weights: uniformWeights(r, 27 * 4, -0.5, 1) },
    ],
    readout: { kind: 'spike-count', window: 300, margin: 2 },
    labels: ['a', 'b', 'c', 'd'],
    provenance: { command: 'none (test)', seed: 5 },
    metrics: { testAccuracy: null },
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spikestream-model-'));
  dirs.push(d);
  return d;
}

describe('model files', () => {
  it('round-trips through saveModel/loadModel and runs the same', () => {
    const dir = tmp();
    const spec = model();
    saveModel(dir, spec);
    const loaded = loadModel(dir);
    expect(loaded.labels).toEqual(spec.labels);
    expect(loaded.inputMapping).toEqual(spec.inputMapping);
    expect(loaded.readout).toEqual(spec.readout);
    expect(loaded.layers.map((l) => l.type)).toEqual(['conv2d', 'pool', 'dense']);
    for (let i = 0; i < 3; i++) {
      const a = spec.layers[i];
      const b = loaded.layers[i];
      if (a.type !== 'pool' && b.type !== 'pool')
        expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    }
    const input = { times: [0, 1, 2, 3, 4], indices: [0, 7, 14, 40, 71] };
    expect(
      compileNetwork(loaded)
        .run(input)
        .layers.map((l) => l.count),
    ).toEqual(
      compileNetwork(spec)
        .run(input)
        .layers.map((l) => l.count),
    );
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.layers[0].weights).toEqual({ offset: 0, shape: [3, 2, 3, 3] });
    expect(json.layers[2].weights).toEqual({ offset: 3 * 2 * 9 * 4, shape: [27, 4] });
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON fields
  type AnyJson = any;
  const cases: [string, (j: AnyJson) => void, RegExp][] = [
    [
      'unknown layer type',
      (j) => {
        j.layers[1].type = 'maxpool';
      },
      /model\.json: layers\[1\]\.type: unknown layer type "maxpool"/,
    ],
    [
      'τ ≤ 0',
      (j) => {
        j.layers[0].neuron.tauS = 0;
      },
      /layers\[0\]\.neuron\.tauS: must be > 0/,
    ],
    [
      'missing threshold',
      (j) => {
        delete j.layers[2].neuron.threshold;
      },
      /layers\[2\]\.neuron\.threshold: missing/,
    ],
    [
      'maxSpikes 0',
      (j) => {
        j.layers[2].neuron.maxSpikes = 0;
      },
      /layers\[2\]\.neuron\.maxSpikes/,
    ],
    [
      'missing labels',
      (j) => {
        delete j.labels;
      },
      /labels: missing/,
    ],
    [
      'wrong label count',
      (j) => {
        j.labels.pop();
      },
      /labels: 3 labels for 4 output neurons/,
    ],
    [
      'dense shape vs size',
      (j) => {
        j.layers[2].size = 5;
      },
      /layers\[2\]\.weights\.shape/,
    ],
    [
      'dense inputs vs previous layer',
      (j) => {
        j.layers[2].weights.shape = [26, 4];
      },
      /weights/,
    ],
    [
      'conv kernel vs shape',
      (j) => {
        j.layers[0].kernel = 5;
      },
      /layers\[0\]\.weights\.shape/,
    ],
    [
      'input shape vs mapping',
      (j) => {
        j.input.mapping.downsample = 3;
      },
      /input\.shape/,
    ],
    [
      'schema version',
      (j) => {
        j.schemaVersion = 99;
      },
      /schemaVersion/,
    ],
    [
      'readout kind',
      (j) => {
        j.readout.kind = 'max';
      },
      /readout\.kind/,
    ],
    [
      'time unit',
      (j) => {
        j.timeUnitUs = -1;
      },
      /timeUnitUs: must be > 0/,
    ],
    [
      'crop outside sensor',
      (j) => {
        j.input.mapping.crop.x = 4;
      },
      /input\.mapping\.crop/,
    ],
    [
      'offset not aligned',
      (j) => {
        j.layers[2].weights.offset = 2;
      },
      /layers\[2\]\.weights\.offset/,
    ],
    [
      'provenance seed not a number',
      (j) => {
        j.provenance.seed = 'x';
      },
      /provenance\.seed: must be a finite number/,
    ],
  ];
  for (const [label, mutate, msg] of cases) {
    it(`rejects ${label}, naming the field`, () => {
      const { json, weights } = serializeModel(model());
      const j = JSON.parse(json);
      mutate(j);
      expect(() => parseModel(j, weights)).toThrow(ModelFileError);
      expect(() => parseModel(j, weights)).toThrow(msg);
    });
  }

  it('rejects NaN weights naming the layer, index and byte', () => {
    const { json, weights } = serializeModel(model());
    const bad = weights.slice();
    new DataView(bad.buffer).setFloat32(4 * 60, Number.NaN, true);
    expect(() => parseModel(JSON.parse(json), bad)).toThrow(
      /weights\.bin: layers\[2\]\.weights\[6\]: weight is NaN \(byte 240\)/,
    );
  });

  it('rejects a weights file of the wrong length', () => {
    const { json, weights } = serializeModel(model());
    expect(() => parseModel(JSON.parse(json), weights.subarray(0, weights.length - 4))).toThrow(
      /weights\.bin: layers\[2\]\.weights: needs bytes/,
    );
    const longer = new Uint8Array(weights.length + 8);
    longer.set(weights);
    expect(() => parseModel(JSON.parse(json), longer)).toThrow(/weights\.bin: length: the layers use/);
    expect(() => parseModel(JSON.parse(json), weights.subarray(0, weights.length - 1))).toThrow(
      /whole number of float32/,
    );
  });

  it('names the file when model.json is missing or not JSON', () => {
    const dir = tmp();
    expect(() => loadModel(dir)).toThrow(/model\.json: \(file\): cannot read/);
    writeFileSync(join(dir, 'model.json'), '{ nope');
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(0));
    expect(() => loadModel(dir)).toThrow(/model\.json: \(json\)/);
  });

  it('the saver refuses a model the loader would refuse', () => {
    expect(() => serializeModel({ ...model(), labels: ['a'] })).toThrow(/labels/);
  });
});
