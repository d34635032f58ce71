/**
 * Shared skeleton of the Prophesee decoders (EVT 2.0, 2.1, 3.0, DAT): reads the `%` header
 * (split across chunks or not), lets the format build its StreamInfo from it, then hands the
 * body bytes to the format with their absolute offsets. Handles fatal issues, `end()` and the
 * byte/event counters, so each format only writes its header interpretation and inner loop.
 */
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import { EMPTY_PACKET, type EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { EventDecoder } from '../types.ts';
import { type PercentHeader, PercentHeaderReader } from './header.ts';

export abstract class HeaderedDecoder implements EventDecoder {
  info: StreamInfo | undefined = undefined;
  readonly stats = new DecodeStats();
  protected readonly builder = new PacketBuilder(1 << 14);
  protected readonly origin: string;
  private readonly headerReader = new PercentHeaderReader();
  private bodyStarted = false;
  private ended = false;
  /** Absolute offset of the next byte to be pushed. */
  private streamOffset = 0;

  constructor(origin: string | undefined) {
    if (origin !== undefined && typeof origin !== 'string') {
      throw new TypeError(`"origin" must be a string, got ${typeof origin}`);
    }
    this.origin = origin ?? '';
  }

  /** Builds `info` from the header; may record a fatal issue in `stats`. */
  protected abstract startBody(header: PercentHeader): void;
  /** Decodes body bytes starting at absolute offset `offset`, appending events to `builder`. */
  protected abstract decodeBody(bytes: Uint8Array, offset: number): void;
  /** End of input: report an incomplete trailing record. */
  protected abstract finishBody(endOffset: number): void;
  /** Body bytes received but not yet decoded (an incomplete word). */
  protected abstract pendingBytes(): number;

  push(chunk: Uint8Array): EventPacket {
    if (this.ended) throw new Error('push() after end()');
    const start = this.streamOffset;
    this.streamOffset += chunk.length;
    if (this.stats.fatal) return this.flush();
    let body = chunk;
    let bodyOffset = start;
    if (!this.bodyStarted) {
      const at = this.headerReader.feed(chunk);
      if (this.headerReader.problem) {
        const p = this.headerReader.problem;
        this.stats.issue(p.byteOffset, p.field, p.message, true);
        return this.flush();
      }
      if (at < 0) return this.flush();
      this.bodyStarted = true;
      this.startBody(this.headerReader.header!);
      body = chunk.subarray(at);
      bodyOffset = start + at;
    }
    if (!this.stats.fatal && body.length > 0) this.decodeBody(body, bodyOffset);
    return this.flush();
  }

  end(): EventPacket {
    if (this.ended) return EMPTY_PACKET;
    this.ended = true;
    if (!this.bodyStarted && !this.stats.fatal) {
      this.headerReader.finishAtEof();
      this.bodyStarted = true;
      this.startBody(this.headerReader.header!);
    }
    if (!this.stats.fatal) this.finishBody(this.streamOffset);
    return this.flush();
  }

  private flush(): EventPacket {
    const packet = this.builder.take();
    this.stats.events += packet.length;
    this.stats.bytes = this.streamOffset - (this.bodyStarted && !this.stats.fatal ? this.pendingBytes() : 0);
    return packet;
  }
}
