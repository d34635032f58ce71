/**
 * Resumable reader for the ASCII `%` header that starts Prophesee RAW (EVT 2.0 / 2.1 / 3.0) and
 * DAT files (event-formats.md §2.5, §2.10).
 *
 * Syntax: lines `% <key> <value>\n`. The header ends after a `% end` line (newer writers) or at
 * the first line that does not start with `%` (older writers): that byte is the first data byte.
 * Only line starts are inspected, never the binary after the header. A trailing `\r` is dropped
 * so CRLF headers read the same.
 */

/** One `% key value` line. Lines without a space after `%` keep an empty key and the text as value. */
export interface HeaderLine {
  readonly key: string;
  readonly value: string;
  /** Absolute byte offset of the line's `%`. */
  readonly byteOffset: number;
}

export interface PercentHeader {
  readonly lines: readonly HeaderLine[];
  /** Bytes of the header, `% end` line included: the offset of the first data byte. */
  readonly byteLength: number;
  /** How the header ended: an explicit `% end`, the first non-`%` byte, or the end of the input. */
  readonly endedBy: 'end-line' | 'data' | 'eof';
}

/** A header problem; the reader stops at the first one. */
export interface HeaderProblem {
  readonly byteOffset: number;
  readonly field: string;
  readonly message: string;
}

const PERCENT = 0x25;
const NEWLINE = 0x0a;

/** Longest header line accepted; a longer one means the bytes are not a header. */
export const MAX_HEADER_LINE_BYTES = 64 * 1024;
/** Largest header accepted. */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024;

const latin1 = new TextDecoder('latin1');

export class PercentHeaderReader {
  private readonly lines: HeaderLine[] = [];
  /** Bytes of the current, unfinished line (a header is small; per-chunk copies are fine). */
  private partial: Uint8Array = new Uint8Array(0);
  private partialStart = 0;
  private inLine = false;
  private consumed = 0;
  private result: PercentHeader | undefined;
  private failure: HeaderProblem | undefined;

  /** The header once complete. */
  get header(): PercentHeader | undefined {
    return this.result;
  }

  /** The problem that stopped the reader, if any. */
  get problem(): HeaderProblem | undefined {
    return this.failure;
  }

  get done(): boolean {
    return this.result !== undefined || this.failure !== undefined;
  }

  /**
   * Reads header bytes from `chunk`. Returns the index in `chunk` of the first data byte once the
   * header is complete, or -1 when the whole chunk belonged to the header (or a problem stopped it).
   */
  feed(chunk: Uint8Array): number {
    if (this.done) return this.failure ? -1 : 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!this.inLine) {
        if (chunk[i] !== PERCENT) {
          this.finish('data', this.consumed + i);
          return i;
        }
        this.inLine = true;
        this.partialStart = this.consumed + i;
      }
      const nl = chunk.indexOf(NEWLINE, i);
      const stop = nl < 0 ? n : nl;
      const lineBytes = this.partial.length + (stop - i);
      if (lineBytes > MAX_HEADER_LINE_BYTES) {
        this.failure = {
          byteOffset: this.partialStart,
          field: 'header',
          message: `header line longer than ${MAX_HEADER_LINE_BYTES} bytes: not a % header`,
        };
        return -1;
      }
      if (this.partialStart + lineBytes > MAX_HEADER_BYTES) {
        this.failure = {
          byteOffset: this.partialStart,
          field: 'header',
          message: `header larger than ${MAX_HEADER_BYTES} bytes`,
        };
        return -1;
      }
      this.appendPartial(chunk.subarray(i, stop));
      if (nl < 0) {
        this.consumed += n;
        return -1;
      }
      i = nl + 1;
      if (this.completeLine()) {
        this.finish('end-line', this.consumed + i);
        return i;
      }
    }
    this.consumed += n;
    return -1;
  }

  /** End of input inside the header: the header is whatever was read (a file with no data). */
  finishAtEof(): void {
    if (this.done) return;
    if (this.inLine) {
      const ended = this.completeLine();
      this.finish(ended ? 'end-line' : 'eof', this.partialStart + this.lastLineLength);
      return;
    }
    this.finish('eof', this.consumed);
  }

  private lastLineLength = 0;

  private appendPartial(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const next = new Uint8Array(this.partial.length + bytes.length);
    next.set(this.partial);
    next.set(bytes, this.partial.length);
    this.partial = next;
  }

  /** Parses the finished line; true when it is the `% end` line. */
  private completeLine(): boolean {
    let text = latin1.decode(this.partial);
    this.lastLineLength = this.partial.length;
    this.partial = new Uint8Array(0);
    this.inLine = false;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const offset = this.partialStart;
    if (text === '% end' || text === '%end') return true;
    if (text.startsWith('% ')) {
      const body = text.slice(2).trim();
      const sp = body.search(/\s/);
      const key = sp < 0 ? body : body.slice(0, sp);
      const value = sp < 0 ? '' : body.slice(sp + 1).trim();
      this.lines.push({ key, value, byteOffset: offset });
    } else {
      this.lines.push({ key: '', value: text.slice(1).trim(), byteOffset: offset });
    }
    return false;
  }

  private finish(endedBy: PercentHeader['endedBy'], byteLength: number): void {
    this.result = { lines: this.lines, byteLength, endedBy };
  }
}

