/** AEDAT 4.0 (iniVation DV, dv-processing, jAER 3.x): files and DV network streams. */
import type { FormatSpec } from '../types.ts';
import { AEDAT4_MAGIC, type Aedat4DecoderOptions, createAedat4Decoder } from './decoder.ts';
import { type Aedat4EncoderOptions, createAedat4Encoder } from './encoder.ts';

export {
  AEDAT4_MAGIC,
  Aedat4Decoder,
  type Aedat4DataTable,
  type Aedat4DecoderOptions,
  createAedat4Decoder,
} from './decoder.ts';
export {
  Aedat4Encoder,
  type Aedat4Compression,
  type Aedat4EncoderOptions,
  createAedat4Encoder,
} from './encoder.ts';
export type { StreamDescription } from './info-node.ts';
export type { DataTableEntry, IoHeader } from './schema.ts';

export const aedat4Format: FormatSpec = {
  name: 'aedat4',
  description: 'iniVation AEDAT 4.0 (DV): FlatBuffer packets, LZ4/Zstd; network framing with network=true',
  extensions: ['.aedat4', '.aedat'],
  detect(head: Uint8Array): number {
    if (head.length < AEDAT4_MAGIC.length) return 0;
    for (let i = 0; i < AEDAT4_MAGIC.length; i++) {
      if (head[i] !== AEDAT4_MAGIC.charCodeAt(i)) return 0;
    }
    return 1;
  },
  createDecoder: (options) => createAedat4Decoder(options as Aedat4DecoderOptions),
  createEncoder: (options) => createAedat4Encoder(options as Aedat4EncoderOptions),
};
