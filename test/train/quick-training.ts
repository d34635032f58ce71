/** Shared by the training tests: throw-away model directories and a small, fast Yin-Yang run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { defaultConfig, type TrainConfig } from '../../src/train/config.ts';

/** Returns a maker of fresh temporary directories, all removed after the calling test file. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/** A TTFS Yin-Yang configuration that trains in about a second, in the main thread. */
export function quickYinYang(overrides: Partial<TrainConfig> = {}): TrainConfig {
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
