/**
 * Reads and validates a model directory (model.json + weights.bin). Every check names the file and
 * the field; nothing half-valid gets through (shapes, finite weights, layer types, labels, τ > 0,
 * the weights file length, the input mapping against the input shape).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkSpecError } from '../snn/errors.ts';
import type { LayerSpec, NeuronParams } from '../snn/spec.ts';
import { checkNetworkSpec } from '../snn/validate.ts';
import { ModelFileError } from './errors.ts';
import { inputMappingShape } from './input-mapping.ts';
import {
  type InputMapping,
  MODEL_FORMAT,
  MODEL_SCHEMA_VERSION,
  type ModelSpec,
  type Provenance,
  type ReadoutSpec,
} from './schema.ts';

type Json = Record<string, unknown>;

/** Field reader that turns every problem into a ModelFileError naming file and field. */
class Reader {
  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new ModelFileError(this.file, field, message);
  }

  object(v: unknown, field: string): Json {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      this.fail(field, `must be an object, got ${describe(v)}`);
    return v as Json;
  }

  string(o: Json, key: string, field: string, optional = false): string | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string')
      this.fail(`${field}${key}`, v === undefined ? 'missing' : `must be a string, got ${describe(v)}`);
    return v;
  }

  number(
    o: Json,
    key: string,
    field: string,
    check: 'positive' | 'nonnegative' | 'any',
    optional = false,
  ): number | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.fail(
        `${field}${key}`,
        v === undefined ? 'missing' : `must be a finite number, got ${describe(v)}`,
      );
    }
    if (check === 'positive' && !(v > 0)) this.fail(`${field}${key}`, `must be > 0, got ${v}`);
    if (check === 'nonnegative' && !(v >= 0)) this.fail(`${field}${key}`, `must be ≥ 0, got ${v}`);
    return v;
  }

  int(o: Json, key: string, field: string, min: number, optional = false): number | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.fail(
        `${field}${key}`,
        v === undefined ? 'missing' : `must be an integer ≥ ${min}, got ${describe(v)}`,
      );
    }
    return v;
  }

  intList(v: unknown, field: string, min: number, lengths: readonly number[]): number[] {
    if (
      !Array.isArray(v) ||
      !lengths.includes(v.length) ||
      !v.every((n) => Number.isInteger(n) && n >= min)
    ) {
      this.fail(field, `must be ${lengths.join(' or ')} integers ≥ ${min}, got ${describe(v)}`);
    }
    return v as number[];
  }

  /** `number | [y, x]` kernel/stride/padding values. */
  pairOrNumber(
    o: Json,
    key: string,
    field: string,
    min: number,
    optional: boolean,
  ): number | [number, number] | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    if (Array.isArray(v)) return this.intList(v, `${field}${key}`, min, [2]) as [number, number];
    return this.fail(`${field}${key}`, `must be an integer ≥ ${min} or [y, x], got ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Builds a ModelSpec from parsed model.json content and the weights bytes. `files` names both
 * files in error messages.
 */
export function parseModel(
  json: unknown,
  weightsBytes: Uint8Array,
  files: { json: string; weights: string } = { json: 'model.json', weights: 'weights.bin' },
): ModelSpec {
  const r = new Reader(files.json);
  const root = r.object(json, '(root)');
  if (root.format !== MODEL_FORMAT)
    r.fail('format', `must be "${MODEL_FORMAT}", got ${describe(root.format)}`);
  if (root.schemaVersion !== MODEL_SCHEMA_VERSION) {
    r.fail(
      'schemaVersion',
      `this spikestream reads version ${MODEL_SCHEMA_VERSION}, got ${describe(root.schemaVersion)}`,
    );
  }
  const name = r.string(root, 'name', '') as string;
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    r.fail('name', `must be letters, digits, ".", "_" or "-", got ${describe(name)}`);
  const description = r.string(root, 'description', '', true) ?? '';
  const timeUnitUs = r.number(root, 'timeUnitUs', '', 'positive') as number;

  const input = r.object(root.input, 'input');
  const inputShape = r.intList(input.shape, 'input.shape', 1, [1, 3]);
  const inputMapping = parseMapping(r, r.object(input.mapping, 'input.mapping'));

  if (!Array.isArray(root.layers) || root.layers.length === 0) r.fail('layers', 'must be a non-empty array');
  const floats = readFloats(weightsBytes, files.weights);
  let usedEnd = 0;
  const layers: LayerSpec[] = (root.layers as unknown[]).map((raw, i) => {
    const f = `layers[${i}].`;
    const o = r.object(raw, `layers[${i}]`);
    const type = o.type;
    const lname = r.string(o, 'name', f, true);
    const named = lname === undefined ? {} : { name: lname };
    if (type === 'pool') {
      const kernel = r.pairOrNumber(o, 'kernel', f, 1, false) as number | [number, number];
      const stride = r.pairOrNumber(o, 'stride', f, 1, true);
      return { type: 'pool', ...named, kernel, ...(stride === undefined ? {} : { stride }) };
    }
    if (type !== 'dense' && type !== 'conv2d') {
      return r.fail(`${f}type`, `unknown layer type ${describe(type)} (dense, conv2d, pool)`);
    }
    const neuron = parseNeuron(r, r.object(o.neuron, `${f}neuron`), `${f}neuron.`);
    const wref = r.object(o.weights, `${f}weights`);
    const offset = r.int(wref, 'offset', `${f}weights.`, 0) as number;
    if (offset % 4 !== 0) r.fail(`${f}weights.offset`, `must be a multiple of 4 bytes, got ${offset}`);
    const shape = r.intList(wref.shape, `${f}weights.shape`, 1, type === 'dense' ? [2] : [4]);
    const count = shape.reduce((p, q) => p * q, 1);
    const start = offset / 4;
    if (start + count > floats.length) {
      throw new ModelFileError(
        files.weights,
        `${f}weights`,
        `needs bytes ${offset}..${offset + 4 * count} but the file has ${weightsBytes.length} bytes`,
      );
    }
    usedEnd = Math.max(usedEnd, start + count);
    const weights = floats.subarray(start, start + count);
    for (let k = 0; k < count; k++) {
      if (!Number.isFinite(weights[k])) {
        throw new ModelFileError(
          files.weights,
          `${f}weights[${k}]`,
          `weight is ${weights[k]} (byte ${offset + 4 * k})`,
        );
      }
    }
    if (type === 'dense') {
      const size = r.int(o, 'size', f, 1) as number;
      if (shape[1] !== size)
        r.fail(`${f}weights.shape`, `[inputs, size] must end with size ${size}, got ${describe(shape)}`);
      return { type: 'dense', ...named, size, neuron, weights };
    }
    const outChannels = r.int(o, 'outChannels', f, 1) as number;
    const kernel = r.pairOrNumber(o, 'kernel', f, 1, false) as number | [number, number];
    const stride = r.pairOrNumber(o, 'stride', f, 1, true);
    const padding = r.pairOrNumber(o, 'padding', f, 0, true);
    const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    if (shape[0] !== outChannels || shape[2] !== kh || shape[3] !== kw) {
      r.fail(
        `${f}weights.shape`,
        `must be [${outChannels}, inChannels, ${kh}, ${kw}], got ${describe(shape)}`,
      );
    }
    return {
      type: 'conv2d',
      ...named,
      outChannels,
      kernel,
      ...(stride === undefined ? {} : { stride }),
      ...(padding === undefined ? {} : { padding }),
      neuron,
      weights,
    };
  });
  if (usedEnd * 4 !== weightsBytes.length) {
    throw new ModelFileError(
      files.weights,
      'length',
      `the layers use ${usedEnd * 4} bytes but the file has ${weightsBytes.length} (wrong weights file?)`,
    );
  }

  // shapes through the network (and weight counts against the actual input sizes)
  let outputShapes: number[][];
  try {
    outputShapes = checkNetworkSpec({ inputShape, layers }, { checkWeightValues: false }).outputShapes;
  } catch (err) {
    if (err instanceof NetworkSpecError) r.fail(err.field, err.message.slice(err.field.length + 2));
    throw err;
  }
  const mappingShape = inputMappingShape(inputMapping);
  if (mappingShape.reduce((p, q) => p * q, 1) !== inputShape.reduce((p, q) => p * q, 1)) {
    r.fail(
      'input.shape',
      `[${inputShape.join(', ')}] does not match the input mapping, which gives [${mappingShape.join(', ')}]`,
    );
  }

  const readout = parseReadout(r, r.object(root.readout, 'readout'));
  if (!Array.isArray(root.labels))
    r.fail('labels', root.labels === undefined ? 'missing' : 'must be an array of strings');
  const labels = root.labels as unknown[];
  labels.forEach((l, i) => {
    if (typeof l !== 'string' || l.length === 0)
      r.fail(`labels[${i}]`, `must be a non-empty string, got ${describe(l)}`);
  });
  const outSize = outputShapes[outputShapes.length - 1].reduce((p, q) => p * q, 1);
  if (labels.length !== outSize) r.fail('labels', `${labels.length} labels for ${outSize} output neurons`);

  let provenance: Provenance | undefined;
  if (root.provenance !== undefined) {
    const p = r.object(root.provenance, 'provenance');
    for (const key of ['command', 'data', 'date', 'gitCommit', 'method'])
      r.string(p, key, 'provenance.', true);
    r.number(p, 'seed', 'provenance.', 'any', true);
    provenance = p as Provenance;
  }
  let metrics: Record<string, number | string | null> | undefined;
  if (root.metrics !== undefined) {
    const m = r.object(root.metrics, 'metrics');
    for (const [k, v] of Object.entries(m)) {
      if (!(v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) {
        r.fail(`metrics.${k}`, `must be a number, string or null, got ${describe(v)}`);
      }
    }
    metrics = m as Record<string, number | string | null>;
  }
  return {
    name,
    description,
    timeUnitUs,
    inputShape,
    inputMapping,
    layers,
    readout,
    labels: labels as string[],
    ...(provenance ? { provenance } : {}),
    ...(metrics ? { metrics } : {}),
  };
}

function parseNeuron(r: Reader, o: Json, f: string): NeuronParams {
  return {
    tauS: r.number(o, 'tauS', f, 'positive') as number,
    threshold: r.number(o, 'threshold', f, 'positive') as number,
    maxSpikes: r.int(o, 'maxSpikes', f, 1) as number,
  };
}

function parseMapping(r: Reader, o: Json): InputMapping {
  const f = 'input.mapping.';
  if (o.kind === 'image') {
    const channels = r.int(o, 'channels', f, 1, true);
    return {
      kind: 'image',
      width: r.int(o, 'width', f, 1) as number,
      height: r.int(o, 'height', f, 1) as number,
      ...(channels === undefined ? {} : { channels }),
      window: r.number(o, 'window', f, 'positive') as number,
    };
  }
  if (o.kind !== 'events') return r.fail(`${f}kind`, `must be "events" or "image", got ${describe(o.kind)}`);
  const sensorWidth = r.int(o, 'sensorWidth', f, 1) as number;
  const sensorHeight = r.int(o, 'sensorHeight', f, 1) as number;
  const downsample = r.int(o, 'downsample', f, 1, true);
  const polarity = o.polarity;
  if (polarity !== 'split' && polarity !== 'merge' && polarity !== 'on' && polarity !== 'off') {
    return r.fail(`${f}polarity`, `must be "split", "merge", "on" or "off", got ${describe(polarity)}`);
  }
  let crop: { x: number; y: number; width: number; height: number } | undefined;
  if (o.crop !== undefined) {
    const c = r.object(o.crop, `${f}crop`);
    crop = {
      x: r.int(c, 'x', `${f}crop.`, 0) as number,
      y: r.int(c, 'y', `${f}crop.`, 0) as number,
      width: r.int(c, 'width', `${f}crop.`, 1) as number,
      height: r.int(c, 'height', `${f}crop.`, 1) as number,
    };
    if (crop.x + crop.width > sensorWidth || crop.y + crop.height > sensorHeight) {
      r.fail(`${f}crop`, `${describe(o.crop)} does not fit the ${sensorWidth}×${sensorHeight} sensor`);
    }
  }
  return {
    kind: 'events',
    sensorWidth,
    sensorHeight,
    ...(crop ? { crop } : {}),
    ...(downsample === undefined ? {} : { downsample }),
    polarity,
  };
}

function parseReadout(r: Reader, o: Json): ReadoutSpec {
  const f = 'readout.';
  if (o.kind !== 'first-spike' && o.kind !== 'spike-count') {
    return r.fail(`${f}kind`, `must be "first-spike" or "spike-count", got ${describe(o.kind)}`);
  }
  const window = r.number(o, 'window', f, 'positive') as number;
  const margin = r.int(o, 'margin', f, 0, true);
  return { kind: o.kind, window, ...(margin === undefined ? {} : { margin }) };
}

function readFloats(bytes: Uint8Array, file: string): Float32Array {
  if (bytes.length % 4 !== 0)
    throw new ModelFileError(file, 'length', `${bytes.length} bytes is not a whole number of float32`);
  const n = bytes.length / 4;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** Loads `dir/model.json` and `dir/weights.bin`. Throws ModelFileError naming the file and field. */
export function loadModel(dir: string): ModelSpec {
  const jsonPath = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.bin');
  let text: string;
  try {
    text = readFileSync(jsonPath, 'utf8');
  } catch (err) {
    throw new ModelFileError(jsonPath, '(file)', `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(jsonPath, '(json)', (err as Error).message);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(weightsPath);
  } catch (err) {
    throw new ModelFileError(weightsPath, '(file)', `cannot read: ${(err as Error).message}`);
  }
  return parseModel(json, bytes, { json: jsonPath, weights: weightsPath });
}
