/**
 * LZ4 frame decoding over typed arrays, with every read and write bounds-checked.
 *
 * DV writes each AEDAT 4 packet as one LZ4 frame with FLG 0x40: version 01, *linked* blocks
 * (a match may reach back into earlier blocks of the same frame), no checksums, no content
 * size. We decode all blocks of a frame into one contiguous output so linked blocks just work.
 * Checksums, when a frame has them, are skipped, not verified.
 *
 * Why our own: lz4js 0.2.0 decodes these frames but copies byte by byte and never checks
 * bounds, so a corrupt frame silently yields garbage; this decoder copies long literals and
 * matches with TypedArray.set/copyWithin and raises Lz4Error at the first inconsistency.
 * Its output is tested against lz4js (both directions) in test/formats/aedat4/lz4.test.ts.
 */

export const LZ4_FRAME_MAGIC = 0x184d2204;

/** A corrupt or unsupported LZ4 frame; `offset` is relative to the frame's first byte. */
export class Lz4Error extends Error {
  readonly offset: number;
  /** The block produced more bytes than the output limit allowed. */
  readonly overflow: boolean;
  constructor(offset: number, message: string, overflow = false) {
    super(`LZ4 ${message} (at byte ${offset} of the frame)`);
    this.name = 'Lz4Error';
    this.offset = offset;
    this.overflow = overflow;
  }
}

const BLOCK_MAX_SIZES: Readonly<Record<number, number>> = {
  4: 0x10000,
  5: 0x40000,
  6: 0x100000,
  7: 0x400000,
};

/** A reusable output buffer, grown on demand (contents are kept when growing). */
export class OutputBuffer {
  bytes: Uint8Array;
  constructor(initialSize = 1 << 16) {
    this.bytes = new Uint8Array(initialSize);
  }
  /** Makes room for `size` bytes, keeping the first `keep` bytes. */
  ensure(size: number, keep: number): Uint8Array {
    if (size > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < size) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.bytes.subarray(0, keep));
      this.bytes = next;
    }
    return this.bytes;
  }
}

/**
 * Decodes the LZ4 frame in `src` into `out` (from byte 0) and returns the decoded length.
 * Bytes after the frame's end mark (and content checksum) are ignored. Throws Lz4Error.
 */
export function lz4DecodeFrame(src: Uint8Array, out: OutputBuffer): number {
  const n = src.length;
  if (n < 7) throw new Lz4Error(0, `frame header truncated (${n} bytes)`);
  const magic = (src[0] | (src[1] << 8) | (src[2] << 16) | (src[3] << 24)) >>> 0;
  if (magic !== LZ4_FRAME_MAGIC) throw new Lz4Error(0, `bad magic 0x${magic.toString(16)}`);
  const flg = src[4];
  if (flg >> 6 !== 1) throw new Lz4Error(4, `unsupported frame version ${flg >> 6}`);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const dictId = (flg & 0x01) !== 0;
  if (dictId) throw new Lz4Error(4, 'frames that need a dictionary are not supported');
  const bd = src[5];
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 7];
  if (blockMax === undefined) throw new Lz4Error(5, `bad block maximum size code ${(bd >> 4) & 7}`);
  let s = 6 + (contentSize ? 8 : 0) + 1; // + header checksum byte
  let d = 0;
  for (;;) {
    if (s + 4 > n) throw new Lz4Error(s, 'block size truncated (no end mark)');
    const word = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16) | (src[s + 3] << 24)) >>> 0;
    s += 4;
    if (word === 0) break;
    const stored = word >= 0x80000000;
    const size = word & 0x7fffffff;
    if (size > blockMax)
      throw new Lz4Error(s - 4, `block of ${size} bytes exceeds the frame's maximum ${blockMax}`);
    if (s + size + (blockChecksum ? 4 : 0) > n) throw new Lz4Error(s - 4, `block of ${size} bytes truncated`);
    if (stored) {
      const dst = out.ensure(d + size, d);
      dst.set(src.subarray(s, s + size), d);
      d += size;
    } else {
      // Room for 8× the compressed size first (event data compresses about 2×), the frame's
      // block maximum only when a block really expands more: keeps buffers small.
      let limit = Math.min(blockMax, Math.max(size * 8, 1 << 16));
      for (;;) {
        const dst = out.ensure(d + limit + 8, d);
        try {
          d = lz4DecodeBlock(src, s, s + size, dst, d, d + limit);
          break;
        } catch (err) {
          if (!(err instanceof Lz4Error && err.overflow && limit < blockMax)) throw err;
          limit = blockMax;
        }
      }
    }
    s += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum && s + 4 > n) throw new Lz4Error(s, 'content checksum truncated');
  return d;
}

