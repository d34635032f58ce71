/** Prophesee / ATIS `.dat` format module (8-byte CD records). */
import { detectDat } from '../prophesee-header/detect.ts';
import type { FormatSpec } from '../types.ts';
import { DatDecoder, type DatDecoderOptions } from './decoder.ts';
import { DatEncoder, type DatEncoderOptions } from './encoder.ts';

export { DAT_DEFAULT_HEIGHT, DAT_DEFAULT_WIDTH, DatDecoder, type DatDecoderOptions } from './decoder.ts';
export { DatEncoder, type DatEncoderOptions } from './encoder.ts';

export const datFormat: FormatSpec = {
  name: 'dat',
  description: 'Prophesee / ATIS .dat (8-byte CD records: 32-bit µs, 14-bit x and y)',
  extensions: ['.dat'],
  detect: detectDat,
  createDecoder(options?: DatDecoderOptions) {
    return new DatDecoder(options);
  },
  createEncoder(options?: DatEncoderOptions) {
    return new DatEncoder(options);
  },
};
