/** Options of the CSV/text decoder, validated eagerly. */
import type { DecoderOptions } from '../types.ts';

export type CsvTimeUnit = 'us' | 'ms' | 's' | 'auto';
export type CsvColumn = 't' | 'x' | 'y' | 'p';

export interface CsvDecoderOptions extends DecoderOptions {
  /**
   * Column order, e.g. "t,x,y,p" (default when there is no header), "x,y,p,t" (Metavision).
   * Other names (or "_") mark columns to ignore. Default: from the header row when there is
   * one, else t,x,y,p.
   */
  readonly columns?: string | readonly string[];
  /** Field separator: ",", " " (any run of spaces/tabs), "\t", or "auto" (default: from the first line). */
  readonly separator?: string;
  /**
   * Unit of the time column: "us", "ms", "s" (floats allowed; rounded to the nearest µs) or
   * "auto" (default): seconds when the first time value has a decimal point or exponent, else µs.
   */
  readonly timeUnit?: CsvTimeUnit;
  /** Whether the first content line is a header: true, false, or "auto" (default: when it is not numeric). */
  readonly header?: boolean | 'auto';
  /**
   * A bad row: "stop" (default) ends decoding with a fatal issue naming line and field, keeping
   * every row before it; "skip" records a non-fatal issue, counts it and goes on.
   */
  readonly onBadRow?: 'stop' | 'skip';
}

export interface ResolvedCsvOptions {
  /** Role per column index: 0 t, 1 x, 2 y, 3 p, -1 ignored; undefined = from the header. */
  roles: Int8Array | undefined;
  /** 0 = auto, else the byte: 44 ',', 32 whitespace runs, 9 tab. */
  separator: number;
  /** Decimal exponent from the file's unit to µs (0 us, 3 ms, 6 s); -1 = auto. */
  scale: number;
  header: boolean | 'auto';
  skipBadRows: boolean;
}

export const MAX_COLUMNS = 32;
const ROLE_OF: Readonly<Record<string, number>> = {
  t: 0,
  ts: 0,
  time: 0,
  timestamp: 0,
  t_us: 0,
  x: 1,
  y: 2,
  p: 3,
  pol: 3,
  polarity: 3,
};

/** Role of a header/column name: 0 t, 1 x, 2 y, 3 p, -1 other. */
export function roleOfName(name: string): number {
  return ROLE_OF[name.trim().toLowerCase()] ?? -1;
}

/** Column roles from names; throws (or returns a message) when t, x, y or p is missing or repeated. */
export function rolesFromNames(names: readonly string[]): Int8Array | string {
  if (names.length > MAX_COLUMNS) return `more than ${MAX_COLUMNS} columns`;
  const roles = new Int8Array(names.length).fill(-1);
  const seen = [false, false, false, false];
  for (let i = 0; i < names.length; i++) {
    const r = roleOfName(names[i]);
    if (r < 0) continue;
    if (seen[r]) return `column "${'txyp'[r]}" appears twice in ${names.join(',')}`;
    seen[r] = true;
    roles[i] = r;
  }
  const missing = [0, 1, 2, 3].filter((r) => !seen[r]).map((r) => 'txyp'[r]);
  if (missing.length > 0) return `no column for ${missing.join(', ')} in "${names.join(',')}"`;
  return roles;
}

export function resolveCsvOptions(o: CsvDecoderOptions): ResolvedCsvOptions {
  let roles: Int8Array | undefined;
  if (o.columns !== undefined) {
    const names =
      typeof o.columns === 'string' ? o.columns.split(/[,\s]+/).filter((s) => s !== '') : o.columns;
    const r = rolesFromNames(names);
    if (typeof r === 'string') throw new RangeError(`"columns": ${r}`);
    roles = r;
  }
  const sepRaw = o.separator ?? 'auto';
  const sepMap: Record<string, number> = { auto: 0, ',': 44, comma: 44, ' ': 32, space: 32, '\t': 9, tab: 9 };
  const separator = sepMap[sepRaw];
  if (separator === undefined) {
    throw new RangeError(`"separator" must be ",", " ", "\\t" or "auto", got ${JSON.stringify(sepRaw)}`);
  }
  const unitMap: Record<string, number> = { auto: -1, us: 0, µs: 0, ms: 3, s: 6 };
  const scale = unitMap[o.timeUnit ?? 'auto'];
  if (scale === undefined) {
    throw new RangeError(`"timeUnit" must be "us", "ms", "s" or "auto", got ${JSON.stringify(o.timeUnit)}`);
  }
  const header = o.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto') {
    throw new RangeError(`"header" must be true, false or "auto", got ${JSON.stringify(header)}`);
  }
  const onBad = o.onBadRow ?? 'stop';
  if (onBad !== 'stop' && onBad !== 'skip') {
    throw new RangeError(`"onBadRow" must be "stop" or "skip", got ${JSON.stringify(onBad)}`);
  }
  for (const key of ['width', 'height'] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 65535)) {
      throw new RangeError(`"${key}" must be an integer in [1, 65535], got ${v}`);
    }
  }
  return { roles, separator, scale, header, skipBadRows: onBad === 'skip' };
}
