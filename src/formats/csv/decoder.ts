/**
 * CSV / text event decoder (reference §2.15): one event per line, columns t, x, y, p in any
 * order, separated by commas or blanks, with or without a header row; time in µs, ms or
 * (float) seconds. Understands a Metavision `%geometry:W,H` first line and the rpg_e2vid
 * `width height` first line; other lines starting with `%` or `#` are comments.
 *
 * Lines are parsed straight from the bytes (no per-line strings) so big text files decode fast.
 * Without a geometry line or user geometry, `info` is only known at end(): the geometry is then
 * inferred from the largest x and y (geometrySource "inferred").
 *
 * A bad row becomes an issue naming its line number and field; by default it is fatal and every
 * row before it is kept (option onBadRow: "skip" to go on).
 */
import { DecodeStats } from '../../events/decode-stats.ts';
import {
  allocateColumns,
  EMPTY_PACKET,
  type EventPacket,
  type PacketColumns,
  packetOf,
} from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { EventDecoder } from '../types.ts';
import {
  type CsvDecoderOptions,
  type ResolvedCsvOptions,
  resolveCsvOptions,
  rolesFromNames,
} from './options.ts';

export type { CsvDecoderOptions } from './options.ts';

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const COMMA = 44;
/** Longest line kept across chunks before it is called damage (bytes). */
export const CSV_MAX_LINE_BYTES = 1 << 20;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GEOMETRY_LINE = /^%\s*geometry\s*:\s*(\d+)\s*,\s*(\d+)\s*$/i;
const latin1 = new TextDecoder('latin1');
const ROLE_NAMES = ['t', 'x', 'y', 'p'];

export class CsvDecoder implements EventDecoder {
  info: StreamInfo | undefined;
  readonly stats = new DecodeStats();
  private readonly origin: string;
  private readonly options: ResolvedCsvOptions;
  private readonly userWidth: number | undefined;
  private readonly userHeight: number | undefined;
  private roles: Int8Array = new Int8Array(0);
  /** 1 = comma-separated, 0 = blank-separated. */
  private comma = true;
  private scale: number;
  private setupDone = false;
  /** Rows may go through the fast kernel (every column is one of t, x, y, p). */
  private fastRows = false;
  private readonly fastState = new Float64Array(5);
  /** The time unit was guessed as µs from an integer first time. */
  private autoMicros = false;
  private contentLines = 0;
  private fileWidth: number | undefined;
  private fileHeight: number | undefined;
  /** Geometry events are checked against (65536: not known, nothing is skipped). */
  private width = 65536;
  private height = 65536;
  private carry = new Uint8Array(256);
  private carryLength = 0;
  private lineNo = 0;
  private lastT = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private outsideReported = false;
  // Output of the current push.
  private cols: PacketColumns = allocateColumns(0);
  private k = 0;
  /** Largest x and y so far (geometry inferred at the end when nobody gave it). */
  private maxX = -1;
  private maxY = -1;

  constructor(options: CsvDecoderOptions = {}) {
    this.options = resolveCsvOptions(options);
    this.origin = options.origin ?? '';
    this.userWidth = options.width;
    this.userHeight = options.height;
    this.scale = this.options.scale;
    if (this.options.separator !== 0) this.comma = this.options.separator === COMMA;
  }

