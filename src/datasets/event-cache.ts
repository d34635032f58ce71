/**
 * The on-disk format of event data sets (emulated N-MNIST and friends): "SSEVSET" version 1.
 *
 * All integers little-endian.
 *
 *   offset  size  field
 *        0     8  magic "SSEVSET\0"
 *        8     4  version (1)
 *       12     4  sample count N
 *       16     2  sensor width W
 *       18     2  sensor height H
 *       20     4  nominal sample duration, µs
 *       24     4  J = length of the JSON description in bytes
 *       28     4  reserved (0)
 *       32     J  JSON (UTF-8): { key, name, classNames, provenance, ... } — `key` identifies the
 *                 generator settings and source; a cache whose key differs is stale
 *   P = 32 + J rounded up to a multiple of 8
 *        P  8(N+1) float64 byte offset of each sample's event block, relative to D, plus the end
 *   + 8(N+1)  4N    uint32 event count per sample
 *   + 4N       N    uint8 label per sample, then zero padding to a multiple of 8 → D
 *        D     …    event blocks, sample after sample
 *
 * An event block lists the sample's events in time order, two unsigned LEB128 varints each:
 * the time since the previous event of the sample (the first: since the sample start) in µs,
 * then (y·W + x)·2 + polarity. Typical N-MNIST-like events take 3 bytes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DecodeError } from '../events/errors.ts';
import { allocateColumns, type EventPacket, packetOf } from '../events/packet.ts';

export const EVENT_SET_MAGIC = 'SSEVSET\0';
export const EVENT_SET_VERSION = 1;
const FIXED_HEADER = 32;

export interface EventSetHeader {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly durationUs: number;
  /** The JSON description (must hold at least `key`). */
  readonly meta: Readonly<Record<string, unknown>> & { readonly key: string };
}

/** Encodes the events of one sample (times relative to the sample start, integer µs ≥ 0). */
export function encodeEventBlock(packet: EventPacket, width: number, height: number): Uint8Array {
  const n = packet.length;
  const out = new Uint8Array(n * 10 + 16);
  let o = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const t = packet.tUs[i];
    let dt = t - prev;
    if (!(dt >= 0) || !Number.isInteger(dt)) {
      throw new RangeError(`event ${i}: time ${t} µs is not an integer ≥ the previous (${prev} µs)`);
    }
    prev = t;
    const x = packet.x[i];
    const y = packet.y[i];
    if (x >= width || y >= height)
      throw new RangeError(`event ${i}: (${x}, ${y}) outside ${width}×${height}`);
    let code = (y * width + x) * 2 + (packet.p[i] ? 1 : 0);
    while (dt >= 0x80) {
      out[o++] = (dt % 0x80) | 0x80;
      dt = Math.floor(dt / 0x80);
    }
    out[o++] = dt;
    while (code >= 0x80) {
      out[o++] = (code & 0x7f) | 0x80;
      code >>>= 7;
    }
    out[o++] = code;
  }
  return out.slice(0, o);
}

/** Decodes an event block of `count` events; `origin`/`offset` name it in errors. */
export function decodeEventBlock(
  bytes: Uint8Array,
  count: number,
  width: number,
  origin: string,
  offset: number,
): EventPacket {
  const cols = allocateColumns(count);
  let o = 0;
  let t = 0;
  const pixels = width;
  for (let i = 0; i < count; i++) {
    let dt = 0;
    let scale = 1;
    let b: number;
    do {
      if (o >= bytes.length)
        throw new DecodeError(origin, offset + o, 'events', `block ends inside event ${i} of ${count}`);
      b = bytes[o++];
      dt += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b & 0x80);
    let code = 0;
    scale = 1;
    do {
      if (o >= bytes.length)
        throw new DecodeError(origin, offset + o, 'events', `block ends inside event ${i} of ${count}`);
      b = bytes[o++];
      code += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b & 0x80);
    t += dt;
    const p = code & 1;
    const pixel = (code - p) / 2;
    const y = Math.floor(pixel / pixels);
    cols.tUs[i] = t;
    cols.x[i] = pixel - y * pixels;
    cols.y[i] = y;
    cols.p[i] = p;
  }
  if (o !== bytes.length)
    throw new DecodeError(
      origin,
      offset + o,
      'events',
      `${bytes.length - o} bytes left after ${count} events`,
    );
  return packetOf(cols, count);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Builds the header and index bytes (everything before the event blocks). */
export function encodeEventSetHeader(
  header: EventSetHeader,
  labels: Uint8Array,
  eventCounts: Uint32Array,
  blockSizes: ArrayLike<number>,
): Uint8Array {
  const { count, width, height, durationUs } = header;
  if (labels.length !== count || eventCounts.length !== count || blockSizes.length !== count) {
    throw new RangeError(`index arrays must have ${count} entries`);
  }
  const json = new TextEncoder().encode(JSON.stringify(header.meta));
  const p = align8(FIXED_HEADER + json.length);
  const d = align8(p + 8 * (count + 1) + 4 * count + count);
  const out = new Uint8Array(d);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = EVENT_SET_MAGIC.charCodeAt(i);
  view.setUint32(8, EVENT_SET_VERSION, true);
  view.setUint32(12, count, true);
  view.setUint16(16, width, true);
  view.setUint16(18, height, true);
  view.setUint32(20, durationUs, true);
  view.setUint32(24, json.length, true);
  out.set(json, FIXED_HEADER);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    view.setFloat64(p + 8 * i, offset, true);
    offset += blockSizes[i];
  }
  view.setFloat64(p + 8 * count, offset, true);
  const countsAt = p + 8 * (count + 1);
  for (let i = 0; i < count; i++) view.setUint32(countsAt + 4 * i, eventCounts[i], true);
  out.set(labels, countsAt + 4 * count);
  return out;
}

