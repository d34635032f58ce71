import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYinYang } from '../../src/datasets/yinyang.ts';
import { loadModel } from '../../src/model/loader.ts';
import type { ModelSpec } from '../../src/model/schema.ts';
import { defaultConfig, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { evaluate } from '../../src/train/evaluate.ts';
import { modelCard } from '../../src/train/model-card.ts';
import { averageSelected, type EpochRecord, initialisedFrom, train } from '../../src/train/train.ts';
import { quickYinYang, tempDirs } from './quick-training.ts';

const tmp = tempDirs('spikestream-train-');
const quick = quickYinYang;

function weightsOf(dir: string): Buffer {
  return readFileSync(join(dir, 'weights.bin'));
}

describe('train', () => {
  it('learns Yin-Yang well above chance and writes a model the loader accepts', async () => {
    const out = tmp();
    const r = await train({ config: quick({ epochs: 10, hidden: [60] }), out, progress: false });
    expect(r.history).toHaveLength(10);
    const best = r.history[r.bestEpoch - 1].validationAccuracy;
    expect(best).toBeGreaterThan(0.6);
    const model = loadModel(out);
    expect(model.labels).toEqual(['yin', 'yang', 'dot']);
    // the saved weights are the best epoch's: evaluating them on the validation split reproduces its accuracy
    const val = loadYinYang({ split: 'validation', size: 200, seed: 41 });
    const report = evaluate(model, val);
    expect(report.accuracy).toBeCloseTo(best, 10);
    const log = readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n');
    expect(log).toHaveLength(10);
  });

  it('is deterministic given a seed, also with worker threads', async () => {
    const a = tmp();
    const b = tmp();
    await train({ config: quick({ workers: 2, epochs: 2 }), out: a, progress: false });
    await train({ config: quick({ workers: 2, epochs: 2 }), out: b, progress: false });
    expect(weightsOf(a).equals(weightsOf(b))).toBe(true);
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted run', async () => {
    const whole = tmp();
    const split = tmp();
    await train({ config: quick({ epochs: 4 }), out: whole, progress: false });
    await train({ config: quick({ epochs: 2 }), out: split, progress: false });
    const resumed = await train({ config: quick({ epochs: 4 }), out: split, resume: true, progress: false });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(weightsOf(whole).equals(weightsOf(split))).toBe(true);
  });

  it('averages the weights over epochs and keeps the mean when it validates best', async () => {
    const out = tmp();
    const perEpoch: Float32Array[] = [];
    const onEpoch = () => {
      const bytes = readFileSync(join(out, 'checkpoint', 'weights.f32'));
      perEpoch.push(new Float32Array(new Uint8Array(bytes).buffer));
    };
    const cfg = quick({ epochs: 8, averageFrom: 4 });
    const r = await train({ config: cfg, out, progress: false, onEpoch });
    const history: readonly EpochRecord[] = r.history;
    expect(history.slice(0, 3).every((h) => h.averageValidationAccuracy === undefined)).toBe(true);

    const val = loadYinYang({ split: 'validation', size: 200, seed: 41 });
    const saved = loadModel(out);
    const withWeights = (flat: Float32Array): ModelSpec => {
      let o = 0;
      const layers = saved.layers.map((layer) => {
        if (layer.type !== 'dense') throw new Error('dense expected');
        const weights = flat.slice(o, o + layer.weights.length);
        o += layer.weights.length;
        return { ...layer, weights };
      });
      return { ...saved, layers };
    };
    const sum = new Float64Array(perEpoch[0].length);
    const means: Float32Array[] = [];
    for (let e = 4; e <= 8; e++) {
      const w = perEpoch[e - 1];
      for (let i = 0; i < w.length; i++) sum[i] += w[i];
      const mean = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) mean[i] = sum[i] / (e - 3);
      means[e] = mean;
      const recorded = history[e - 1].averageValidationAccuracy;
      expect(evaluate(withWeights(mean), val).accuracy).toBeCloseTo(recorded ?? Number.NaN, 10);
    }

    const best = history[r.bestEpoch - 1];
    const candidates = history.flatMap((h) => [h.validationAccuracy, h.averageValidationAccuracy ?? 0]);
    const chosen = averageSelected(best) ? best.averageValidationAccuracy : best.validationAccuracy;
    expect(chosen).toBe(Math.max(...candidates));
    // with this seed the mean wins, so the saved weights are the mean up to the best epoch
    expect(averageSelected(best)).toBe(true);
    const savedFlat = new Float32Array(new Uint8Array(weightsOf(out)).buffer);
    expect(savedFlat).toEqual(means[r.bestEpoch]);
    expect(evaluate(saved, val).accuracy).toBeCloseTo(chosen ?? Number.NaN, 10);
    const card = modelCard(r.model, cfg, evaluate(saved, val), history, r.bestEpoch, 'train');
    expect(card).toContain(`the mean of the weights after epochs 4–${r.bestEpoch}`);

    // a resumed run carries the running sum over and ends exactly where the straight run did
    const split = tmp();
    await train({ config: quick({ epochs: 5, averageFrom: 4 }), out: split, progress: false });
    const resumed = await train({ config: cfg, out: split, resume: true, progress: false });
    expect(resumed.history).toEqual(
      history.map((h, i) => ({
        ...h,
        seconds: resumed.history[i].seconds,
        samplesPerSecond: resumed.history[i].samplesPerSecond,
      })),
    );
    expect(weightsOf(split).equals(weightsOf(out))).toBe(true);
  });

  it('augments with input shifts drawn per sample and epoch, the same in any thread', async () => {
    const digits = (overrides: Partial<TrainConfig>): TrainConfig =>
      quick({
        ...defaultConfig('ttfs', 'mnist'),
        hidden: [100],
        epochs: 2,
        batchSize: 20,
        trainLimit: 120,
        validationLimit: 40,
        ...overrides,
      });
    const plain = tmp();
    const local = tmp();
    const threads = tmp();
    await train({ config: digits({ workers: 0 }), out: plain, progress: false });
    await train({ config: digits({ workers: 0, augmentShift: 2 }), out: local, progress: false });
    await train({ config: digits({ workers: 2, augmentShift: 2 }), out: threads, progress: false });
    expect(weightsOf(local).equals(weightsOf(threads))).toBe(true);
    expect(weightsOf(local).equals(weightsOf(plain))).toBe(false);
    await expect(train({ config: quick({ augmentShift: 1 }), out: tmp(), progress: false })).rejects.toThrow(
      /augmentShift.*1×4/,
    );
  });

  it('starts from the weights of another model and records the command that made them', async () => {
    const first = tmp();
    await train({ config: quick({ epochs: 2 }), out: first, command: 'train stage one', progress: false });
    const firstWeights = new Float32Array(new Uint8Array(weightsOf(first)).buffer);
    const maxDiff = (dir: string) => {
      const w = new Float32Array(new Uint8Array(weightsOf(dir)).buffer);
      let d = 0;
      for (let i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - firstWeights[i]));
      return d;
    };
    // a learning rate too small to move the weights shows what the run started from; the cold run
    // starts from the same seed as the first, so it differs from it only by what training moved
    const still = { lr: 1e-9, epochs: 1 };
    const warm = tmp();
    const cfg = quick({ ...still, initFrom: first });
    const r = await train({ config: cfg, out: warm, command: 'train stage two', progress: false });
    const cold = tmp();
    await train({ config: quick(still), out: cold, progress: false });
    expect(maxDiff(warm)).toBeLessThan(1e-5);
    expect(maxDiff(cold)).toBeGreaterThan(0.01);
    expect(r.model.provenance?.initialisedFrom).toEqual({
      dir: first,
      name: loadModel(first).name,
      stages: [{ command: 'train stage one', epochs: 2 }],
    });
    const val = loadYinYang({ split: 'validation', size: 200, seed: 41 });
    const card = modelCard(r.model, cfg, evaluate(r.model, val), r.history, r.bestEpoch, 'train stage two');
    expect(card.indexOf('train stage one')).toBeGreaterThan(0);
    expect(card.indexOf('train stage one')).toBeLessThan(card.indexOf('train stage two'));

    // a third stage records the whole chain, so its card lists every command in order
    const third = tmp();
    const r3 = await train({
      config: quick({ ...still, initFrom: warm }),
      out: third,
      command: 'train stage three',
      progress: false,
    });
    expect(initialisedFrom(r3.model)?.stages).toEqual([
      { command: 'train stage one', epochs: 2 },
      { command: 'train stage two', epochs: 1 },
    ]);
    const card3 = modelCard(
      r3.model,
      cfg,
      evaluate(r3.model, val),
      r3.history,
      r3.bestEpoch,
      'train stage three',
    );
    const order = ['train stage one', 'train stage two', 'train stage three'].map((c) => card3.indexOf(c));
    expect(order[0]).toBeGreaterThan(0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(card3).toContain('Trained in 3 stages');

    const other = train({ config: quick({ hidden: [20], initFrom: first }), out: tmp(), progress: false });
    await expect(other).rejects.toThrow(/model\.json: architecture 4-30-3 does not match 4-20-3/);
  });

  it('reads the starting model of a model trained before stages were recorded', async () => {
    const out = tmp();
    const { model } = await train({ config: quick({ epochs: 1 }), out, progress: false });
    const older = {
      ...model,
      provenance: {
        ...model.provenance,
        initialisedFrom: { dir: 'models/a', name: 'a', command: 'train a --epochs 16' },
      },
    };
    expect(initialisedFrom(older)).toEqual({
      dir: 'models/a',
      name: 'a',
      stages: [{ command: 'train a --epochs 16', epochs: 16 }],
    });
    expect(initialisedFrom(model)).toBeUndefined();
  });

  it('refuses to resume a checkpoint written with other settings', async () => {
    const out = tmp();
    await train({ config: quick({ epochs: 1 }), out, progress: false });
    const changed = train({ config: quick({ epochs: 2, lr: 0.001 }), out, resume: true, progress: false });
    await expect(changed).rejects.toThrow(/checkpoint was written by a run with other settings/);
  });

  it('rejects bad configurations naming the field', () => {
    expect(() => validateConfig(quick({ thresholds: [0.1] }))).toThrow(/thresholds/);
    expect(() => validateConfig(quick({ maxSpikes: [2, 1] }))).toThrow(/maxSpikes/);
    expect(() => validateConfig(quick({ lr: -1 }))).toThrow(/lr/);
    expect(() => validateConfig(quick({ window: 1000 }))).toThrow(/window/);
    expect(() => validateConfig(quick({ augmentShift: 1.5 }))).toThrow(/augmentShift/);
  });
});
