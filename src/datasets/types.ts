/**
 * The data set interfaces the trainer, `eval` and the tests share.
 *
 * Two kinds: static data sets (images or feature vectors, values in [0, 1]) and event data sets
 * (one EventPacket per sample). Both carry integer labels, class names and the split they hold.
 */
import type { EventPacket } from '../events/packet.ts';

/**
 * Splits every built-in data set offers. `validation` is carved from the training data (never
 * from the test set) so model selection never sees test samples; `train-full` = `train` ∪
 * `validation`, for a final fit after model selection. Which samples go where is fixed per data
 * set and documented in docs/datasets.md.
 */
export type SplitName = 'train' | 'validation' | 'test' | 'train-full';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test', 'train-full'];

export function parseSplit(value: string): SplitName {
  if ((SPLIT_NAMES as readonly string[]).includes(value)) return value as SplitName;
  throw new RangeError(`"split" must be one of ${SPLIT_NAMES.join(', ')}, got "${value}"`);
}

interface DatasetBase {
  /** Registry name, e.g. "mnist", "fashion-mnist", "yinyang", "nmnist-emulated". */
  readonly name: string;
  readonly split: SplitName;
  /** Number of samples. */
  readonly count: number;
  /** Class index per sample (0-based, < classNames.length). */
  readonly labels: Uint8Array;
  /** Human-readable name per class index. */
  readonly classNames: readonly string[];
  /** Where the samples came from (paths, package, generator and seed), for model cards. */
  readonly provenance: string;
}

/**
 * Images or feature vectors, row-major, values in [0, 1].
 * Feature vectors (Yin-Yang) are 1-row images: height 1, width = number of features.
 */
export interface ImageDataset extends DatasetBase {
  readonly kind: 'image';
  readonly width: number;
  readonly height: number;
  /** width × height. */
  readonly featureCount: number;
  /** count × featureCount values in [0, 1]; sample i starts at i × featureCount. */
  readonly pixels: Float32Array;
  /** The pixels of sample i (a view, not a copy). */
  image(i: number): Float32Array;
}

/** Event recordings, one per sample, times relative to the sample start (first event ≥ 0). */
export interface EventDataset extends DatasetBase {
  readonly kind: 'events';
  /** Sensor geometry in pixels. */
  readonly width: number;
  readonly height: number;
  /** Nominal duration of every sample in µs (e.g. 315 000 for N-MNIST saccades). */
  readonly durationUs: number;
  /** The events of sample i, time-sorted, times in µs from the sample start. */
  sample(i: number): EventPacket;
}

export type Dataset = ImageDataset | EventDataset;

/** Throws a RangeError unless `i` is a valid sample index of a data set with `count` samples. */
export function checkSampleIndex(i: number, count: number, name: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new RangeError(`sample index ${i} out of range for "${name}" (${count} samples)`);
  }
}

/** Builds an ImageDataset over pixel and label arrays (validated: sizes and value range of labels). */
export function makeImageDataset(fields: {
  name: string;
  split: SplitName;
  width: number;
  height: number;
  pixels: Float32Array;
  labels: Uint8Array;
  classNames: readonly string[];
  provenance: string;
}): ImageDataset {
  const { name, width, height, pixels, labels, classNames } = fields;
  const featureCount = width * height;
  const count = labels.length;
  if (pixels.length !== count * featureCount) {
    throw new RangeError(
      `"${name}": ${pixels.length} pixel values for ${count} samples of ${width}×${height} (want ${count * featureCount})`,
    );
  }
  for (let i = 0; i < count; i++) {
    if (labels[i] >= classNames.length) {
      throw new RangeError(`"${name}": label ${labels[i]} of sample ${i} ≥ ${classNames.length} classes`);
    }
  }
  return {
    kind: 'image',
    ...fields,
    count,
    featureCount,
    image(i: number): Float32Array {
      checkSampleIndex(i, count, name);
      return pixels.subarray(i * featureCount, (i + 1) * featureCount);
    },
  };
}

/** Samples `indices` of an image data set as a new data set (copies the pixels). */
export function subsetImageDataset(
  ds: ImageDataset,
  indices: ArrayLike<number>,
  split: SplitName = ds.split,
): ImageDataset {
  const n = indices.length;
  const f = ds.featureCount;
  const pixels = new Float32Array(n * f);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    checkSampleIndex(i, ds.count, ds.name);
    pixels.set(ds.pixels.subarray(i * f, (i + 1) * f), k * f);
    labels[k] = ds.labels[i];
  }
  return makeImageDataset({
    name: ds.name,
    split,
    width: ds.width,
    height: ds.height,
    pixels,
    labels,
    classNames: ds.classNames,
    provenance: ds.provenance,
  });
}
