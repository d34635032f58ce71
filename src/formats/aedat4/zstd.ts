/**
 * Zstandard for AEDAT 4: decoding through fzstd (which only decodes), and a writer of *stored*
 * zstd frames (raw blocks, RFC 8878 §3.1.1) so tests and tools can produce valid ZSTD-coded
 * files without a compressor. Stored frames do not shrink data; they are valid frames that any
 * zstd decoder (DV, fzstd) reads.
 */
import { decompress as fzstdDecompress } from 'fzstd';

export const ZSTD_FRAME_MAGIC = 0xfd2fb528;

/** Largest raw block allowed by RFC 8878 (Block_Maximum_Size = min(Window_Size, 128 KiB)). */
const ZSTD_MAX_BLOCK = 128 * 1024;

/** Decodes one zstd frame (throws fzstd's error on corrupt input). */
export function zstdDecodeFrame(src: Uint8Array): Uint8Array {
  return fzstdDecompress(src);
}

/**
 * One zstd frame holding `data` in raw blocks: magic, a single-segment frame header with a
 * 4-byte Frame_Content_Size, no checksum, then raw blocks of at most 128 KiB (the last one
 * flagged Last_Block; empty input gives one empty last block).
 */
export function zstdStoredFrame(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / ZSTD_MAX_BLOCK));
  const out = new Uint8Array(4 + 1 + 4 + blocks * 3 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, ZSTD_FRAME_MAGIC, true);
  out[4] = (2 << 6) | (1 << 5); // Frame_Content_Size_flag = 2 (4 bytes), Single_Segment_flag
  view.setUint32(5, data.length, true);
  let o = 9;
  for (let b = 0; b < blocks; b++) {
    const start = b * ZSTD_MAX_BLOCK;
    const size = Math.min(ZSTD_MAX_BLOCK, data.length - start);
    const last = b === blocks - 1 ? 1 : 0;
    const header = (size << 3) | (0 << 1) | last; // Block_Type 0 = Raw_Block
    out[o] = header & 0xff;
    out[o + 1] = (header >>> 8) & 0xff;
    out[o + 2] = (header >>> 16) & 0xff;
    out.set(data.subarray(start, start + size), o + 3);
    o += 3 + size;
  }
  return out;
}
