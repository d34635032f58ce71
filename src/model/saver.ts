/** Writes a ModelSpec as model.json + weights.bin (little-endian float32, tightly packed in layer order). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNetworkSpec } from '../snn/validate.ts';
import { parseModel } from './loader.ts';
import { MODEL_FORMAT, MODEL_SCHEMA_VERSION, type ModelSpec } from './schema.ts';

/** The JSON document and weight bytes for `spec`; throws ModelFileError if the loader would refuse them. */
export function serializeModel(spec: ModelSpec): { json: string; weights: Uint8Array } {
  const { inputShapes } = checkNetworkSpec(spec);
  let offset = 0;
  const parts: Float32Array[] = [];
  const layers = spec.layers.map((l, i) => {
    if (l.type === 'pool') {
      return {
        type: 'pool',
        ...(l.name ? { name: l.name } : {}),
        kernel: l.kernel,
        ...(l.stride ? { stride: l.stride } : {}),
      };
    }
    const shape =
      l.type === 'dense'
        ? [inputShapes[i].reduce((p, q) => p * q, 1), l.size]
        : [
            l.outChannels,
            inputShapes[i][0],
            ...(typeof l.kernel === 'number' ? [l.kernel, l.kernel] : l.kernel),
          ];
    const weights = { offset, shape };
    offset += l.weights.length * 4;
    parts.push(l.weights);
    const { weights: _w, ...rest } = l;
    return { ...rest, weights };
  });
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  let pos = 0;
  for (const w of parts) {
    for (let k = 0; k < w.length; k++, pos += 4) view.setFloat32(pos, w[k], true);
  }
  const doc = {
    format: MODEL_FORMAT,
    schemaVersion: MODEL_SCHEMA_VERSION,
    name: spec.name,
    description: spec.description,
    timeUnitUs: spec.timeUnitUs,
    input: { shape: spec.inputShape, mapping: spec.inputMapping },
    layers,
    readout: spec.readout,
    labels: spec.labels,
    ...(spec.provenance ? { provenance: spec.provenance } : {}),
    ...(spec.metrics ? { metrics: spec.metrics } : {}),
  };
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  // never write what the loader would refuse
  parseModel(JSON.parse(json), bytes, {
    json: `${spec.name}/model.json`,
    weights: `${spec.name}/weights.bin`,
  });
  return { json, weights: bytes };
}

/** Writes `dir/model.json` and `dir/weights.bin` (creating `dir`). */
export function saveModel(dir: string, spec: ModelSpec): void {
  const { json, weights } = serializeModel(spec);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), weights);
  writeFileSync(join(dir, 'model.json'), json);
}
