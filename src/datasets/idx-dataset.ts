/**
 * Image classification data sets stored as IDX files in a directory: Fashion-MNIST (Debian
 * package `dataset-fashion-mnist`), full MNIST, EMNIST, or anything laid out the same way.
 *
 * Files looked for (each plain or `.gz`): `[PREFIX]train-images-idx3-ubyte`,
 * `[PREFIX]train-labels-idx1-ubyte`, and for the test split `[PREFIX]t10k-…` or `[PREFIX]test-…`.
 * Splits: `validation` = the last `validationFraction` of the training file, `train` = the rest,
 * `train-full` = the whole training file, `test` = the test file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../events/errors.ts';
import { readIdxFile } from './idx.ts';
import { type ImageDataset, makeImageDataset, type SplitName } from './types.ts';

/** Where the Debian package `dataset-fashion-mnist` installs its IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface IdxDatasetOptions {
  /** Directory holding the IDX files. Required. */
  readonly dir: string;
  /** Which split to load. Default "train". */
  readonly split?: SplitName;
  /** Name reported by the data set. Default "idx:<dir>". */
  readonly name?: string;
  /**
   * File name prefix when the directory holds several data sets (EMNIST: "emnist-balanced-").
   * Default: the only prefix found; an error lists them when there are several.
   */
  readonly prefix?: string;
  /** Class names; default Fashion-MNIST names for a directory named *fashion*, digits for ≤ 10 classes, else "0".."K-1". */
  readonly classNames?: readonly string[];
  /** Share of the training file held out as the validation split (the last samples). Default 0.1. */
  readonly validationFraction?: number;
  /** Transpose each image (EMNIST stores images column-major). Default: true when the prefix starts with "emnist". */
  readonly transpose?: boolean;
  /** Load at most this many samples of the split (from its start). Default: all. */
  readonly limit?: number;
}

const FILE_RE = /^(.*?)(train|t10k|test)-(images-idx3|labels-idx1)-ubyte(\.gz)?$/;

interface FoundFiles {
  images: string;
  labels: string;
}

function findFiles(dir: string, part: 'train' | 'test', prefixOption: string | undefined): FoundFiles {
  if (!existsSync(dir)) throw new UsageError(`IDX data set directory not found: ${dir}`);
  const entries = readdirSync(dir);
  const prefixes = new Set<string>();
  const byKey = new Map<string, string>();
  for (const e of entries) {
    const m = FILE_RE.exec(e);
    if (!m) continue;
    prefixes.add(m[1]);
    const which = m[2] === 'train' ? 'train' : 'test';
    const kind = m[3].startsWith('images') ? 'images' : 'labels';
    const key = `${m[1]}|${which}|${kind}`;
    // Prefer the plain file when both plain and .gz exist (faster to read).
    if (!byKey.has(key) || !m[4]) byKey.set(key, join(dir, e));
  }
  let prefix = prefixOption;
  if (prefix === undefined) {
    if (prefixes.size === 0) {
      throw new UsageError(`no IDX files (train-images-idx3-ubyte[.gz] etc.) found in ${dir}`);
    }
    if (prefixes.size > 1) {
      const list = [...prefixes].map((p) => `"${p}"`).join(', ');
      throw new UsageError(`${dir} holds several IDX data sets (prefixes ${list}); choose one with "prefix"`);
    }
    prefix = [...prefixes][0];
  }
  const images = byKey.get(`${prefix}|${part}|images`);
  const labels = byKey.get(`${prefix}|${part}|labels`);
  if (!images || !labels) {
    const missing = !images ? 'images-idx3' : 'labels-idx1';
    throw new UsageError(
      `${dir}: no ${prefix}${part === 'train' ? 'train' : 't10k/test'}-${missing}-ubyte[.gz]`,
    );
  }
  return { images, labels };
}

