/** Types for the parts of lz4js 0.2.0 we use (the package ships none). */
declare module 'lz4js' {
  /** Compresses `src` into one LZ4 frame (FLG 0x40: linked blocks, no checksums, 4 MiB blocks). */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Decompresses one LZ4 frame. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  export function compressBound(n: number): number;
}
