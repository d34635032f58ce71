/**
 * Checks a model's event `inputMapping` (crop, integer downsampling, polarity → channel) against
 * the network's input shape, with errors naming the model and field. The mapping itself runs in
 * `EventInputMapper` (src/model/input-mapping.ts), the code the trainer encodes its data with, so a
 * model is served exactly the input it was trained on.
 */
import type { EventInputMapping } from '../../model/schema.ts';

/** The mapping resolved to integers once, for the hot loop. */
export interface ResolvedInputMapping {
  readonly cropX: number;
  readonly cropY: number;
  readonly cropW: number;
  readonly cropH: number;
  readonly factor: number;
  /** 0 split, 1 merge, 2 on only, 3 off only. */
  readonly polarityMode: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

const POLARITY_MODES = { split: 0, merge: 1, on: 2, off: 3 } as const;

/** Checks a mapping against the network's input shape and resolves it. Throws naming the field. */
export function resolveInputMapping(
  mapping: EventInputMapping,
  inputShape: readonly number[],
  modelName: string,
): ResolvedInputMapping {
  const fail = (field: string, msg: string): never => {
    throw new RangeError(`model "${modelName}": inputMapping.${field}: ${msg}`);
  };
  const crop = mapping.crop ?? { x: 0, y: 0, width: mapping.sensorWidth, height: mapping.sensorHeight };
  const factor = mapping.downsample ?? 1;
  if (!Number.isInteger(factor) || factor < 1) fail('downsample', `must be an integer >= 1, got ${factor}`);
  const mode = POLARITY_MODES[mapping.polarity];
  if (mode === undefined)
    fail('polarity', `must be split, merge, on or off, got ${String(mapping.polarity)}`);
  const channels = mapping.polarity === 'split' ? 2 : 1;
  const width = Math.ceil(crop.width / factor);
  const height = Math.ceil(crop.height / factor);
  const size = channels * width * height;
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (size !== inputSize) {
    fail(
      'crop/downsample/polarity',
      `map the sensor to ${channels}×${height}×${width} = ${size} inputs but the network has ${inputSize} (shape [${inputShape.join(', ')}])`,
    );
  }
  return {
    cropX: crop.x,
    cropY: crop.y,
    cropW: crop.width,
    cropH: crop.height,
    factor,
    polarityMode: mode,
    width,
    height,
    channels,
  };
}
