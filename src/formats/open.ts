/**
 * Recordings on disk: detect a file's format by its content and decode it in bounded-memory
 * chunks. Used by the file replay driver and the `info`/`convert` commands.
 *
 *   const rec = await openRecording('walk.bin', { format: 'nmnist' });
 *   for await (const packet of rec) { ... }   // throws DecodeError after the good packets
 *   console.log(rec.info, rec.stats);
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { DecodeStats } from '../events/decode-stats.ts';
import { DecodeError, UsageError } from '../events/errors.ts';
import { concatPackets, type EventPacket } from '../events/packet.ts';
import type { StreamInfo } from '../events/stream-info.ts';
import { DETECT_HEAD_BYTES, detectFormat, FORMATS, getFormat } from './registry.ts';
import type { EventDecoder, FormatSpec } from './types.ts';

/** Default bytes per read. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

export interface OpenRecordingOptions {
  /** Format name from the registry; default: detected from the first 64 KiB of the file. */
  readonly format?: string;
  /** Bytes per read (memory held per chunk is about this plus the decoded packet). Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Geometry given by the user (headerless formats; overrides a header). */
  readonly width?: number;
  readonly height?: number;
  /** Format-specific decoder options (e.g. CSV `columns`, N-MNIST `overflowIncrementUs`). */
  readonly decoderOptions?: Readonly<Record<string, unknown>>;
  /**
   * Iteration throws a DecodeError (after yielding every good packet) when the decoder hits a
   * fatal problem. Default true; when false, iteration just ends and `stats.fatal` tells.
   */
  readonly throwOnFatal?: boolean;
}

function validateChunk(chunkBytes: number | undefined): number {
  if (chunkBytes === undefined) return DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > 1 << 30) {
    throw new RangeError(`"chunkBytes" must be an integer in [1, 2^30], got ${chunkBytes}`);
  }
  return chunkBytes;
}

