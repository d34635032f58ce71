/** Checks a NetworkSpec before compilation; every failure names the field. */
import { NetworkSpecError } from './errors.ts';
import { conv2dGeometry, pair } from './layers/conv2d.ts';
import type { LayerSpec, NeuronParams, NetworkSpec } from './spec.ts';

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function checkPair(v: unknown, field: string, min: number, optional: boolean): void {
  if (v === undefined && optional) return;
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= min;
  if (typeof v === 'number') {
    if (!ok(v)) throw new NetworkSpecError(field, `must be an integer ≥ ${min}, got ${v}`);
    return;
  }
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return;
  throw new NetworkSpecError(
    field,
    `must be an integer ≥ ${min} or [y, x] of such, got ${JSON.stringify(v)}`,
  );
}

export function checkNeuronParams(p: NeuronParams | undefined, field: string): void {
  if (p === null || typeof p !== 'object') throw new NetworkSpecError(field, 'missing neuron parameters');
  if (typeof p.tauS !== 'number' || !Number.isFinite(p.tauS) || p.tauS <= 0) {
    throw new NetworkSpecError(`${field}.tauS`, `must be a finite number > 0, got ${String(p.tauS)}`);
  }
  if (typeof p.threshold !== 'number' || !Number.isFinite(p.threshold) || p.threshold <= 0) {
    throw new NetworkSpecError(
      `${field}.threshold`,
      `must be a finite number > 0, got ${String(p.threshold)}`,
    );
  }
  if (!isPositiveInt(p.maxSpikes)) {
    throw new NetworkSpecError(`${field}.maxSpikes`, `must be an integer ≥ 1, got ${String(p.maxSpikes)}`);
  }
}

function checkWeights(w: unknown, expected: number, field: string, checkValues: boolean): void {
  if (!(w instanceof Float32Array)) throw new NetworkSpecError(field, 'must be a Float32Array');
  if (w.length !== expected) {
    throw new NetworkSpecError(field, `expected ${expected} weights, got ${w.length}`);
  }
  if (checkValues) {
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) throw new NetworkSpecError(`${field}[${i}]`, `weight is ${w[i]}`);
    }
  }
}

/** Output shape of one layer given its input shape. Throws NetworkSpecError on a mismatch. */
export function layerOutputShape(layer: LayerSpec, inputShape: readonly number[], field: string): number[] {
  switch (layer.type) {
    case 'dense':
      if (!isPositiveInt(layer.size)) {
        throw new NetworkSpecError(`${field}.size`, `must be an integer ≥ 1, got ${String(layer.size)}`);
      }
      return [layer.size];
    case 'conv2d': {
      if (inputShape.length !== 3) {
        throw new NetworkSpecError(
          field,
          `conv2d needs a [channels, height, width] input, got [${inputShape.join(', ')}]`,
        );
      }
      if (!isPositiveInt(layer.outChannels)) {
        throw new NetworkSpecError(
          `${field}.outChannels`,
          `must be an integer ≥ 1, got ${String(layer.outChannels)}`,
        );
      }
      checkPair(layer.kernel, `${field}.kernel`, 1, false);
      checkPair(layer.stride, `${field}.stride`, 1, true);
      checkPair(layer.padding, `${field}.padding`, 0, true);
      const g = conv2dGeometry(layer, inputShape);
      if (g.outHeight < 1 || g.outWidth < 1) {
        throw new NetworkSpecError(field, `kernel larger than the padded input [${inputShape.join(', ')}]`);
      }
      return [g.outChannels, g.outHeight, g.outWidth];
    }
    case 'pool': {
      if (inputShape.length !== 3) {
        throw new NetworkSpecError(
          field,
          `pool needs a [channels, height, width] input, got [${inputShape.join(', ')}]`,
        );
      }
      checkPair(layer.kernel, `${field}.kernel`, 1, false);
      checkPair(layer.stride, `${field}.stride`, 1, true);
      const [kh, kw] = pair(layer.kernel, 1);
      const [sy, sx] = pair(layer.stride ?? layer.kernel, 1);
      const oh = Math.floor((inputShape[1] - kh) / sy) + 1;
      const ow = Math.floor((inputShape[2] - kw) / sx) + 1;
      if (oh < 1 || ow < 1) throw new NetworkSpecError(field, 'pooling window larger than the input');
      return [inputShape[0], oh, ow];
    }
    default: {
      const t = (layer as { type?: unknown }).type;
      throw new NetworkSpecError(
        `${field}.type`,
        `unknown layer type ${JSON.stringify(t)} (dense, conv2d, pool)`,
      );
    }
  }
}

/** Validates the whole spec; returns each layer's input and output shapes. */
export function checkNetworkSpec(
  spec: NetworkSpec,
  options: { checkWeightValues?: boolean } = {},
): { inputShapes: number[][]; outputShapes: number[][] } {
  const checkValues = options.checkWeightValues ?? true;
  if (spec === null || typeof spec !== 'object') throw new NetworkSpecError('spec', 'must be an object');
  const shape = spec.inputShape;
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 3) || !shape.every(isPositiveInt)) {
    throw new NetworkSpecError(
      'inputShape',
      `must be [size] or [channels, height, width] of integers ≥ 1, got ${JSON.stringify(shape)}`,
    );
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new NetworkSpecError('layers', 'must be a non-empty array');
  }
  const inputShapes: number[][] = [];
  const outputShapes: number[][] = [];
  let current: number[] = [...shape];
  spec.layers.forEach((layer, i) => {
    const field = `layers[${i}]`;
    if (layer === null || typeof layer !== 'object') throw new NetworkSpecError(field, 'must be an object');
    const out = layerOutputShape(layer, current, field);
    const inSize = current.reduce((p, q) => p * q, 1);
    if (layer.type === 'dense') {
      checkNeuronParams(layer.neuron, `${field}.neuron`);
      checkWeights(layer.weights, inSize * layer.size, `${field}.weights`, checkValues);
    } else if (layer.type === 'conv2d') {
      checkNeuronParams(layer.neuron, `${field}.neuron`);
      const [kh, kw] = pair(layer.kernel, 1);
      checkWeights(layer.weights, layer.outChannels * current[0] * kh * kw, `${field}.weights`, checkValues);
    }
    inputShapes.push(current);
    outputShapes.push(out);
    current = out;
  });
  return { inputShapes, outputShapes };
}
