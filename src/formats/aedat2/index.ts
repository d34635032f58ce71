/** AEDAT 1.0 and 2.0 (jAER): big-endian 6/8-byte records after a `#` header. */
import { sniffAedatVersion } from '../aedat-header/index.ts';
import type { FormatSpec } from '../types.ts';
import { type Aedat2DecoderOptions, createAedat2Decoder } from './decoder.ts';
import { type Aedat2EncoderOptions, createAedat2Encoder } from './encoder.ts';

export { Aedat2Decoder, type Aedat2DecoderOptions, createAedat2Decoder } from './decoder.ts';
export { Aedat2Encoder, type Aedat2EncoderOptions, createAedat2Encoder } from './encoder.ts';
export type { Aedat2Axes, Aedat2Chip } from './layout.ts';

export const aedat2Format: FormatSpec = {
  name: 'aedat2',
  description: 'jAER AEDAT 2.0 (and 1.0): big-endian address/timestamp records, DVS128 or DAVIS layout',
  extensions: ['.aedat', '.dat'],
  detect(head: Uint8Array): number {
    const version = sniffAedatVersion(head);
    if (version === '2.0') return 1;
    if (version !== undefined) return 0;
    // AEDAT 1.0 has no version line: a jAER "#" header naming a chip is the best hint.
    const text = new TextDecoder('latin1').decode(head.subarray(0, Math.min(head.length, 4096)));
    return text.startsWith('#') && /#\s*AEChip:/.test(text) ? 0.6 : 0;
  },
  createDecoder: (options) => createAedat2Decoder(options as Aedat2DecoderOptions),
  createEncoder: (options) => createAedat2Encoder(options as Aedat2EncoderOptions),
};
