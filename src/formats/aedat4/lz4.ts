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

/** Largest decoded frame we accept (a corrupt frame must not exhaust memory). */
const MAX_OUTPUT_BYTES = 1 << 30;

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
  /** Makes room for `size` bytes, keeping the first `keep` bytes. Throws Lz4Error past 1 GiB. */
  ensure(size: number, keep: number): Uint8Array {
    if (size > this.bytes.length) {
      if (size > MAX_OUTPUT_BYTES)
        throw new Lz4Error(0, `frame decodes to more than ${MAX_OUTPUT_BYTES} bytes`);
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

const PRIME32_1 = 0x9e3779b1;
const PRIME32_2 = 0x85ebca77;
const PRIME32_3 = 0xc2b2ae3d;
const PRIME32_4 = 0x27d4eb2f;
const PRIME32_5 = 0x165667b1;

/** xxHash32 (seed 0) of a short input (< 16 bytes): the LZ4 frame header checksum uses it. */
function xxh32Short(bytes: Uint8Array, start: number, length: number): number {
  let h = (PRIME32_5 + length) >>> 0;
  let i = start;
  const end = start + length;
  for (; i + 4 <= end; i += 4) {
    const word = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
    h = (h + Math.imul(word, PRIME32_3)) >>> 0;
    h = Math.imul((h << 17) | (h >>> 15), PRIME32_4) >>> 0;
  }
  for (; i < end; i++) {
    h = (h + Math.imul(bytes[i], PRIME32_5)) >>> 0;
    h = Math.imul((h << 11) | (h >>> 21), PRIME32_1) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME32_2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, PRIME32_3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Block size of the frames we write: 64 KiB (BD 0x40, LZ4's default). */
const WRITE_BLOCK = 0x10000;
const HASH_LOG = 14;
const MIN_MATCH = 4;
/** LZ4 block rules: the last 5 bytes are literals; the last match starts at least 12 bytes before the end. */
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
/** An empty hash slot: far below any position. */
const EMPTY_SLOT = -(2 ** 31);

/**
 * Greedy, single-pass LZ4 compressor (the "fast" strategy: 4-byte hash of the next bytes,
 * one candidate per hash slot). Each 64 KiB block is compressed on its own, so frames are
 * valid whatever the block-independence flag says.
 */
export class Lz4Encoder {
  /**
   * Hash slot → position + `base`. Each block raises `base` past the previous block's positions
   * plus the 64 KiB match window, so entries from earlier blocks are always out of reach and the
   * table never needs clearing (clearing 64 KiB per 32 KiB packet cost as much as compressing).
   */
  private readonly table = new Int32Array(1 << HASH_LOG).fill(EMPTY_SLOT);
  private base = 0;
  private out = new Uint8Array(0);

  /**
   * One LZ4 frame holding `src`, as DV writes them: FLG 0x40 (version 01, linked-block flag,
   * no checksums, no content size), BD 0x40 (64 KiB blocks), header checksum, blocks, end mark.
   * Blocks that do not shrink are stored raw. Returns a new array.
   */
  encodeFrame(src: Uint8Array): Uint8Array {
    const n = src.length;
    const blocks = Math.max(1, Math.ceil(n / WRITE_BLOCK));
    const bound = 7 + blocks * (4 + WRITE_BLOCK + ((WRITE_BLOCK / 255) | 0) + 16) + 4;
    if (this.out.length < bound) this.out = new Uint8Array(bound);
    const out = this.out;
    out[0] = 0x04;
    out[1] = 0x22;
    out[2] = 0x4d;
    out[3] = 0x18;
    out[4] = 0x40;
    out[5] = 0x40;
    out[6] = (xxh32Short(out, 4, 2) >>> 8) & 0xff;
    let o = 7;
    for (let s = 0; s < n; s += WRITE_BLOCK) {
      const e = Math.min(n, s + WRITE_BLOCK);
      const size = this.compressBlock(src, s, e, out, o + 4);
      if (size > 0 && size < e - s) {
        writeU32(out, o, size);
        o += 4 + size;
      } else {
        writeU32(out, o, (e - s) | 0x80000000);
        out.set(src.subarray(s, e), o + 4);
        o += 4 + (e - s);
      }
    }
    writeU32(out, o, 0);
    o += 4;
    return out.slice(0, o);
  }

  /** Compresses src[start, end) into dst from `d`; returns the compressed size (0 if it would not fit a useful block). */
  private compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
    const d0 = d;
    const table = this.table;
    if (this.base > 1 << 30) {
      table.fill(EMPTY_SLOT);
      this.base = 0;
    }
    const shift = this.base - start;
    this.base += end - start + 0x10001;
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    const matchLimit = end - LAST_LITERALS;
    const searchLimit = end - MF_LIMIT;
    let anchor = start;
    let ip = start;
    let misses = 0;
    while (ip < searchLimit) {
      const seq = view.getUint32(ip, true);
      const h = Math.imul(seq, PRIME32_1) >>> (32 - HASH_LOG);
      const ref = table[h] - shift;
      table[h] = ip + shift;
      if (ref < start || ip - ref > 0xffff || view.getUint32(ref, true) !== seq) {
        ip += 1 + (misses++ >> 6); // skip faster through incompressible data
        continue;
      }
      misses = 0;
      let len = MIN_MATCH;
      while (ip + len < matchLimit && src[ref + len] === src[ip + len]) len++;
      // Sequence: token, literal length, literals, offset, match length.
      const lit = ip - anchor;
      const ml = len - MIN_MATCH;
      const tokenAt = d++;
      let token = Math.min(lit, 15) << 4;
      if (lit >= 15) {
        let r = lit - 15;
        for (; r >= 255; r -= 255) dst[d++] = 255;
        dst[d++] = r;
      }
      if (lit > 32) dst.set(src.subarray(anchor, ip), d);
      else for (let k = 0; k < lit; k++) dst[d + k] = src[anchor + k];
      d += lit;
      const offset = ip - ref;
      dst[d++] = offset & 0xff;
      dst[d++] = offset >>> 8;
      token |= Math.min(ml, 15);
      if (ml >= 15) {
        let r = ml - 15;
        for (; r >= 255; r -= 255) dst[d++] = 255;
        dst[d++] = r;
      }
      dst[tokenAt] = token;
      ip += len;
      anchor = ip;
      // Index a position inside the match so the next repeat of it is found.
      if (ip - 2 >= start && ip < searchLimit) {
        table[Math.imul(view.getUint32(ip - 2, true), PRIME32_1) >>> (32 - HASH_LOG)] = ip - 2 + shift;
      }
    }
    // Last literals.
    const lit = end - anchor;
    if (lit >= 15) {
      dst[d++] = 0xf0;
      let r = lit - 15;
      for (; r >= 255; r -= 255) dst[d++] = 255;
      dst[d++] = r;
    } else {
      dst[d++] = lit << 4;
    }
    dst.set(src.subarray(anchor, end), d);
    d += lit;
    return d - d0;
  }
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** The header checksum byte LZ4 expects for descriptor bytes FLG, BD (exported for tests). */
export function lz4HeaderChecksum(flg: number, bd: number): number {
  return (xxh32Short(new Uint8Array([flg, bd]), 0, 2) >>> 8) & 0xff;
}
