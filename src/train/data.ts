/**
 * Training data: a data set by name and split, and the encoder that turns sample i into input
 * spikes (model time) through the model's input mapping — the same mapping the streaming
 * classifier uses, so a model sees the same input in training and in serving.
 */
import type { Dataset, SplitName } from '../datasets/types.ts';
import { loadEmulatedEvents } from '../datasets/nmnist-emulated.ts';
import { loadImageDataset } from '../datasets/index.ts';
import { EventInputMapper, encodeImage, inputMappingShape } from '../model/input-mapping.ts';
import type { InputMapping, ModelSpec } from '../model/schema.ts';
import type { TrainSample } from './sample-gradient.ts';

export interface DatasetRef {
  readonly name: string;
  readonly split: SplitName;
  /** At most this many samples (0 = all). */
  readonly limit: number;
  readonly validationFraction: number;
}

/** Event data sets made by the saccade emulator, by name → the images they are made from. */
const EMULATED_SOURCES: Readonly<Record<string, string>> = {
  'nmnist-emulated': 'mnist',
  'fashion-nmnist-emulated': 'fashion-mnist',
};

export async function loadDataset(ref: DatasetRef): Promise<Dataset> {
  const emulated = EMULATED_SOURCES[ref.name];
  if (emulated) {
    return loadEmulatedEvents({
      source: emulated,
      split: ref.split,
      ...(ref.limit > 0 ? { limit: ref.limit } : {}),
    });
  }
  return loadImageDataset(ref.name, {
    split: ref.split,
    limit: ref.limit > 0 ? ref.limit : undefined,
    validationFraction: ref.validationFraction,
  });
}

/** The data set a model was trained on, as its provenance records it (undefined if it does not). */
export function trainedDataset(model: ModelSpec): string | undefined {
  const dataset = (model.provenance?.config as { dataset?: unknown } | undefined)?.dataset;
  return typeof dataset === 'string' ? dataset : undefined;
}

/** The input mapping a data set implies, given the time settings. */
export function mappingFor(ds: Dataset, inputWindow: number): InputMapping {
  if (ds.kind === 'image') return { kind: 'image', width: ds.width, height: ds.height, window: inputWindow };
  return { kind: 'events', sensorWidth: ds.width, sensorHeight: ds.height, polarity: 'split' };
}

/**
 * Moves the input spikes of `sample` by (dx, dy) on the input grid of `shape` = [channels, height,
 * width], in place; spikes pushed off the grid are dropped and the order of the rest is kept.
 * Shifting the spikes rather than the pixels or events gives the same input for images and event
 * streams (after the mapping's crop and downsampling) in one place. Returns the new count.
 */
export function shiftInputSpikes(
  sample: TrainSample,
  shape: readonly number[],
  dx: number,
  dy: number,
): number {
  const h = shape[1];
  const w = shape[2];
  const hw = h * w;
  const { times, indices } = sample;
  let k = 0;
  for (let s = 0; s < sample.count; s++) {
    const index = indices[s];
    const pixel = index % hw;
    const y = Math.floor(pixel / w) + dy;
    const x = (pixel % w) + dx;
    if (x < 0 || x >= w || y < 0 || y >= h) continue;
    times[k] = times[s];
    indices[k] = index - pixel + y * w + x;
    k++;
  }
  return k;
}

/** Turns samples of a data set into input spikes; reuses its buffers (one sample at a time). */
export class SampleEncoder {
  readonly inputSize: number;
  private readonly ds: Dataset;
  private readonly mapping: InputMapping;
  private readonly timeUnitUs: number;
  private readonly mapper: EventInputMapper | undefined;
  private times = new Float64Array(1024);
  private indices = new Int32Array(1024);

  constructor(ds: Dataset, mapping: InputMapping, timeUnitUs: number) {
    this.ds = ds;
    this.mapping = mapping;
    this.timeUnitUs = timeUnitUs;
    const [c, h, w] = inputMappingShape(mapping);
    this.inputSize = c * h * w;
    this.mapper = mapping.kind === 'events' ? new EventInputMapper(mapping) : undefined;
    if (mapping.kind !== ds.kind) {
      throw new RangeError(`input mapping "${mapping.kind}" does not fit a data set of ${ds.kind}`);
    }
  }

  /** Input spikes of sample i (valid until the next call). */
  encode(i: number): TrainSample {
    const ds = this.ds;
    const label = ds.labels[i];
    const mapping = this.mapping;
    if (ds.kind === 'image' && mapping.kind === 'image') {
      const { times, indices } = encodeImage(ds.image(i), mapping);
      return { times, indices, count: times.length, label };
    }
    if (ds.kind !== 'events' || !this.mapper) throw new RangeError('data set and input mapping disagree');
    const packet = ds.sample(i);
    if (this.times.length < packet.length) {
      let cap = this.times.length;
      while (cap < packet.length) cap *= 2;
      this.times = new Float64Array(cap);
      this.indices = new Int32Array(cap);
    }
    const n = this.mapper.map(packet, 0, packet.length, 0, this.timeUnitUs, this.times, this.indices, 0);
    return { times: this.times, indices: this.indices, count: n, label };
  }
}
