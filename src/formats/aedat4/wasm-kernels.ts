/**
 * AEDAT 4's two hot loops in WebAssembly (source: kernels.wat): the LZ4 block decoder (8-byte
 * copies with i64 loads/stores; frame parsing stays in TypeScript) and the EventPacket struct →
 * column loop. Several times faster than their TypeScript versions (lz4.ts, and the word loop
 * in decoder.ts), which stay as the fallback where WebAssembly is missing; tests check that both
 * give the same bytes, events, repairs and errors.
 *
 * Decoded bytes live in the instance's memory: decodeFrame() returns a view that is valid until
 * the next call. Each instance owns its memory (one per decoder).
 */
import { Lz4Error } from './lz4.ts';

/** `wat2wasm src/formats/aedat4/kernels.wat --output=- | base64 -w0` (checked by a test). */
export const KERNELS_WASM_BASE64 =
  'AGFzbQEAAAABFAJgBX9/f39/AX9gBn9/f39/fwF/AwMCAAEFAwEAAQYtBnwBRAAAAAAAAPD/C3wBRAAAAAAAAAAAC38BQQELfwFBAAt/AUEAC38BQQALB10JBm1lbW9yeQIACWx6NF9ibG9jawAABGxhc3QDAAZvZmZzZXQDAQxyZXBhaXJfd3JhcHMDAghuZWdhdGl2ZQMDBXdyYXBzAwQJYmFja3dhcmRzAwUGZXZlbnRzAAEKzgUCwwMBCH8CQAJAAkADQCAAIAFPDQMgAC0AACEFIABBAWohACAFQQR2IQYgBkEPRgRAA0AgACABTw0FIAAtAAAhCCAAQQFqIQAgBiAIaiEGIAhB/wFGDQALCyAAIAZqIAFLDQMgAyAGaiAESw0CIAZBEE0EQCADIAApAwA3AwAgAyAAKQMINwMIBUEAIQwCQANAIAwgBk8NASADIAxqIAAgDGopAwA3AwAgDEEIaiEMDAALCwsgACAGaiEAIAMgBmohAyAAIAFGBEAgAw8LIABBAmogAUsNAyAALwEAIQkgAEECaiEAIAlFDQEgCSADIAJrSw0BIAVBD3EhByAHQQ9GBEADQCAAIAFPDQUgAC0AACEIIABBAWohACAHIAhqIQcgCEH/AUYNAAsLIAdBBGohByADIAdqIARLDQIgAyAJayEKIAMgB2ohCyAJQQhPBEAgB0EQTQRAIAMgCikDADcDACADIAopAwg3AwgFA0AgAyAKKQMANwMAIANBCGohAyAKQQhqIQogAyALSQ0ACwsFA0AgAyAKLQAAOgAAIANBAWohAyAKQQFqIQogAyALSQ0ACwsgCyEDDAALC0F9DwtBfg8LQX8LhgICA38DfCAAIAFBBHRqIQYjACEKIwEhCwJAA0AgACAGTw0BIAAoAgghCCAIQYCAgoB4cQRAIwNBAWokAwUgACkDALkgC6AhCSAJIApjBEAjAiAKIAmhRAAAAAAAAOBBZCAKIAmhRAAAAAAAAPhBY3FxBEAgC0QAAAAAAADwQaAhCyAJRAAAAAAAAPBBoCEJIwRBAWokBAsgCSAKYwRAIAohCSMFQQFqJAULCyAJIQogAiAHQQN0aiAJOQMAIAMgB0EBdGogCDsBACAEIAdBAXRqIAhBEHY7AQAgBSAHaiAALQAMQQBHOgAAIAdBAWohBwsgAEEQaiEADAALCyAKJAAgCyQBIAcL';

const BLOCK_MAX_SIZES: Readonly<Record<number, number>> = {
  4: 0x10000,
  5: 0x40000,
  6: 0x100000,
  7: 0x400000,
};
const PAGE = 65536;
/** Spare bytes after the input and the output for the decoder's 8-byte copies. */
const SLACK = 16;
const MAX_MEMORY = 1 << 30;

type BlockDecode = (s: number, sEnd: number, dBase: number, d: number, dLimit: number) => number;
type EventsKernel = (src: number, count: number, t: number, x: number, y: number, p: number) => number;

function compile(): WebAssembly.Module | undefined {
  try {
    return new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  } catch {
    return undefined;
  }
}

const MODULE = typeof WebAssembly === 'object' ? compile() : undefined;

export class WasmKernels {
  private readonly memory: WebAssembly.Memory;
  private readonly decodeBlock: BlockDecode;
  private readonly decodeStructs: EventsKernel;
  private readonly globals: Record<
    'last' | 'offset' | 'repair_wraps' | 'negative' | 'wraps' | 'backwards',
    WebAssembly.Global
  >;

  private constructor(instance: WebAssembly.Instance) {
    const e = instance.exports;
    this.memory = e.memory as WebAssembly.Memory;
    this.decodeBlock = e.lz4_block as BlockDecode;
    this.decodeStructs = e.events as EventsKernel;
    this.globals = {
      last: e.last as WebAssembly.Global,
      offset: e.offset as WebAssembly.Global,
      repair_wraps: e.repair_wraps as WebAssembly.Global,
      negative: e.negative as WebAssembly.Global,
      wraps: e.wraps as WebAssembly.Global,
      backwards: e.backwards as WebAssembly.Global,
    };
  }

