/**
 * The contracts every format module implements (DESIGN.md §3).
 *
 * Decoders see only Uint8Array chunks, never a file or a port. They are resumable state
 * machines: decoding any split of a byte stream equals decoding it whole. They never throw on
 * bad bytes: problems go to `stats` with their byte offset, every complete event before the
 * damage is delivered, and a fatal problem stops decoding (later pushes return nothing).
 */
import type { DecodeStats } from '../events/decode-stats.ts';
import type { EventPacket } from '../events/packet.ts';
import type { StreamInfo } from '../events/stream-info.ts';

export interface EventDecoder {
  /** Stream info, known once the header has been read; undefined before. */
  readonly info: StreamInfo | undefined;
  readonly stats: DecodeStats;
  /** Feeds the next chunk; returns the events it completed (possibly EMPTY_PACKET). */
  push(chunk: Uint8Array): EventPacket;
  /** End of input: returns what is left; an incomplete trailing record becomes an issue. */
  end(): EventPacket;
}

/** A byte patch that a seekable sink applies after `end()` (e.g. a header field only known at the end). */
export interface BytePatch {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface EventEncoder {
  /** Header bytes; call once, first. */
  begin(info: StreamInfo): Uint8Array;
  /** Bytes for one packet of events. */
  encode(packet: EventPacket): Uint8Array;
  /** Trailer bytes (data tables, flushes). */
  end(): Uint8Array;
  /**
   * Patches for a seekable sink, available after `end()`; a stream sink may ignore them and
   * the file must still decode (only optional features such as a seek table may be lost).
   */
  patches?(): readonly BytePatch[];
}

/** Options every decoder accepts. */
export interface DecoderOptions {
  /** Name of the file or URI, used in error messages and StreamInfo.origin. */
  readonly origin?: string;
  /** Geometry given by the user: overrides the header (headerless formats need it or a default). */
  readonly width?: number;
  readonly height?: number;
}

export interface EncoderOptions {
  readonly origin?: string;
}

export interface FormatSpec {
  /** Registry name: "aedat2", "aedat3", "aedat4", "evt2", "evt21", "evt3", "dat", "nmnist", "es", "csv". */
  readonly name: string;
  readonly description: string;
  /** Usual file extensions (informational: detection reads bytes, not names). */
  readonly extensions: readonly string[];
  /**
   * Confidence in [0, 1] that a stream starting with `head` (up to 64 KiB) is this format:
   * 1 for an exact magic/header, lower for heuristics, 0 for no.
   */
  detect(head: Uint8Array): number;
  createDecoder(options?: DecoderOptions & Record<string, unknown>): EventDecoder;
  /** Present for writable formats. */
  createEncoder?(options?: EncoderOptions & Record<string, unknown>): EventEncoder;
}