/** Loads one split of an IDX image data set; pixels scaled to [0, 1]. */
export function loadIdxDataset(options: IdxDatasetOptions): ImageDataset {
  const { dir, split = 'train', validationFraction = 0.1 } = options;
  if (typeof dir !== 'string' || dir === '') throw new TypeError('"dir" must be a non-empty path');
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new RangeError(`"validationFraction" must be in [0, 1), got ${validationFraction}`);
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    throw new RangeError(`"limit" must be a non-negative integer, got ${options.limit}`);
  }
  const files = findFiles(dir, split === 'test' ? 'test' : 'train', options.prefix);
  const prefix = FILE_RE.exec(basename(files.images))?.[1] ?? '';
  const images = readIdxFile(files.images);
  const labels = readIdxFile(files.labels);
  if (images.typeCode !== 0x08 || images.dims.length !== 3) {
    throw new UsageError(
      `${files.images}: expected uint8 images of 3 dimensions, got type 0x${images.typeCode.toString(16)} with ${images.dims.length} dimensions`,
    );
  }
  if (labels.typeCode !== 0x08 || labels.dims.length !== 1) {
    throw new UsageError(
      `${files.labels}: expected uint8 labels of 1 dimension, got type 0x${labels.typeCode.toString(16)} with ${labels.dims.length} dimensions`,
    );
  }
  const [total, height, width] = images.dims;
  if (labels.dims[0] !== total) {
    throw new UsageError(`${files.labels}: ${labels.dims[0]} labels for ${total} images in ${files.images}`);
  }
  let start = 0;
  let end = total;
  if (split !== 'test' && split !== 'train-full') {
    const validationCount = Math.round(total * validationFraction);
    if (split === 'train') end = total - validationCount;
    else start = total - validationCount;
  }
  if (options.limit !== undefined) end = Math.min(end, start + options.limit);
  const count = end - start;
  const pixelsPerImage = width * height;
  const transpose = options.transpose ?? prefix.toLowerCase().startsWith('emnist');
  const src = images.data as Uint8Array;
  const pixels = new Float32Array(count * pixelsPerImage);
  for (let k = 0; k < count; k++) {
    const from = (start + k) * pixelsPerImage;
    const to = k * pixelsPerImage;
    if (transpose) {
      for (let r = 0; r < height; r++) {
        for (let c = 0; c < width; c++) pixels[to + r * width + c] = src[from + c * height + r] / 255;
      }
    } else {
      for (let i = 0; i < pixelsPerImage; i++) pixels[to + i] = src[from + i] / 255;
    }
  }
  const labelValues = (labels.data as Uint8Array).slice(start, end);
  let maxLabel = 0;
  for (let i = 0; i < labels.data.length; i++) if (labels.data[i] > maxLabel) maxLabel = labels.data[i];
  const classNames = options.classNames ?? defaultClassNames(dir, maxLabel + 1);
  return makeImageDataset({
    name: options.name ?? `idx:${dir}`,
    split,
    width,
    height,
    pixels,
    labels: labelValues,
    classNames,
    provenance: `${files.images} + ${files.labels}, samples ${start}..${end - 1} of ${total}`,
  });
}

function defaultClassNames(dir: string, classCount: number): readonly string[] {
  if (/fashion/i.test(dir) && classCount <= 10) return FASHION_MNIST_CLASSES;
  if (classCount <= 10) return DIGIT_CLASSES;
  return Array.from({ length: classCount }, (_, i) => String(i));
}

/** Fashion-MNIST from the Debian package (or `dir`). Validation = last 6 000 of the 60 000 training images. */
export function loadFashionMnist(
  options: Omit<IdxDatasetOptions, 'dir' | 'classNames'> & { dir?: string } = {},
): ImageDataset {
  return loadIdxDataset({
    name: 'fashion-mnist',
    ...options,
    dir: options.dir ?? FASHION_MNIST_DIR,
    classNames: FASHION_MNIST_CLASSES,
  });
}
