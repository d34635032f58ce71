/**
 * The `#` text header of AEDAT 1.0, 2.0, 3.0 and 3.1 files, read resumably from byte chunks.
 *
 * - The first line `#!AER-DATx.y` gives the version; without it the file is version 1.0.
 * - Lines end in CRLF or LF (both are accepted; the line text has neither).
 * - The header ends after an explicit end line (`#!END-HEADER` in 3.1, `#End Of ASCII Header`
 *   in newer jAER files), or else at the first line that is not a text line starting with `#`.
 * - Binary data may itself start with 0x23 (`#`): a `#` line is only taken as header if it is
 *   text (no control bytes other than tab and CR before its LF), so a data record that happens
 *   to start with `#` ends the header instead of being swallowed.
 * - Headers can be large (jAER dumps its preferences: hundreds of kB) and are split across chunks
 *   at any byte.
 */

export interface AedatHeader {
  /** "1.0" (no version line), "2.0", "3.0", "3.1", … as written after `#!AER-DAT`. */
  readonly version: string;
  /** Every header line without its line ending (the `#` kept). */
  readonly lines: readonly string[];
  /** `# Key: value` lines, by key (first occurrence wins), e.g. "AEChip", "Source 1", "Start-Time". */
  readonly fields: Readonly<Record<string, string>>;
  /** Bytes of the header; data starts at this offset. */
  readonly length: number;
  /** How the header ended: an explicit end line, a non-header byte, or the end of the stream. */
  readonly endedBy: 'end-line' | 'data' | 'end-of-stream';
}

export interface AedatHeaderOptions {
  /** Largest header accepted, in bytes. Default 16 MiB. */
  readonly maxBytes?: number;
}

/** Thrown by AedatHeaderReader for a header larger than maxBytes. */
export class AedatHeaderError extends Error {
  readonly byteOffset: number;
  constructor(byteOffset: number, message: string) {
    super(message);
    this.name = 'AedatHeaderError';
    this.byteOffset = byteOffset;
  }
}

const HASH = 0x23;
const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const END_LINES = ['#!end-header', '#end of ascii header'];
const VERSION_LINE = /^#!AER-DAT(\d+\.\d+)\s*$/;
const FIELD_LINE = /^#\s*([A-Za-z][\w .-]*?)\s*:\s?(.*)$/;

/** The outcome of feeding bytes: not done yet, or done with the data bytes that followed the header. */
export type HeaderProgress =
  | { readonly done: false }
  | { readonly done: true; readonly header: AedatHeader; readonly rest: Uint8Array };

export class AedatHeaderReader {
  private readonly maxBytes: number;
  private readonly lines: string[] = [];
  /** Bytes of completed header lines. */
  private length = 0;
  /** Bytes of the current, incomplete line (from earlier chunks). */
  private line = new Uint8Array(256);
  private lineLength = 0;
  private finished: AedatHeader | undefined;

  constructor(options: AedatHeaderOptions = {}) {
    const { maxBytes = 16 * 1024 * 1024 } = options;
    if (!(Number.isInteger(maxBytes) && maxBytes > 0)) {
      throw new RangeError(`"maxBytes" must be a positive integer, got ${maxBytes}`);
    }
    this.maxBytes = maxBytes;
  }

  /** The header, once complete. */
  get header(): AedatHeader | undefined {
    return this.finished;
  }

  /**
   * Feeds the next chunk. When the header completes, returns it with `rest`: the bytes after it
   * (from this chunk and any buffered line that turned out to be data). Throws AedatHeaderError
   * past maxBytes.
   */
  push(chunk: Uint8Array): HeaderProgress {
    if (this.finished) return { done: true, header: this.finished, rest: chunk };
    let lineStart = 0; // start of the current line within this chunk (if it began here)
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      const atLineStart = this.lineLength === 0 && i === lineStart;
      if (atLineStart && c !== HASH) return this.finish('data', chunk.subarray(i));
      if (c === LF) {
        this.appendLine(chunk.subarray(lineStart, i + 1));
        const text = this.takeLine();
        lineStart = i + 1;
        if (END_LINES.includes(text.trim().toLowerCase()))
          return this.finish('end-line', chunk.subarray(i + 1));
        continue;
      }
      if (c < 0x20 && c !== TAB && c !== CR) {
        // Not a text line: this "#" was the first byte of data.
        const rest = concat(this.line.subarray(0, this.lineLength), chunk.subarray(lineStart));
        this.lineLength = 0;
        return this.finish('data', rest);
      }
      if (this.length + this.lineLength + (i - lineStart) >= this.maxBytes) {
        throw new AedatHeaderError(this.length, `header longer than ${this.maxBytes} bytes (maxBytes)`);
      }
    }
    this.appendLine(chunk.subarray(lineStart));
    return { done: false };
  }

  /** End of the stream: a header-only file (or an unterminated last line, kept as a header line). */
  end(): { header: AedatHeader; rest: Uint8Array } {
    if (this.finished) return { header: this.finished, rest: new Uint8Array(0) };
    if (this.lineLength > 0) this.takeLine();
    const done = this.finish('end-of-stream', new Uint8Array(0));
    if (!done.done) throw new Error('unreachable');
    return { header: done.header, rest: done.rest };
  }

  private appendLine(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const need = this.lineLength + bytes.length;
    if (need > this.line.length) {
      let cap = this.line.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.line.subarray(0, this.lineLength));
      this.line = next;
    }
    this.line.set(bytes, this.lineLength);
    this.lineLength = need;
  }

  /** Completes the buffered line: records its text, counts its bytes. */
  private takeLine(): string {
    let n = this.lineLength;
    this.length += n;
    if (n > 0 && this.line[n - 1] === LF) n--;
    if (n > 0 && this.line[n - 1] === CR) n--;
    const text = new TextDecoder('utf-8').decode(this.line.subarray(0, n));
    this.lines.push(text);
    this.lineLength = 0;
    if (this.line.length > 1 << 16) this.line = new Uint8Array(256);
    return text;
  }

  private finish(endedBy: AedatHeader['endedBy'], rest: Uint8Array): HeaderProgress {
    const version = VERSION_LINE.exec(this.lines[0] ?? '')?.[1] ?? '1.0';
    const fields: Record<string, string> = {};
    for (const line of this.lines) {
      if (line.startsWith('#!')) continue;
      const m = FIELD_LINE.exec(line);
      if (m && !(m[1] in fields)) fields[m[1]] = m[2].trim();
    }
    this.finished = Object.freeze({ version, lines: this.lines, fields, length: this.length, endedBy });
    return { done: true, header: this.finished, rest };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Header text for writers: the lines joined with CRLF (each line must start with `#`). */
export function formatAedatHeader(lines: readonly string[]): Uint8Array {
  for (const line of lines) {
    if (!line.startsWith('#') || /[\r\n]/.test(line)) {
      throw new RangeError(`header line must start with "#" and hold no line break: ${JSON.stringify(line)}`);
    }
  }
  return new TextEncoder().encode(lines.map((l) => `${l}\r\n`).join(''));
}
