/** EVT 2.0 (Prophesee RAW, 32-bit words) format module. */
import { detectRaw } from '../prophesee-header/detect.ts';
import type { FormatSpec } from '../types.ts';
import { Evt2Decoder, type Evt2DecoderOptions } from './decoder.ts';
import { Evt2Encoder, type Evt2EncoderOptions } from './encoder.ts';

export { Evt2Decoder, type Evt2DecoderOptions } from './decoder.ts';
export { Evt2Encoder, type Evt2EncoderOptions } from './encoder.ts';

export const evt2Format: FormatSpec = {
  name: 'evt2',
  description: 'Prophesee RAW EVT 2.0 (32-bit words; Gen3, IMX636, GenX320)',
  extensions: ['.raw'],
  detect(head: Uint8Array): number {
    const r = detectRaw(head);
    return r?.format === 'evt2' ? r.confidence : 0;
  },
  createDecoder(options?: Evt2DecoderOptions) {
    return new Evt2Decoder(options);
  },
  createEncoder(options?: Evt2EncoderOptions) {
    return new Evt2Encoder(options);
  },
};