/** Reads up to `length` bytes at `position` (fewer only at the end of the file). */
async function readAt(fh: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Picks the format of a stream whose first bytes are `head`, or explains why not. */
export function resolveFormat(head: Uint8Array, path: string, forced?: string): FormatSpec {
  if (forced !== undefined) return getFormat(forced);
  const spec = detectFormat(head);
  if (!spec) {
    const known = FORMATS.map((f) => f.name).join(', ');
    throw new UsageError(
      head.length === 0
        ? `${path}: empty file; nothing to decode`
        : `${path}: cannot tell the format from its content; name it with --format (known: ${known})`,
    );
  }
  return spec;
}

/** An open recording: iterate it (once) for packets; `info` and `stats` fill in as it is read. */
export class Recording implements AsyncIterable<EventPacket> {
  /** Bytes read from the file so far. */
  bytesRead = 0;
  private started = false;
  private closed = false;

  constructor(
    readonly path: string,
    readonly format: FormatSpec,
    readonly decoder: EventDecoder,
    /** File size in bytes when opened. */
    readonly size: number,
    private readonly handle: FileHandle,
    private readonly chunkBytes: number,
    private readonly throwOnFatal: boolean,
  ) {}

  /** Stream info, once the decoder has read the header (immediately for headerless formats). */
  get info(): StreamInfo | undefined {
    return this.decoder.info;
  }

  get stats(): DecodeStats {
    return this.decoder.stats;
  }

  /** Reads the next chunk and returns the events it completed; null at the end (file closed). */
  async next(): Promise<EventPacket | null> {
    if (this.closed) return null;
    this.started = true;
    const stats = this.decoder.stats;
    if (stats.fatal) return this.finish();
    const chunk = await readAt(this.handle, this.chunkBytes, this.bytesRead);
    if (chunk.length === 0) {
      const tail = this.decoder.end();
      await this.close();
      this.raiseIfFatal();
      return tail;
    }
    this.bytesRead += chunk.length;
    return this.decoder.push(chunk);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventPacket> {
    if (this.started) throw new Error(`${this.path}: a Recording can be iterated only once`);
    try {
      for (;;) {
        const packet = await this.next();
        if (packet === null) return;
        if (packet.length > 0) yield packet;
        if (this.decoder.stats.fatal) {
          await this.finish();
          return;
        }
      }
    } finally {
      await this.close();
    }
  }

  /** The fatal problem as a DecodeError naming the file, byte offset and field; undefined if none. */
  fatalError(): DecodeError | undefined {
    const f = this.decoder.stats.fatal;
    return f ? new DecodeError(this.path, f.byteOffset, f.field, f.message) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private async finish(): Promise<null> {
    // Headerless decoders that learn their geometry at the end (CSV) describe the good part.
    if (this.decoder.info === undefined) this.decoder.end();
    await this.close();
    this.raiseIfFatal();
    return null;
  }

  private raiseIfFatal(): void {
    if (!this.throwOnFatal) return;
    const err = this.fatalError();
    if (err) throw err;
  }
}

/** Opens a recording and picks its decoder (forced format or detection by content). */
export async function openRecording(path: string, options: OpenRecordingOptions = {}): Promise<Recording> {
  const chunkBytes = validateChunk(options.chunkBytes);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${path}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${path}: is a directory`);
    if (code === 'EACCES') throw new UsageError(`${path}: permission denied`);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory`);
    const size = st.size;
    const spec =
      options.format !== undefined
        ? getFormat(options.format)
        : resolveFormat(await readAt(fh, DETECT_HEAD_BYTES, 0), path);
    const decoderOptions: Record<string, unknown> = { ...options.decoderOptions, origin: path };
    if (options.width !== undefined) decoderOptions.width = options.width;
    if (options.height !== undefined) decoderOptions.height = options.height;
    const decoder = spec.createDecoder(decoderOptions);
    return new Recording(path, spec, decoder, size, fh, chunkBytes, options.throwOnFatal ?? true);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Reads just far enough into a recording to know its stream info (usually the header; the whole
 * file for a CSV without geometry, whose geometry is inferred from all events), then closes it.
 * Throws a DecodeError when the file is damaged before that.
 */
export async function probeRecordingInfo(
  path: string,
  options: OpenRecordingOptions = {},
): Promise<{ info: StreamInfo; format: string }> {
  const rec = await openRecording(path, { ...options, throwOnFatal: false });
  try {
    while (rec.info === undefined) {
      const packet = await rec.next();
      const fatal = rec.fatalError();
      if (fatal) throw fatal;
      if (packet === null) break;
    }
    const info = rec.info;
    if (!info)
      throw new DecodeError(path, rec.stats.bytes, 'header', 'the file ends before its header is complete');
    return { info, format: rec.format.name };
  } finally {
    await rec.close();
  }
}

/** Decoded packets of a file, in bounded memory; throws DecodeError after the good packets on damage. */
export async function* decodeFile(
  path: string,
  options: OpenRecordingOptions = {},
): AsyncGenerator<EventPacket, void, undefined> {
  const rec = await openRecording(path, options);
  yield* rec;
}

/** A whole (small) recording in memory: one packet, its info and decode stats. */
export interface LoadedRecording {
  readonly packet: EventPacket;
  readonly info: StreamInfo;
  readonly stats: DecodeStats;
  readonly format: string;
}

/** Reads a whole recording into one packet (for tests and small files; use decodeFile for large ones). */
export async function readRecording(
  path: string,
  options: OpenRecordingOptions = {},
): Promise<LoadedRecording> {
  const rec = await openRecording(path, options);
  const parts: EventPacket[] = [];
  for await (const p of rec) parts.push(p);
  const info = rec.info;
  if (!info)
    throw new DecodeError(path, rec.stats.bytes, 'header', 'the file ended before its header was complete');
  return { packet: concatPackets(parts), info, stats: rec.stats, format: rec.format.name };
}
