/** AEDAT 3.1 (cAER / libcaer): typed packets after a `#` header; polarity packets decoded. */
import { sniffAedatVersion } from '../aedat-header/index.ts';
import type { FormatSpec } from '../types.ts';
import { type Aedat3DecoderOptions, createAedat3Decoder } from './decoder.ts';
import { type Aedat3EncoderOptions, createAedat3Encoder } from './encoder.ts';

export {
  AEDAT3_EVENT_TYPES,
  Aedat3Decoder,
  type Aedat3DecoderOptions,
  createAedat3Decoder,
} from './decoder.ts';
export { Aedat3Encoder, type Aedat3EncoderOptions, createAedat3Encoder } from './encoder.ts';

export const aedat3Format: FormatSpec = {
  name: 'aedat3',
  description:
    'cAER AEDAT 3.1: 28-byte packet headers, polarity packets (DVS Gesture and other cAER recordings)',
  extensions: ['.aedat', '.aedat3'],
  detect(head: Uint8Array): number {
    const version = sniffAedatVersion(head);
    if (version === '3.1') return 1;
    return version === '3.0' ? 0.5 : 0;
  },
  createDecoder: (options) => createAedat3Decoder(options as Aedat3DecoderOptions),
  createEncoder: (options) => createAedat3Encoder(options as Aedat3EncoderOptions),
};