  push(chunk: Uint8Array): EventPacket {
    if (this.stopped || chunk.length === 0) return EMPTY_PACKET;
    const len = chunk.length;
    this.cols = allocateColumns((len >> 3) + 2);
    this.k = 0;
    let pos = 0;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(NL);
      const take = nl < 0 ? len : nl;
      if (!this.appendCarry(chunk.subarray(0, take))) return this.finishPush();
      if (nl < 0) return this.finishPush();
      const lineLen = this.carryLength;
      this.carryLength = 0;
      this.line(this.carry, 0, lineLen, this.stats.bytes);
      this.stats.bytes += lineLen + 1;
      pos = nl + 1;
    }
    while (pos < len && !this.stopped) {
      if (this.fastRows && this.scale >= 0) {
        pos = this.fast(chunk, pos, len);
        if (pos >= len) break;
      }
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) break;
      this.line(chunk, pos, nl, this.stats.bytes);
      this.stats.bytes += nl + 1 - pos;
      pos = nl + 1;
    }
    if (!this.stopped && pos < len) this.appendCarry(chunk.subarray(pos));
    return this.finishPush();
  }

  end(): EventPacket {
    let out = EMPTY_PACKET;
    if (!this.stopped) {
      this.cols = allocateColumns(1);
      this.k = 0;
      if (this.carryLength > 0) {
        const n = this.carryLength;
        this.carryLength = 0;
        this.line(this.carry, 0, n, this.stats.bytes);
        this.stats.bytes += n;
      }
      out = this.finishPush();
    }
    // Also after fatal damage, so the good part is described.
    if (this.info === undefined) {
      // No geometry from the file or the user: inferred from all the events, and said so.
      const user = this.userWidth !== undefined || this.userHeight !== undefined;
      const w = this.userWidth ?? this.fileWidth ?? this.maxX + 1;
      const h = this.userHeight ?? this.fileHeight ?? this.maxY + 1;
      if (user) this.setInfo(w, h, 'user');
      else if (this.fileWidth !== undefined && this.fileHeight !== undefined) this.setInfo(w, h, 'header');
      else if (this.maxX >= 0) this.setInfo(w, h, 'inferred');
      else this.setInfo(0, 0, 'unknown');
    }
    this.stopped = true;
    return out;
  }

  private appendCarry(bytes: Uint8Array): boolean {
    const need = this.carryLength + bytes.length;
    if (need > CSV_MAX_LINE_BYTES) {
      this.stats.issue(
        this.stats.bytes,
        `line ${this.lineNo + 1}`,
        `line longer than ${CSV_MAX_LINE_BYTES} bytes (not a text event file?)`,
        true,
      );
      this.stopped = true;
      this.carryLength = 0;
      return false;
    }
    if (need > this.carry.length) {
      const next = new Uint8Array(Math.max(need, this.carry.length * 2));
      next.set(this.carry.subarray(0, this.carryLength));
      this.carry = next;
    }
    this.carry.set(bytes, this.carryLength);
    this.carryLength = need;
    return true;
  }

  private finishPush(): EventPacket {
    const k = this.k;
    this.stats.events += k;
    const cols = this.cols;
    this.cols = allocateColumns(0);
    return k === 0 ? EMPTY_PACKET : packetOf(cols, k);
  }

  private setInfo(width: number, height: number, source: StreamInfo['geometrySource']): void {
    this.width = width;
    this.height = height;
    this.info = makeStreamInfo({ width, height, format: 'csv', origin: this.origin, geometrySource: source });
  }

  /** Fixes the geometry once the header lines are behind us, when the file or the user gives it. */
  private fixGeometry(): void {
    if (this.userWidth !== undefined || this.userHeight !== undefined) {
      const w = this.userWidth ?? this.fileWidth;
      const h = this.userHeight ?? this.fileHeight;
      if (w !== undefined && h !== undefined) this.setInfo(w, h, 'user');
    } else if (this.fileWidth !== undefined && this.fileHeight !== undefined) {
      this.setInfo(this.fileWidth, this.fileHeight, 'header');
    }
  }

  /** One line b[s, e) (without its newline) starting at stream offset `offset`. */
  private line(b: Uint8Array, s: number, e: number, offset: number): void {
    this.lineNo++;
    if (e > s && b[e - 1] === CR) e--;
    while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
    if (s === e) return;
    const c0 = b[s];
    if (c0 === 37 /* % */ || c0 === 35 /* # */) {
      this.special(latin1.decode(b.subarray(s, e)));
      return;
    }
    if (!this.setupDone && !this.setup(b, s, e, offset)) return;
    this.row(b, s, e, offset);
  }

  private special(text: string): void {
    const g = GEOMETRY_LINE.exec(text);
    if (g && this.contentLines === 0) {
      this.fileWidth = Number(g[1]);
      this.fileHeight = Number(g[2]);
      this.stats.skip('geometry_line');
      return;
    }
    this.stats.skip('comment');
  }

  /** First content lines: separator, rpg geometry line, header. Returns true when b[s,e) is a data row. */
  private setup(b: Uint8Array, s: number, e: number, offset: number): boolean {
    const text = latin1.decode(b.subarray(s, e)).trim();
    if (this.options.separator === 0) this.comma = text.includes(',');
    const fields = (this.comma ? text.split(',') : text.split(/[ \t]+/)).map((f) =>
      f.trim().replace(/^"(.*)"$/, '$1'),
    );
    const numeric = fields.every((f) => NUMERIC.test(f));
    this.contentLines++;
    const o = this.options;
    if (
      numeric &&
      fields.length === 2 &&
      this.contentLines === 1 &&
      o.header !== true &&
      this.fileWidth === undefined
    ) {
      // rpg_e2vid: "width height" on the first line.
      this.fileWidth = Number(fields[0]);
      this.fileHeight = Number(fields[1]);
      if (!Number.isInteger(this.fileWidth) || !Number.isInteger(this.fileHeight)) {
        this.fail(offset, `line ${this.lineNo}`, `"${text}" is neither a geometry line nor an event row`);
      }
      this.stats.skip('geometry_line');
      return false;
    }
    const isHeader = o.header === true || (o.header === 'auto' && !numeric);
    if (isHeader) {
      if (o.roles === undefined) {
        const roles = rolesFromNames(fields);
        if (typeof roles === 'string') {
          this.fail(offset, 'header', `${roles} (name the columns with the "columns" option)`);
          return false;
        }
        this.roles = roles;
      } else {
        this.roles = o.roles;
      }
      this.setupDone = true;
      this.fastRows = this.roles.every((r) => r >= 0);
      this.stats.skip('header');
      this.fixGeometry();
      return false;
    }
    if (!numeric && o.header === false) {
      this.roles = o.roles ?? Int8Array.of(0, 1, 2, 3);
      this.setupDone = true;
      this.fixGeometry();
      return true; // the row parser names the bad field
    }
    this.roles = o.roles ?? Int8Array.of(0, 1, 2, 3);
    this.setupDone = true;
    this.fastRows = this.roles.every((r) => r >= 0);
    this.fixGeometry();
    return true;
  }

  /**
   * Plain rows (unsigned integers, the separator, LF or CRLF) from b[pos] on, through the fast
   * kernel; returns where it stopped: at the first line it does not handle (the general line
   * parser takes that one, with its error reporting) or at an incomplete last line.
   */
  private fast(b: Uint8Array, pos: number, len: number): number {
    const st = this.fastState;
    st[FS_K] = this.k;
    st[FS_LAST_T] = this.lastT;
    st[FS_MAX_X] = this.maxX;
    st[FS_MAX_Y] = this.maxY;
    st[FS_ROWS] = 0;
    const end = fastRowsKernel(
      b,
      pos,
      len,
      this.cols,
      this.roles,
      this.comma,
      POW10[this.scale],
      this.width,
      this.height,
      st,
    );
    this.k = st[FS_K];
    this.lastT = st[FS_LAST_T];
    this.maxX = st[FS_MAX_X];
    this.maxY = st[FS_MAX_Y];
    this.lineNo += st[FS_ROWS];
    this.stats.bytes += end - pos;
    return end;
  }

  /** One data row. */
  private row(b: Uint8Array, s: number, e: number, offset: number): void {
    const roles = this.roles;
    const ncols = roles.length;
    let t = 0;
    let x = 0;
    let y = 0;
    let p = 0;
    let i = s;
    for (let col = 0; col < ncols; col++) {
      if (i >= e) {
        this.bad(offset, 'columns', `expected ${ncols} columns, got ${col}`);
        return;
      }
      const start = i;
      const role = roles[col];
      if (role < 0) {
        i = skipField(b, i, e, this.comma);
        continue;
      }
      i = parseField(b, i, e, this.comma);
      if (this.comma && i < e) i++; // the comma
      if (FIELD[F_ERROR] !== 0) {
        this.bad(offset, ROLE_NAMES[role], `not a number: "${fieldText(b, start, e)}"`);
        return;
      }
      const m = FIELD[F_NUM];
      const d = FIELD[F_DEC];
      const neg = FIELD[F_NEG] !== 0;
      if (role === 0) {
        if (this.scale < 0) {
          this.scale = d !== 0 ? 6 : 0;
          this.autoMicros = d === 0;
        } else if (this.autoMicros && d > 0) {
          this.bad(
            offset,
            't',
            `"${fieldText(b, start, e)}" has decimals but the first times were integers (read as µs); set timeUnit`,
          );
          return;
        }
        const sc = this.scale - d;
        t = sc >= 0 ? m * POW10[sc] : Math.round(m / POW10[-sc]);
        if (neg) t = -t;
        if (!Number.isFinite(t) || Math.abs(t) > Number.MAX_SAFE_INTEGER) {
          this.bad(offset, 't', `time out of range: "${fieldText(b, start, e)}"`);
          return;
        }
      } else if (d !== 0 || m > 65535 || (neg && role !== 3)) {
        this.bad(offset, ROLE_NAMES[role], `not an integer in [0, 65535]: "${fieldText(b, start, e)}"`);
        return;
      } else if (role === 1) {
        x = m;
      } else if (role === 2) {
        y = m;
      } else if (m === 1) {
        p = neg ? 0 : 1; // -1/1 polarity files: -1 is OFF
      } else if (m === 0) {
        p = 0;
      } else {
        this.bad(offset, 'p', `polarity must be 0, 1 or -1: "${fieldText(b, start, e)}"`);
        return;
      }
    }
    if (t < this.lastT) {
      t = this.lastT;
      this.stats.repair('time_backwards');
    } else {
      this.lastT = t;
    }
    if (x >= this.width || y >= this.height) {
      this.stats.skip('outside_geometry');
      if (!this.outsideReported) {
        this.outsideReported = true;
        this.stats.issue(
          offset,
          `line ${this.lineNo}: x/y`,
          `event (${x}, ${y}) outside the ${this.width}×${this.height} geometry` +
            '; such events are skipped',
        );
      }
      return;
    }
    let k = this.k;
    let cols = this.cols;
    if (k === cols.capacity) {
      const next = allocateColumns(cols.capacity * 2 + 16);
      next.tUs.set(cols.tUs);
      next.x.set(cols.x);
      next.y.set(cols.y);
      next.p.set(cols.p);
      this.cols = cols = next;
    }
    cols.tUs[k] = t;
    cols.x[k] = x;
    cols.y[k] = y;
    cols.p[k] = p;
    this.k = ++k;
    if (x > this.maxX) this.maxX = x;
    if (y > this.maxY) this.maxY = y;
  }

  private bad(offset: number, field: string, message: string): void {
    const f = `line ${this.lineNo}: ${field}`;
    if (this.options.skipBadRows) {
      this.stats.issue(offset, f, message, false);
      this.stats.skip('bad_row');
    } else {
      this.fail(offset, f, message);
    }
  }

  private fail(offset: number, field: string, message: string): void {
    this.stats.issue(offset, field, message, true);
    this.stopped = true;
  }
}

