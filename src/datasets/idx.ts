/**
 * IDX files (the MNIST / Fashion-MNIST / EMNIST container), plain or gzip-compressed.
 *
 * Layout (big-endian): 2 zero bytes, 1 type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
 * 0x0D float32, 0x0E float64), 1 byte dimension count d, d × uint32 sizes, then the values in
 * row-major order. Every check failure names the file, the byte offset and the field.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DecodeError } from '../events/errors.ts';

export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor {
  /** Sizes per dimension, outermost first (e.g. [60000, 28, 28]). */
  readonly dims: readonly number[];
  /** The type byte: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64. */
  readonly typeCode: number;
  /** Values in row-major order, converted to host byte order. */
  readonly data: IdxArray;
}

const ELEMENT_SIZE: Readonly<Record<number, number>> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses an IDX file already in memory (decompressed). `origin` names it in errors. */
export function parseIdx(bytes: Uint8Array, origin = '<idx>'): IdxTensor {
  if (bytes.length < 4)
    throw new DecodeError(
      origin,
      0,
      'magic',
      `file is ${bytes.length} bytes, shorter than the 4-byte IDX magic`,
    );
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DecodeError(
      origin,
      0,
      'magic',
      `not an IDX file: first bytes are 0x${hex(bytes[0])} 0x${hex(bytes[1])}, expected 0x00 0x00`,
    );
  }
  const typeCode = bytes[2];
  const elementSize = ELEMENT_SIZE[typeCode];
  if (elementSize === undefined) {
    throw new DecodeError(origin, 2, 'type', `unknown IDX element type 0x${hex(typeCode)}`);
  }
  const rank = bytes[3];
  if (rank === 0) throw new DecodeError(origin, 3, 'dimensions', 'IDX file declares 0 dimensions');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DecodeError(origin, bytes.length, 'dimensions', `file ends inside the ${rank} dimension sizes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const expected = headerBytes + count * elementSize;
  if (bytes.length !== expected) {
    const where = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw new DecodeError(
      origin,
      Math.min(bytes.length, expected),
      'data',
      `${where}: dimensions ${dims.join('×')} of ${elementSize}-byte values need ${expected} bytes, file has ${bytes.length}`,
    );
  }
  return { dims, typeCode, data: readValues(view, headerBytes, count, typeCode, bytes) };
}

function readValues(
  view: DataView,
  offset: number,
  n: number,
  typeCode: number,
  bytes: Uint8Array,
): IdxArray {
  switch (typeCode) {
    case 0x08:
      return bytes.slice(offset, offset + n);
    case 0x09:
      return new Int8Array(bytes.slice(offset, offset + n).buffer);
    case 0x0b: {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 0x0c: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 0x0d: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Reads and parses an IDX file; gzip is detected from the content, not the name. */
export function readIdxFile(path: string): IdxTensor {
  let bytes: Uint8Array = readFileSync(path);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DecodeError(path, 0, 'gzip', `corrupt gzip stream: ${(err as Error).message}`);
    }
  }
  return parseIdx(bytes, path);
}

/** Encodes a uint8 tensor as IDX (for tests and for exporting generated data). */
export function encodeIdxUint8(dims: readonly number[], data: Uint8Array): Uint8Array {
  let count = 1;
  for (const d of dims) count *= d;
  if (count !== data.length)
    throw new RangeError(`dims ${dims.join('×')} need ${count} values, got ${data.length}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  for (let d = 0; d < dims.length; d++) view.setUint32(4 + 4 * d, dims[d], false);
  out.set(data, header);
  return out;
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}