/**
 * Decodes one LZ4 block src[s, sEnd) into dst from `d`; matches may reach back to dst[0]
 * (linked blocks). Output never passes `dLimit`, except that copies may scribble up to 7 bytes
 * past the bytes they produce (later copies overwrite them) when dst has room for it.
 * Returns the new output position.
 *
 * Speed: literals and matches (offset >= 4) are copied 4 bytes at a time through DataView
 * (unaligned access is fine there); that doubles throughput over byte loops on event data,
 * whose sequences are short (5-10 literals, matches of 4-12 bytes at offset 16 or 32).
 */
export function lz4DecodeBlock(
  src: Uint8Array,
  s: number,
  sEnd: number,
  dst: Uint8Array,
  d: number,
  dLimit: number,
): number {
  const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  const srcWild = src.length - 8;
  const dstWild = dst.length - 8;
  for (;;) {
    if (s >= sEnd) throw new Lz4Error(s, 'block ends without its last literals');
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b = 255;
      while (b === 255) {
        if (s >= sEnd) throw new Lz4Error(s, 'literal length runs past the block');
        b = src[s++];
        lit += b;
      }
    }
    if (lit > 0) {
      if (s + lit > sEnd) throw new Lz4Error(s, `${lit} literals run past the block`);
      if (d + lit > dLimit) throw new Lz4Error(s, 'literals overflow the block size', true);
      if (lit > 48) {
        dst.set(src.subarray(s, s + lit), d);
      } else if (s + lit <= srcWild && d + lit <= dstWild) {
        for (let k = 0; k < lit; k += 8) {
          dv.setUint32(d + k, sv.getUint32(s + k));
          dv.setUint32(d + k + 4, sv.getUint32(s + k + 4));
        }
      } else {
        for (let k = 0; k < lit; k++) dst[d + k] = src[s + k];
      }
      s += lit;
      d += lit;
    }
    if (s === sEnd) return d;
    if (s + 2 > sEnd) throw new Lz4Error(s, 'match offset truncated');
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) {
      throw new Lz4Error(s - 2, `match offset ${offset} reaches before the start of the output (${d} bytes)`);
    }
    let len = token & 15;
    if (len === 15) {
      let b = 255;
      while (b === 255) {
        if (s >= sEnd) throw new Lz4Error(s, 'match length runs past the block');
        b = src[s++];
        len += b;
      }
    }
    len += 4;
    if (d + len > dLimit) throw new Lz4Error(s, `match of ${len} bytes overflows the block size`, true);
    let from = d - offset;
    if (offset >= len && len > 64) {
      dst.copyWithin(d, from, from + len);
      d += len;
    } else if (offset >= 4 && d + len <= dstWild) {
      // Each 4-byte read ends at or before the bytes already written (offset >= 4).
      for (let k = 0; k < len; k += 8) {
        dv.setUint32(d + k, dv.getUint32(from + k));
        dv.setUint32(d + k + 4, dv.getUint32(from + k + 4));
      }
      d += len;
    } else {
      const stop = d + len;
      while (d < stop) dst[d++] = dst[from++];
    }
  }
}
