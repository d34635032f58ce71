/** N-MNIST / N-Caltech101 `.bin` format (reference §2.12). */
import type { FormatSpec } from '../types.ts';
import {
  NMNIST_DEFAULT_OVERFLOW_MARKER_Y,
  NMNIST_RECORD_BYTES,
  NMNIST_TIME_RANGE,
  NmnistDecoder,
  type NmnistDecoderOptions,
} from './decoder.ts';
import { NmnistEncoder, type NmnistEncoderOptions } from './encoder.ts';

export { NmnistDecoder, type NmnistDecoderOptions } from './decoder.ts';
export { NmnistEncoder, type NmnistEncoderOptions } from './encoder.ts';

/** Records detection looks at (at most). */
const DETECT_RECORDS = 2000;
/** Fewer whole records than this: no opinion. */
const DETECT_MIN_RECORDS = 8;

/**
 * Heuristic: the format has no header, so this only checks that the head reads as plausible
 * records — y never above the marker, timestamps (almost always) non-decreasing and starting
 * early — and answers with a low confidence (≤ 0.3) that any format with a magic beats.
 */
export function detectNmnist(head: Uint8Array): number {
  const records = Math.min(DETECT_RECORDS, Math.floor(head.length / NMNIST_RECORD_BYTES));
  if (records < DETECT_MIN_RECORDS) return 0;
  let backwards = 0;
  let lastRaw = -1;
  let small = true;
  let firstRaw = -1;
  for (let r = 0; r < records; r++) {
    const i = r * NMNIST_RECORD_BYTES;
    const x = head[i];
    const y = head[i + 1];
    if (y > NMNIST_DEFAULT_OVERFLOW_MARKER_Y) return 0;
    if (y === NMNIST_DEFAULT_OVERFLOW_MARKER_Y) continue;
    const raw = ((head[i + 2] & 0x7f) << 16) | (head[i + 3] << 8) | head[i + 4];
    if (firstRaw < 0) firstRaw = raw;
    if (raw < lastRaw && lastRaw - raw < NMNIST_TIME_RANGE / 2) backwards++;
    lastRaw = raw;
    if (x >= 34 || y >= 34) small = false;
  }
  // Recordings start near 0 (N-MNIST samples last about 300 ms).
  if (firstRaw > 1_000_000) return 0;
  if (backwards > records / 100) return 0;
  return small ? 0.3 : 0.2;
}

export const nmnistFormat: FormatSpec = {
  name: 'nmnist',
  description: 'N-MNIST / N-Caltech101 .bin (5-byte records, 23-bit µs time; default geometry 34×34)',
  extensions: ['.bin'],
  detect: detectNmnist,
  createDecoder: (options?: NmnistDecoderOptions) => new NmnistDecoder(options),
  createEncoder: (options?: NmnistEncoderOptions) => new NmnistEncoder(options),
};
