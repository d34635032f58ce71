/** EVT 3.0 (Prophesee RAW, 16-bit words) format module. */
import { detectRaw } from '../prophesee-header/detect.ts';
import type { FormatSpec } from '../types.ts';
import { Evt3Decoder, type Evt3DecoderOptions } from './decoder.ts';
import { Evt3Encoder, type Evt3EncoderOptions } from './encoder.ts';

export { Evt3Decoder, type Evt3DecoderOptions } from './decoder.ts';
export { Evt3Encoder, type Evt3EncoderOptions } from './encoder.ts';

export const evt3Format: FormatSpec = {
  name: 'evt3',
  description: 'Prophesee RAW EVT 3.0 (16-bit vectorised words; IMX636, Gen4)',
  extensions: ['.raw'],
  detect(head: Uint8Array): number {
    const r = detectRaw(head);
    return r?.format === 'evt3' ? r.confidence : 0;
  },
  createDecoder(options?: Evt3DecoderOptions) {
    return new Evt3Decoder(options);
  },
  createEncoder(options?: Evt3EncoderOptions) {
    return new Evt3Encoder(options);
  },
};
