/**
 * Common part of the RAW (EVT 2.0 / 2.1 / 3.0) decoders: header interpretation into StreamInfo,
 * word alignment of the body, geometry limits, and the report of a truncated last word.
 */
import { makeStreamInfo } from '../../events/stream-info.ts';
import type { DecoderOptions } from '../types.ts';
import type { PercentHeader } from './header.ts';
import { HeaderedDecoder } from './headered-decoder.ts';
import { type Evt21Endianness, interpretRawHeader, validateGeometryOptions } from './raw-header.ts';
import type { RawEventFormat } from './system-id.ts';
import { WordAligner } from './word-aligner.ts';

export abstract class RawEvtDecoder extends HeaderedDecoder {
  protected readonly aligner: WordAligner;
  private readonly wordBytes: number;
  private readonly format: RawEventFormat;
  private readonly userWidth: number | undefined;
  private readonly userHeight: number | undefined;
  /**
   * Exclusive bounds for x and y. Events outside are dropped (skipped "out_of_bounds") only when
   * the geometry comes from the header or the user; otherwise the bounds are the address width.
   */
  protected maxX: number;
  protected maxY: number;
  private readonly addressLimit: number;
  /** Byte order the header asked for (EVT 2.1). */
  protected headerEndianness: Evt21Endianness | undefined;
  private firstOutOfBoundsReported = false;
  /** Events per word seen in the last large chunk; sizes the next reservation (no regrowth copies). */
  private eventsPerWord: number;
  private readonly maxEventsPerWord: number;

  constructor(
    format: RawEventFormat,
    wordBytes: number,
    fieldBytes: 2 | 4,
    addressBits: number,
    maxEventsPerWord: number,
    options: DecoderOptions = {},
  ) {
    super(options.origin);
    validateGeometryOptions(options);
    this.format = format;
    this.wordBytes = wordBytes;
    this.aligner = new WordAligner(wordBytes, fieldBytes);
    this.userWidth = options.width;
    this.userHeight = options.height;
    this.addressLimit = 2 ** addressBits;
    this.maxX = this.addressLimit;
    this.maxY = this.addressLimit;
    this.maxEventsPerWord = maxEventsPerWord;
    this.eventsPerWord = Math.min(1, maxEventsPerWord);
  }

  /**
   * Reserves builder room for decoding `words` words, sized from the events per word of the last
   * large chunk (plus 1/8) so that vector-heavy streams do not regrow (and copy) the columns.
   */
  protected reserveFor(words: number): void {
    const estimate = Math.ceil(words * this.eventsPerWord * 1.125) + 64;
    this.builder.reserve(Math.min(estimate, words * this.maxEventsPerWord + 64));
  }

  /** Records the events per word of a chunk, for the next reservation. */
  protected noteYield(words: number, events: number): void {
    if (words >= 4096) this.eventsPerWord = Math.min(this.maxEventsPerWord, events / words);
  }

  protected startBody(header: PercentHeader): void {
    const r = interpretRawHeader(header, this.format, { width: this.userWidth, height: this.userHeight });
    for (const issue of r.issues) this.stats.issue(issue.byteOffset, issue.field, issue.message, issue.fatal);
    this.headerEndianness = r.endianness;
    this.info = makeStreamInfo({
      width: r.width,
      height: r.height,
      format: this.format,
      origin: this.origin,
      geometrySource: r.geometrySource,
      metadata: r.metadata,
    });
    if (r.geometrySource === 'header' || r.geometrySource === 'user') {
      this.maxX = Math.min(r.width, this.addressLimit);
      this.maxY = Math.min(r.height, this.addressLimit);
    }
  }

  protected pendingBytes(): number {
    return this.aligner.pending;
  }

  protected finishBody(endOffset: number): void {
    const pending = this.aligner.pending;
    if (pending > 0) {
      this.stats.issue(
        endOffset - pending,
        'word',
        `truncated: ${pending} trailing byte(s) of an incomplete ${this.wordBytes}-byte word`,
      );
      this.aligner.clear();
    }
  }

  /** Records the first event dropped for being outside the geometry (cold path). */
  protected reportOutOfBounds(byteOffset: number, x: number, y: number): void {
    if (this.firstOutOfBoundsReported) return;
    this.firstOutOfBoundsReported = true;
    const info = this.info;
    this.stats.issue(
      byteOffset,
      'address',
      `event at x=${x}, y=${y} outside the ${info?.width}x${info?.height} geometry; such events are dropped and counted in skipped.out_of_bounds`,
    );
  }
}
