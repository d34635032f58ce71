import fc from 'fast-check';
import { compress as lz4jsCompress, decompress as lz4jsDecompress } from 'lz4js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Lz4Encoder,
  Lz4Error,
  lz4DecodeFrame,
  lz4HeaderChecksum,
  OutputBuffer,
} from '../../../src/formats/aedat4/lz4.ts';
import { KERNELS_WASM_BASE64, WasmKernels } from '../../../src/formats/aedat4/wasm-kernels.ts';

const wasm = WasmKernels.create();

/** Both decoders must agree: same bytes, or both raise Lz4Error. Returns the TypeScript result. */
function decode(frame: Uint8Array): Uint8Array {
  const out = new OutputBuffer(16);
  let ts: Uint8Array | undefined;
  let tsError: unknown;
  try {
    const n = lz4DecodeFrame(frame, out); // may replace out.bytes: read it after
    ts = out.bytes.slice(0, n);
  } catch (err) {
    tsError = err;
  }
  if (wasm) {
    let w: Uint8Array | undefined;
    let wasmError: unknown;
    try {
      w = wasm.decodeFrame(frame).slice();
    } catch (err) {
      wasmError = err;
    }
    if (ts) expect(w && sameBytes(w, ts)).toBe(true);
    else {
      expect(wasmError).toBeInstanceOf(Lz4Error);
      expect(w).toBeUndefined();
    }
  }
  if (tsError) throw tsError;
  return ts!;
}

/** Event-like bytes: 16-byte records with slowly changing fields, so LZ4 finds short matches. */
function eventLike(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n * 16);
  const v = new DataView(b.buffer);
  let s = seed >>> 0 || 1;
  let t = 1_600_000_000_000_000;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    t += s % 5;
    v.setUint32(16 * i, t % 2 ** 32, true);
    v.setUint32(16 * i + 4, Math.floor(t / 2 ** 32), true);
    v.setUint16(16 * i + 8, 100 + ((s >>> 8) % 30), true);
    v.setUint16(16 * i + 10, 50 + ((s >>> 16) % 30), true);
    b[16 * i + 12] = s & 1;
  }
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Builds a frame header (FLG, BD) around raw block bytes. */
function frame(flg: number, blocks: Uint8Array[], bd = 0x40): Uint8Array {
  const parts: number[] = [0x04, 0x22, 0x4d, 0x18, flg, bd];
  if (flg & 0x08) parts.push(0, 0, 0, 0, 0, 0, 0, 0);
  parts.push(0); // header checksum (not verified)
  for (const b of blocks) {
    parts.push(b.length & 0xff, (b.length >>> 8) & 0xff, (b.length >>> 16) & 0xff, b.length >>> 24);
    parts.push(...b);
    if (flg & 0x10) parts.push(0, 0, 0, 0);
  }
  parts.push(0, 0, 0, 0);
  if (flg & 0x04) parts.push(0, 0, 0, 0);
  return new Uint8Array(parts);
}

