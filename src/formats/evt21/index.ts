/** EVT 2.1 (Prophesee RAW, 64-bit vectorised words) format module. */
import { detectRaw } from '../prophesee-header/detect.ts';
import type { FormatSpec } from '../types.ts';
import { Evt21Decoder, type Evt21DecoderOptions } from './decoder.ts';
import { Evt21Encoder, type Evt21EncoderOptions } from './encoder.ts';

export { EVT21_PROBE_BYTES, Evt21Decoder, type Evt21DecoderOptions } from './decoder.ts';
export { Evt21Encoder, type Evt21EncoderOptions } from './encoder.ts';

export const evt21Format: FormatSpec = {
  name: 'evt21',
  description: "Prophesee RAW EVT 2.1 (64-bit words with 32-pixel masks; 'little' or 'legacy' byte order)",
  extensions: ['.raw'],
  detect(head: Uint8Array): number {
    const r = detectRaw(head);
    return r?.format === 'evt21' ? r.confidence : 0;
  },
  createDecoder(options?: Evt21DecoderOptions) {
    return new Evt21Decoder(options);
  },
  createEncoder(options?: Evt21EncoderOptions) {
    return new Evt21Encoder(options);
  },
};
