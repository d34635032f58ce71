/**
 * Models as the server serves them: a model directory loaded and checked, its card (README.md),
 * and the summary sent in `hello` and `GET /api/models`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../events/errors.ts';
import { loadModel } from '../model/loader.ts';
import type { ModelSpec } from '../model/schema.ts';
import type { Classifier } from '../operators/classify/classifier.ts';
import type { ModelSummary } from '../protocol/messages.ts';

export interface LoadedModel {
  readonly dir: string;
  readonly spec: ModelSpec;
  /** The model card (README.md), when the directory has one. */
  readonly card: string | undefined;
}

/** Loads `dir/model.json` (+ weights.bin, README.md). Errors name the missing path or bad field. */
export function loadModelDir(dir: string, what = 'model'): LoadedModel {
  const json = join(dir, 'model.json');
  if (!existsSync(json)) throw new UsageError(`${what} not found: ${json} does not exist`);
  const spec = loadModel(dir);
  const cardPath = join(dir, 'README.md');
  const card = existsSync(cardPath) ? readFileSync(cardPath, 'utf8') : undefined;
  return { dir, spec, card };
}

/** "ttfs" for first-spike readouts, "relaxed" for spike counts (or the provenance's method). */
export function modelMethod(spec: ModelSpec): string {
  const m = spec.provenance?.method;
  if (typeof m === 'string' && m.length > 0) return m;
  return spec.readout.kind === 'first-spike' ? 'ttfs' : 'relaxed';
}

export function modelSummary(classifier: Classifier, hasCard: boolean): ModelSummary {
  const spec = classifier.model;
  const inputSize = spec.inputShape.reduce((a, b) => a * b, 1);
  const sizes = [inputSize];
  const probe = classifier.layerSizes();
  for (const s of probe) sizes.push(s);
  return {
    name: classifier.name,
    method: modelMethod(spec),
    labels: [...spec.labels],
    layerSizes: sizes,
    window: classifier.describeWindow(),
    decision: classifier.describeDecision(),
    costTable: classifier.costTable.name,
    hasCard,
  };
}