describe('LZ4 frame decoder', () => {
  it('decodes lz4js frames of event-like, random and repetitive data', () => {
    const cases = [eventLike(3000, 1), eventLike(1, 2), new Uint8Array(0), new Uint8Array(100000).fill(7)];
    const rnd = new Uint8Array(5000);
    for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
    cases.push(rnd);
    for (const data of cases) expect(sameBytes(decode(lz4jsCompress(data)), data)).toBe(true);
  });

  it('matches lz4js on arbitrary inputs (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 40 }), (bytes, repeat) => {
        // Repeat the input to create matches of every length and offset.
        const data = new Uint8Array(bytes.length * repeat);
        for (let r = 0; r < repeat; r++) data.set(bytes, r * bytes.length);
        const f = lz4jsCompress(data);
        const ours = decode(f);
        expect(sameBytes(ours, data)).toBe(true);
        expect(sameBytes(ours, new Uint8Array(lz4jsDecompress(f)))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('follows matches into earlier blocks (linked blocks, FLG 0x40)', () => {
    // Block 1: 8 literals "abcdefgh". Block 2: a match of 8 bytes at offset 8 (inside block 1),
    // then the 5 final literals.
    const block1 = new Uint8Array([0x80, ...new TextEncoder().encode('abcdefgh')]);
    const b2 = new Uint8Array([0x04, 8, 0, 0x50, ...new TextEncoder().encode('12345')]);
    expect(new TextDecoder().decode(decode(frame(0x40, [block1, b2])))).toBe('abcdefghabcdefgh12345');
  });

  it('reads stored blocks, block checksums, content size and content checksum fields', () => {
    const stored = new Uint8Array([1, 2, 3, 4, 5]);
    const f = frame(0x40 | 0x10 | 0x08 | 0x04, [new Uint8Array([0x30, 7, 8, 9])]);
    expect(Array.from(decode(f))).toEqual([7, 8, 9]);
    // A stored block: size word with the high bit set.
    const raw = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0, 5, 0, 0, 0x80, ...stored, 0, 0, 0, 0]);
    expect(decode(raw)).toEqual(stored);
  });

  it('decodes overlapping matches (offset 1..7 runs)', () => {
    for (let offset = 1; offset <= 8; offset++) {
      const lits = Array.from({ length: offset }, (_, i) => 65 + i);
      // offset literals, then a match of 40 bytes at `offset`, then 5 final literals.
      const block = new Uint8Array([
        (offset << 4) | 15,
        ...lits,
        offset,
        0,
        40 - 4 - 15,
        0x50,
        1,
        2,
        3,
        4,
        5,
      ]);
      const out = decode(frame(0x60, [block]));
      const expected = [...lits];
      for (let i = 0; i < 40; i++) expected.push(expected[expected.length - offset]);
      expected.push(1, 2, 3, 4, 5);
      expect(Array.from(out)).toEqual(expected);
    }
  });

  it('raises Lz4Error with an offset on corrupt frames', () => {
    expect(() => decode(new Uint8Array([1, 2, 3, 4, 5, 6, 7]))).toThrow(/bad magic/);
    expect(() => decode(frame(0x80, []))).toThrow(Lz4Error);
    expect(() => decode(frame(0x41, []))).toThrow(/dictionary/);
    expect(() => decode(frame(0x40, [], 0x10))).toThrow(/block maximum size/);
    const good = lz4jsCompress(eventLike(200, 3));
    expect(() => decode(good.subarray(0, good.length - 10))).toThrow(Lz4Error);
    // A match that reaches before the output's start.
    expect(() => decode(frame(0x40, [new Uint8Array([0x14, 65, 9, 0, 0x10, 66])]))).toThrow(/match offset 9/);
    // Literals running past the block.
    expect(() => decode(frame(0x40, [new Uint8Array([0xf0, 200])]))).toThrow(/run past the block/);
  });

  it('never throws anything but Lz4Error on mutated frames (property)', () => {
    const base = lz4jsCompress(eventLike(500, 4));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (edits) => {
          const f = base.slice();
          for (const [at, v] of edits) f[at % f.length] = v;
          try {
            decode(f);
          } catch (err) {
            expect(err).toBeInstanceOf(Lz4Error);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('LZ4 frame encoder', () => {
  it('writes DV-style frames (FLG 0x40, BD 0x40, xxh32 header checksum as lz4js computes it)', () => {
    const f = new Lz4Encoder().encodeFrame(eventLike(100, 1));
    expect(Array.from(f.subarray(0, 6))).toEqual([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40]);
    expect(f[6]).toBe(lz4HeaderChecksum(0x40, 0x40));
    expect(lz4HeaderChecksum(0x40, 0x70)).toBe(lz4jsCompress(new Uint8Array(10))[6]);
  });

  it('compresses event data about as well as lz4js', () => {
    const data = eventLike(4096, 5);
    const ours = new Lz4Encoder().encodeFrame(data).length;
    const theirs = lz4jsCompress(data).length;
    expect(ours).toBeLessThan(data.length * 0.75);
    expect(ours).toBeLessThan(theirs * 1.15);
  });

  it('round-trips through our decoder and lz4js, across 64 KiB blocks and encoder reuse (property)', () => {
    const encoder = new Lz4Encoder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 120 }), (bytes, repeat) => {
        const data = new Uint8Array(bytes.length * repeat);
        for (let r = 0; r < repeat; r++) data.set(bytes, r * bytes.length);
        const f = encoder.encodeFrame(data);
        expect(sameBytes(decode(f), data)).toBe(true);
        expect(sameBytes(new Uint8Array(lz4jsDecompress(f)), data)).toBe(true);
      }),
      { numRuns: 40 },
    );
    const big = eventLike(20000, 6); // 320 kB: five blocks
    expect(sameBytes(decode(encoder.encodeFrame(big)), big)).toBe(true);
  });
});

describe('LZ4 WebAssembly block decoder', () => {
  it('is available in Node 20', () => {
    expect(wasm).toBeDefined();
  });

  const watPath = 'src/formats/aedat4/kernels.wat';
  it.skipIf(!existsSync('/usr/bin/wat2wasm'))('embeds exactly what wat2wasm makes of kernels.wat', () => {
    const built = execFileSync('/usr/bin/wat2wasm', [watPath, '--output=-']);
    expect(Buffer.from(KERNELS_WASM_BASE64, 'base64').equals(built)).toBe(true);
  });

  it('grows its memory for large frames and returns views into it', () => {
    const big = eventLike(300_000, 7); // 4.8 MB: several blocks
    const f = new Lz4Encoder().encodeFrame(big);
    const out = wasm!.decodeFrame(f);
    expect(sameBytes(out, big)).toBe(true);
    expect(out.byteOffset % 8).toBe(0);
  });
});