/** An event set file opened for random access: the index in memory, events read per sample. */
export class EventSetFile {
  readonly header: EventSetHeader;
  readonly labels: Uint8Array;
  readonly eventCounts: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly dataStart: number;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    header: EventSetHeader,
    offsets: Float64Array,
    counts: Uint32Array,
    labels: Uint8Array,
    dataStart: number,
  ) {
    this.fd = fd;
    this.header = header;
    this.offsets = offsets;
    this.eventCounts = counts;
    this.labels = labels;
    this.dataStart = dataStart;
  }

  /** Opens and validates a file; throws DecodeError naming the offset and field on damage. */
  static open(path: string): EventSetFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const fixed = readAt(fd, 0, FIXED_HEADER, path, 'header');
      const magic = String.fromCharCode(...fixed.subarray(0, 8));
      if (magic !== EVENT_SET_MAGIC)
        throw new DecodeError(path, 0, 'magic', `not an SSEVSET event set (magic ${JSON.stringify(magic)})`);
      const view = new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength);
      const version = view.getUint32(8, true);
      if (version !== EVENT_SET_VERSION)
        throw new DecodeError(
          path,
          8,
          'version',
          `unsupported version ${version} (this build reads ${EVENT_SET_VERSION})`,
        );
      const count = view.getUint32(12, true);
      const width = view.getUint16(16, true);
      const height = view.getUint16(18, true);
      const durationUs = view.getUint32(20, true);
      const jsonLength = view.getUint32(24, true);
      const p = align8(FIXED_HEADER + jsonLength);
      const d = align8(p + 8 * (count + 1) + 4 * count + count);
      if (d > size)
        throw new DecodeError(
          path,
          size,
          'index',
          `file of ${size} bytes ends inside the header/index (needs ${d})`,
        );
      const rest = readAt(fd, FIXED_HEADER, d - FIXED_HEADER, path, 'index');
      let meta: EventSetHeader['meta'];
      try {
        meta = JSON.parse(new TextDecoder().decode(rest.subarray(0, jsonLength)));
      } catch (err) {
        throw new DecodeError(path, FIXED_HEADER, 'json', `bad JSON description: ${(err as Error).message}`);
      }
      if (typeof meta?.key !== 'string')
        throw new DecodeError(path, FIXED_HEADER, 'json', 'description has no "key"');
      const rv = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
      const base = p - FIXED_HEADER;
      const offsets = new Float64Array(count + 1);
      for (let i = 0; i <= count; i++) offsets[i] = rv.getFloat64(base + 8 * i, true);
      const countsAt = base + 8 * (count + 1);
      const counts = new Uint32Array(count);
      for (let i = 0; i < count; i++) counts[i] = rv.getUint32(countsAt + 4 * i, true);
      const labels = rest.slice(countsAt + 4 * count, countsAt + 5 * count);
      for (let i = 0; i < count; i++) {
        if (!(offsets[i + 1] >= offsets[i]))
          throw new DecodeError(
            path,
            p + 8 * (i + 1),
            'offsets',
            `sample ${i + 1} starts before sample ${i}`,
          );
      }
      if (d + offsets[count] !== size) {
        throw new DecodeError(
          path,
          Math.min(size, d + offsets[count]),
          'events',
          `index says ${d + offsets[count]} bytes, file has ${size} (truncated or padded)`,
        );
      }
      return new EventSetFile(
        path,
        fd,
        { count, width, height, durationUs, meta },
        offsets,
        counts,
        labels,
        d,
      );
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Events of sample i, times from its start. */
  sample(i: number): EventPacket {
    if (this.fd === undefined) throw new Error(`${this.path}: event set is closed`);
    const start = this.dataStart + this.offsets[i];
    const bytes = readAt(this.fd, start, this.offsets[i + 1] - this.offsets[i], this.path, 'events');
    return decodeEventBlock(bytes, this.eventCounts[i], this.header.width, this.path, start);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function readAt(fd: number, position: number, length: number, path: string, field: string): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0)
      throw new DecodeError(path, position + done, field, `file ends ${length - done} bytes early`);
    done += n;
  }
  return buf;
}