// Indexes into the state shared with the fast row kernel.
const FS_K = 0;
const FS_LAST_T = 1;
const FS_MAX_X = 2;
const FS_MAX_Y = 3;
const FS_ROWS = 4;

/**
 * The common case at full speed: rows of unsigned integers (t scaled by `timeScale` to µs),
 * separated by one comma (or a run of blanks), ending in LF or CRLF, inside the geometry, with
 * room in `cols`. Stops at the start of the first line that is anything else and returns that
 * index; the general parser then takes that line.
 */
function fastRowsKernel(
  b: Uint8Array,
  i: number,
  len: number,
  cols: PacketColumns,
  roles: Int8Array,
  comma: boolean,
  timeScale: number,
  width: number,
  height: number,
  st: Float64Array,
): number {
  const tUs = cols.tUs;
  const xs = cols.x;
  const ys = cols.y;
  const ps = cols.p;
  const capacity = cols.capacity;
  const ncols = roles.length;
  let k = st[FS_K];
  let lastT = st[FS_LAST_T];
  let maxX = st[FS_MAX_X];
  let maxY = st[FS_MAX_Y];
  let rows = 0;
  let lineStart = i;
  nextRow: while (i < len && k < capacity) {
    lineStart = i;
    let t = 0;
    let x = 0;
    let y = 0;
    let p = 0;
    for (let col = 0; col < ncols; col++) {
      let m = 0;
      let digits = 0;
      let c = i < len ? b[i] : -1;
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        i++;
        c = i < len ? b[i] : -1;
      }
      if (digits === 0 || digits > 15) break nextRow;
      const r = roles[col];
      if (r === 0) t = m * timeScale;
      else if (r === 1) x = m;
      else if (r === 2) y = m;
      else p = m;
      if (col < ncols - 1) {
        if (comma) {
          if (c !== COMMA) break nextRow;
          i++;
        } else {
          if (c !== SPACE && c !== TAB) break nextRow;
          while (i < len && (b[i] === SPACE || b[i] === TAB)) i++;
        }
      }
    }
    let c = i < len ? b[i] : -1;
    if (c === CR) {
      i++;
      c = i < len ? b[i] : -1;
    }
    if (c !== NL || p > 1 || x >= width || y >= height || x > 65535 || y > 65535) break;
    i++;
    if (t < lastT) break; // the general parser counts the repair
    lastT = t;
    tUs[k] = t;
    xs[k] = x;
    ys[k] = y;
    ps[k] = p;
    k++;
    rows++;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
    lineStart = i;
  }
  st[FS_K] = k;
  st[FS_LAST_T] = lastT;
  st[FS_MAX_X] = maxX;
  st[FS_MAX_Y] = maxY;
  st[FS_ROWS] = rows;
  return lineStart;
}

