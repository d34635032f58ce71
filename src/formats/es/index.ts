/** Event Stream `.es` 2.0 (DVS type) format (reference §2.14). */
import type { DecoderOptions, FormatSpec } from '../types.ts';
import { EsDecoder, ES_SIGNATURE } from './decoder.ts';
import { EsEncoder, type EsEncoderOptions } from './encoder.ts';

export { EsDecoder } from './decoder.ts';
export { EsEncoder, type EsEncoderOptions } from './encoder.ts';

const SIGNATURE = new TextEncoder().encode(ES_SIGNATURE);

/** 1 for the "Event Stream" signature (any type: the decoder explains unsupported ones), else 0. */
export function detectEs(head: Uint8Array): number {
  if (head.length < SIGNATURE.length) return 0;
  for (let i = 0; i < SIGNATURE.length; i++) if (head[i] !== SIGNATURE[i]) return 0;
  return 1;
}

export const esFormat: FormatSpec = {
  name: 'es',
  description: 'Event Stream 2.0 (.es, DVS type; sepia / event_stream)',
  extensions: ['.es'],
  detect: detectEs,
  createDecoder: (options?: DecoderOptions) => new EsDecoder(options),
  createEncoder: (options?: EsEncoderOptions) => new EsEncoder(options),
};
