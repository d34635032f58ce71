/**
 * Payload codecs of AEDAT 4 (IOHeader.compression applies to every packet and to the
 * FileDataTable): NONE, LZ4 and LZ4_HIGH (one LZ4 frame per payload), ZSTD and ZSTD_HIGH (one
 * zstd frame per payload). Decoding reuses one output buffer per decoder.
 */
import { Compression } from './schema.ts';
import { LZ4_FRAME_MAGIC, Lz4Encoder, lz4DecodeFrame, OutputBuffer } from './lz4.ts';
import { WasmKernels } from './wasm-kernels.ts';
import { ZSTD_FRAME_MAGIC, zstdDecodeFrame, zstdStoredFrame } from './zstd.ts';

// Codes as local constants: read once per packet, they should not go through a module binding.
const { NONE, LZ4, LZ4_HIGH, ZSTD, ZSTD_HIGH } = Compression;

/** Which LZ4 block decoder to use: WebAssembly when available (default), or TypeScript. */
export type Lz4Implementation = 'auto' | 'wasm' | 'js';

/** Decompresses payloads; the returned view is valid until the next call. Throws on bad data. */
export class PayloadDecompressor {
  private readonly out = new OutputBuffer(1 << 16);
  /** The WebAssembly kernels LZ4 output lives in (undefined: TypeScript fallback). */
  readonly wasm: WasmKernels | undefined;

  constructor(lz4: Lz4Implementation = 'auto') {
    this.wasm = lz4 === 'js' ? undefined : WasmKernels.create();
    if (lz4 === 'wasm' && !this.wasm) throw new Error('WebAssembly kernels unavailable in this runtime');
  }

  decompress(codec: number, payload: Uint8Array): Uint8Array {
    switch (codec) {
      case NONE:
        return payload;
      case LZ4:
      case LZ4_HIGH: {
        if (this.wasm) return this.wasm.decodeFrame(payload);
        const n = lz4DecodeFrame(payload, this.out);
        return this.out.bytes.subarray(0, n);
      }
      case ZSTD:
      case ZSTD_HIGH:
        return zstdDecodeFrame(payload);
      default:
        throw new Error(`unknown compression code ${codec}`);
    }
  }
}

/** Which codec a compressed region starts with, judging by its magic; NONE otherwise. */
export function sniffCodec(bytes: Uint8Array): number {
  if (bytes.length < 4) return NONE;
  const magic = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  if (magic === LZ4_FRAME_MAGIC) return LZ4;
  if (magic === ZSTD_FRAME_MAGIC) return ZSTD;
  return NONE;
}

/**
 * Compresses payloads for writing: LZ4 gives one frame as DV writes them (FLG 0x40, 64 KiB
 * blocks, our greedy compressor); ZSTD gives a *stored* frame (we have no zstd compressor).
 */
export class PayloadCompressor {
  private readonly lz4 = new Lz4Encoder();

  compress(codec: number, payload: Uint8Array): Uint8Array {
    switch (codec) {
      case NONE:
        return payload;
      case LZ4:
      case LZ4_HIGH:
        return this.lz4.encodeFrame(payload);
      case ZSTD:
      case ZSTD_HIGH:
        return zstdStoredFrame(payload);
      default:
        throw new RangeError(`unknown compression code ${codec}`);
    }
  }
}
