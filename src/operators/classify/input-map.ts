/**
 * Checks a model's event `inputMapping` (crop, integer downsampling, polarity → channel) against
 * the network's input shape, with errors naming the model and field. The mapping itself runs in
 * `EventInputMapper` (src/model/input-mapping.ts), the code the trainer encodes its data with, so a
 * model is served exactly the input it was trained on.
 */
import { inputMappingShape } from '../../model/input-mapping.ts';
import type { EventInputMapping } from '../../model/schema.ts';

const POLARITIES: readonly string[] = ['split', 'merge', 'on', 'off'];

/** Throws naming the model and field when the mapping does not fit the network's input shape. */
export function checkInputMapping(
  mapping: EventInputMapping,
  inputShape: readonly number[],
  modelName: string,
): void {
  const fail = (field: string, msg: string): never => {
    throw new RangeError(`model "${modelName}": inputMapping.${field}: ${msg}`);
  };
  const factor = mapping.downsample ?? 1;
  if (!Number.isInteger(factor) || factor < 1) fail('downsample', `must be an integer >= 1, got ${factor}`);
  if (!POLARITIES.includes(mapping.polarity))
    fail('polarity', `must be split, merge, on or off, got ${String(mapping.polarity)}`);
  const [channels, height, width] = inputMappingShape(mapping);
  const size = channels * width * height;
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (size !== inputSize) {
    fail(
      'crop/downsample/polarity',
      `map the sensor to ${channels}×${height}×${width} = ${size} inputs but the network has ${inputSize} (shape [${inputShape.join(', ')}])`,
    );
  }
}
