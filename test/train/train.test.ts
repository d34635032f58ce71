import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadYinYang } from '../../src/datasets/yinyang.ts';
import { loadModel } from '../../src/model/loader.ts';
import { defaultConfig, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { evaluate } from '../../src/train/evaluate.ts';
import { train } from '../../src/train/train.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spikestream-train-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function quick(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...defaultConfig('ttfs', 'yinyang'),
    hidden: [30],
    thresholds: [0.1, 0.5],
    lr: 0.003,
    tauLoss: 0.01,
    epochs: 4,
    batchSize: 25,
    trainLimit: 500,
    validationLimit: 200,
    workers: 0,
    ...overrides,
  };
}

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

  it('rejects bad configurations naming the field', () => {
    expect(() => validateConfig(quick({ thresholds: [0.1] }))).toThrow(/thresholds/);
    expect(() => validateConfig(quick({ maxSpikes: [2, 1] }))).toThrow(/maxSpikes/);
    expect(() => validateConfig(quick({ lr: -1 }))).toThrow(/lr/);
    expect(() => validateConfig(quick({ window: 1000 }))).toThrow(/window/);
    expect(() => validateConfig(quick({ augmentShift: 1.5 }))).toThrow(/augmentShift/);
  });
});