/** Result of the last parseField: mantissa, decimal count, sign, error flag. */
const FIELD = new Float64Array(4);
const F_NUM = 0;
const F_DEC = 1;
const F_NEG = 2;
const F_ERROR = 3;

/**
 * Parses the decimal number starting at b[i] (blanks around it allowed) into FIELD; returns the
 * index after it (at its separator). A module-level function with a typed-array result keeps
 * the per-field cost low (no object or string per field).
 */
function parseField(b: Uint8Array, i: number, e: number, comma: boolean): number {
  while (i < e && (b[i] === SPACE || b[i] === TAB)) i++;
  let neg = 0;
  if (i < e && (b[i] === 45 || b[i] === 43)) {
    neg = b[i] === 45 ? 1 : 0;
    i++;
  }
  let m = 0;
  let d = 0;
  let digits = 0;
  let dot = false;
  for (; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) d++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  let error = digits === 0 ? 1 : 0;
  if (i < e && (b[i] === 101 || b[i] === 69) && digits > 0) {
    // Exponent: fold it into the decimal count.
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let ex = 0;
    let edigits = 0;
    for (; i < e && b[i] >= 48 && b[i] <= 57; i++) {
      ex = ex * 10 + (b[i] - 48);
      edigits++;
    }
    if (edigits === 0 || ex > 22) error = 1;
    d -= eneg ? -ex : ex;
    dot = true;
  }
  const end = i;
  while (i < e && (b[i] === SPACE || b[i] === TAB)) i++;
  if (i < e) {
    if (comma ? b[i] !== COMMA : i === end) error = 1;
  }
  FIELD[F_NUM] = m;
  FIELD[F_DEC] = dot ? d : 0;
  FIELD[F_NEG] = neg;
  FIELD[F_ERROR] = error;
  return i;
}

/** Index after the field starting at b[i] and its separator (for ignored columns). */
function skipField(b: Uint8Array, i: number, e: number, comma: boolean): number {
  if (comma) {
    while (i < e && b[i] !== COMMA) i++;
    return i < e ? i + 1 : i;
  }
  while (i < e && (b[i] === SPACE || b[i] === TAB)) i++;
  while (i < e && b[i] !== SPACE && b[i] !== TAB) i++;
  return i;
}

/** The field starting at b[start] as text, for messages (up to the next separator, 40 chars). */
function fieldText(b: Uint8Array, start: number, e: number): string {
  let end = start;
  while (end < e && b[end] !== COMMA && end - start < 40) end++;
  return latin1.decode(b.subarray(start, end)).trim();
}