  /** Time state of the event loop: last emitted time, offset added, whether 2^32 jumps are repaired. */
  get lastT(): number {
    return this.globals.last.value as number;
  }
  set lastT(v: number) {
    this.globals.last.value = v;
  }
  get tOffset(): number {
    return this.globals.offset.value as number;
  }
  set tOffset(v: number) {
    this.globals.offset.value = v;
  }
  set repairTimeWraps(v: boolean) {
    this.globals.repair_wraps.value = v ? 1 : 0;
  }

  /** Counters since the last call: dropped negative coordinates, 2^32 repairs, clamped steps back. */
  takeCounters(): { negative: number; wraps: number; backwards: number } {
    const g = this.globals;
    const out = {
      negative: g.negative.value as number,
      wraps: g.wraps.value as number,
      backwards: g.backwards.value as number,
    };
    g.negative.value = 0;
    g.wraps.value = 0;
    g.backwards.value = 0;
    return out;
  }

  /**
   * Decodes `count` 16-byte Event structs (a view of this instance's memory, e.g. decodeFrame()'s
   * output, or any bytes, which are copied in) into the columns at index `at`; returns how many
   * events were written (events with negative coordinates are dropped).
   */
  decodeEvents(
    structs: Uint8Array,
    count: number,
    tUs: Float64Array,
    xs: Uint16Array,
    ys: Uint16Array,
    ps: Uint8Array,
    at: number,
  ): number {
    const bytes = count * 16;
    let src: number;
    if (structs.buffer === this.memory.buffer) {
      src = structs.byteOffset;
    } else {
      this.ensure(bytes + SLACK);
      new Uint8Array(this.memory.buffer, 0, bytes).set(structs.subarray(0, bytes));
      src = 0;
    }
    const t = (src + bytes + SLACK + 7) & ~7;
    const x = t + 8 * count;
    const y = x + 2 * count;
    const p = y + 2 * count;
    this.ensure(p + count + SLACK);
    const n = this.decodeStructs(src, count, t, x, y, p);
    const buffer = this.memory.buffer;
    tUs.set(new Float64Array(buffer, t, n), at);
    xs.set(new Uint16Array(buffer, x, n), at);
    ys.set(new Uint16Array(buffer, y, n), at);
    ps.set(new Uint8Array(buffer, p, n), at);
    return n;
  }

  /** A decoder, or undefined where WebAssembly is not available. */
  static create(): WasmKernels | undefined {
    if (!MODULE) return undefined;
    try {
      return new WasmKernels(new WebAssembly.Instance(MODULE, {}));
    } catch {
      return undefined;
    }
  }

  private ensure(bytes: number): void {
    if (bytes > MAX_MEMORY)
      throw new Lz4Error(0, `frame needs ${bytes} bytes of working memory (limit ${MAX_MEMORY})`);
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** Decodes one LZ4 frame; returns a view into this decoder's memory, valid until the next call. */
  decodeFrame(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n < 7) throw new Lz4Error(0, `frame header truncated (${n} bytes)`);
    const magic = (src[0] | (src[1] << 8) | (src[2] << 16) | (src[3] << 24)) >>> 0;
    if (magic !== 0x184d2204) throw new Lz4Error(0, `bad magic 0x${magic.toString(16)}`);
    const flg = src[4];
    if (flg >> 6 !== 1) throw new Lz4Error(4, `unsupported frame version ${flg >> 6}`);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    if ((flg & 0x01) !== 0) throw new Lz4Error(4, 'frames that need a dictionary are not supported');
    const blockMax = BLOCK_MAX_SIZES[(src[5] >> 4) & 7];
    if (blockMax === undefined) throw new Lz4Error(5, `bad block maximum size code ${(src[5] >> 4) & 7}`);
    // Layout: the frame at 0, the output from dBase (8-aligned, so event structs can be read as words).
    const dBase = (n + SLACK + 7) & ~7;
    this.ensure(dBase + (1 << 16) + SLACK);
    new Uint8Array(this.memory.buffer, 0, n).set(src);
    let s = 6 + ((flg & 0x08) !== 0 ? 8 : 0) + 1;
    let d = dBase;
    for (;;) {
      if (s + 4 > n) throw new Lz4Error(s, 'block size truncated (no end mark)');
      const word = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16) | (src[s + 3] << 24)) >>> 0;
      s += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax)
        throw new Lz4Error(s - 4, `block of ${size} bytes exceeds the frame's maximum ${blockMax}`);
      if (s + size + (blockChecksum ? 4 : 0) > n)
        throw new Lz4Error(s - 4, `block of ${size} bytes truncated`);
      if (word >= 0x80000000) {
        this.ensure(d + size + SLACK);
        new Uint8Array(this.memory.buffer).copyWithin(d, s, s + size);
        d += size;
      } else {
        let limit = Math.min(blockMax, Math.max(size * 8, 1 << 16));
        for (;;) {
          this.ensure(d + limit + SLACK);
          const end = this.decodeBlock(s, s + size, dBase, d, d + limit);
          if (end >= 0) {
            d = end;
            break;
          }
          if (end === -2 && limit < blockMax) {
            limit = blockMax;
            continue;
          }
          throw new Lz4Error(
            s,
            end === -2
              ? 'block decodes to more than the block size'
              : end === -3
                ? 'match offset reaches before the start of the output'
                : 'block is malformed or truncated',
            end === -2,
          );
        }
      }
      s += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum && s + 4 > n) throw new Lz4Error(s, 'content checksum truncated');
    return new Uint8Array(this.memory.buffer, dBase, d - dBase);
  }
}