/** Parses a complete header held in `bytes` (detection, tests). */
export function parsePercentHeader(bytes: Uint8Array): PercentHeader | undefined {
  const reader = new PercentHeaderReader();
  const at = reader.feed(bytes);
  if (at < 0) reader.finishAtEof();
  return reader.header;
}

/** The first value of `key` (case-insensitive), or undefined. */
export function headerValue(header: PercentHeader, key: string): string | undefined {
  const k = key.toLowerCase();
  for (const line of header.lines) if (line.key.toLowerCase() === k) return line.value;
  return undefined;
}

/** The header line holding `key` (case-insensitive), or undefined. */
export function headerLine(header: PercentHeader, key: string): HeaderLine | undefined {
  const k = key.toLowerCase();
  for (const line of header.lines) if (line.key.toLowerCase() === k) return line;
  return undefined;
}

/** Every keyed line as metadata (first occurrence wins). */
export function headerMetadata(header: PercentHeader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of header.lines) {
    if (line.key !== '' && !(line.key in out)) out[line.key] = line.value;
  }
  return out;
}

/**
 * Header keys that describe the file's own layout (RAW and DAT). Writers set their own and never
 * copy these from another stream's metadata, so a converted file cannot claim its source's format.
 */
const STRUCTURAL_KEYS = new Set([
  'evt',
  'format',
  'geometry',
  'endianness',
  'end',
  'data',
  'version',
  'height',
  'width',
]);

/** Metadata entries a Prophesee writer may copy into its header: single-word keys, single-line values. */
export function copyableMetadata(metadata: Readonly<Record<string, string>> | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (STRUCTURAL_KEYS.has(k.toLowerCase()) || k.startsWith('spikestream_')) continue;
    if (/^[^\s%]+$/.test(k) && !/[\r\n]/.test(v)) out.push([k, v]);
  }
  return out;
}

/** Encodes header lines `% key value` followed by `% end`. Values must be single-line. */
export function encodePercentHeader(entries: readonly (readonly [string, string])[]): Uint8Array {
  let text = '';
  for (const [key, value] of entries) {
    if (!/^[^\s%]+$/.test(key)) throw new RangeError(`header key ${JSON.stringify(key)} must be one word`);
    if (/[\r\n]/.test(value)) throw new RangeError(`header value of "${key}" must be a single line`);
    text += value === '' ? `% ${key}\n` : `% ${key} ${value}\n`;
  }
  text += '% end\n';
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c < 256 ? c : 0x3f;
  }
  return out;
}
