/**
 * Interpretation of a Prophesee RAW header: which EVT format, which geometry, which EVT 2.1 byte
 * order, with every source of that knowledge ranked and every contradiction reported
 * (event-formats.md §2.5).
 *
 * Precedence: geometry = user option > `format` key's width/height > `geometry` key > system_ID
 * table ('default') > unknown. Format = `format` key > legacy `evt` key > system_ID table.
 */
import type { StreamInfo } from '../../events/stream-info.ts';
import { headerLine, headerMetadata, type PercentHeader } from './header.ts';
import { lookupSystemId, type RawEventFormat } from './system-id.ts';

/** EVT 2.1 64-bit word byte order: 'little' = whole word LE; 'legacy' = upper 32 bits first. */
export type Evt21Endianness = 'little' | 'legacy';

export interface RawHeaderIssue {
  readonly byteOffset: number;
  readonly field: string;
  readonly message: string;
  readonly fatal: boolean;
}

export interface RawHeaderInfo {
  /** The format the header names, or undefined when it names none. */
  readonly format: RawEventFormat | 'evt4' | 'unknown' | undefined;
  readonly width: number;
  readonly height: number;
  readonly geometrySource: StreamInfo['geometrySource'];
  /** Byte order from the header (`endianness` key or `format` option), if given. */
  readonly endianness: Evt21Endianness | undefined;
  readonly metadata: Record<string, string>;
  readonly issues: readonly RawHeaderIssue[];
}

const FORMAT_NAMES: Record<string, RawEventFormat | 'evt4'> = {
  EVT2: 'evt2',
  'EVT2.0': 'evt2',
  EVT20: 'evt2',
  EVT21: 'evt21',
  'EVT2.1': 'evt21',
  EVT3: 'evt3',
  'EVT3.0': 'evt3',
  EVT30: 'evt3',
  EVT4: 'evt4',
  'EVT4.0': 'evt4',
};

const EVT_KEY: Record<string, RawEventFormat | 'evt4'> = {
  '2.0': 'evt2',
  '2': 'evt2',
  '2.1': 'evt21',
  '3.0': 'evt3',
  '3': 'evt3',
  '4.0': 'evt4',
};

/** Human name of a format id, for messages. */
export function rawFormatLabel(format: string): string {
  return (
    { evt2: 'EVT 2.0', evt21: 'EVT 2.1', evt3: 'EVT 3.0', evt4: 'EVT 4.0' }[format] ?? format.toUpperCase()
  );
}

function parseDim(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return n > 0 && n <= 65535 ? n : undefined;
}

function parseEndianness(value: string | undefined): Evt21Endianness | undefined | 'bad' {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'little' || v === 'legacy') return v;
  return 'bad';
}

export interface RawHeaderOptions {
  readonly width?: number;
  readonly height?: number;
}

/**
 * Reads what a RAW header says. `expected` is the format of the decoder asking: a header that
 * names another format gives a fatal issue on field "format" (or "evt").
 */
export function interpretRawHeader(
  header: PercentHeader,
  expected: RawEventFormat,
  options: RawHeaderOptions = {},
): RawHeaderInfo {
  const issues: RawHeaderIssue[] = [];
  const metadata = headerMetadata(header);
  let format: RawHeaderInfo['format'];
  let width: number | undefined;
  let height: number | undefined;
  let geometrySource: StreamInfo['geometrySource'] = 'unknown';
  let endianness: Evt21Endianness | undefined;

  const formatLine = headerLine(header, 'format');
  if (formatLine) {
    const [name, ...params] = formatLine.value.split(';');
    format = FORMAT_NAMES[name.trim().toUpperCase()] ?? 'unknown';
    const kv: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) kv[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    const w = parseDim(kv['width']);
    const h = parseDim(kv['height']);
    if (w !== undefined && h !== undefined) {
      width = w;
      height = h;
      geometrySource = 'header';
    } else if (kv['width'] !== undefined || kv['height'] !== undefined) {
      issues.push({
        byteOffset: formatLine.byteOffset,
        field: 'format',
        message: `unreadable width/height in "${formatLine.value}"`,
        fatal: false,
      });
    }
    const e = parseEndianness(kv['endianness']);
    if (e === 'bad') {
      issues.push({
        byteOffset: formatLine.byteOffset,
        field: 'format',
        message: `unknown endianness in "${formatLine.value}" (expected little or legacy)`,
        fatal: false,
      });
    } else if (e) endianness = e;
  }

  const evtLine = headerLine(header, 'evt');
  if (evtLine) {
    const fromEvt = EVT_KEY[evtLine.value.trim()] ?? 'unknown';
    if (format === undefined) format = fromEvt;
    else if (format !== fromEvt) {
      issues.push({
        byteOffset: evtLine.byteOffset,
        field: 'evt',
        message: `"evt ${evtLine.value}" contradicts "format ${formatLine?.value}"; using format`,
        fatal: false,
      });
    }
  }

  const geometryLine = headerLine(header, 'geometry');
  if (geometryLine) {
    const m = /^\s*(\d{1,5})\s*x\s*(\d{1,5})\s*$/i.exec(geometryLine.value);
    const w = parseDim(m?.[1]);
    const h = parseDim(m?.[2]);
    if (w === undefined || h === undefined) {
      issues.push({
        byteOffset: geometryLine.byteOffset,
        field: 'geometry',
        message: `unreadable geometry "${geometryLine.value}" (expected WIDTHxHEIGHT)`,
        fatal: false,
      });
    } else if (width === undefined) {
      width = w;
      height = h;
      geometrySource = 'header';
    } else if (w !== width || h !== height) {
      issues.push({
        byteOffset: geometryLine.byteOffset,
        field: 'geometry',
        message: `geometry ${w}x${h} contradicts format ${width}x${height}; using format`,
        fatal: false,
      });
    }
  }

  const endianLine = headerLine(header, 'endianness');
  if (endianLine) {
    const e = parseEndianness(endianLine.value);
    if (e === 'bad') {
      issues.push({
        byteOffset: endianLine.byteOffset,
        field: 'endianness',
        message: `unknown endianness "${endianLine.value}" (expected little or legacy)`,
        fatal: false,
      });
    } else if (e && endianness && e !== endianness) {
      issues.push({
        byteOffset: endianLine.byteOffset,
        field: 'endianness',
        message: `endianness ${e} contradicts format's ${endianness}; using format`,
        fatal: false,
      });
    } else if (e) endianness = e;
  }

  if (format === undefined || width === undefined) {
    const sysLine = headerLine(header, 'system_ID');
    const entry = lookupSystemId(sysLine?.value);
    if (entry && sysLine) {
      if (format === undefined) {
        format = entry.format;
        metadata['spikestream_format_source'] = `system_ID ${sysLine.value} (${entry.camera})`;
      }
      if (width === undefined) {
        width = entry.width;
        height = entry.height;
        geometrySource = 'default';
        metadata['spikestream_geometry_source'] = `system_ID ${sysLine.value} (${entry.camera})`;
        issues.push({
          byteOffset: sysLine.byteOffset,
          field: 'geometry',
          message: `no format/geometry key: geometry ${entry.width}x${entry.height} assumed from system_ID ${sysLine.value} (${entry.camera})`,
          fatal: false,
        });
      }
    }
  }

  if (format !== undefined && format !== expected) {
    const line = formatLine ?? evtLine ?? headerLine(header, 'system_ID');
    issues.push({
      byteOffset: line?.byteOffset ?? 0,
      field: formatLine ? 'format' : evtLine ? 'evt' : 'system_ID',
      message: `header says ${rawFormatLabel(format)}, this decoder reads ${rawFormatLabel(expected)}`,
      fatal: true,
    });
  }

  if (options.width !== undefined && options.height !== undefined) {
    width = options.width;
    height = options.height;
    geometrySource = 'user';
  }

  if (width === undefined || height === undefined) {
    issues.push({
      byteOffset: 0,
      field: 'geometry',
      message:
        'header gives no geometry and no known system_ID: width/height unknown (pass width and height)',
      fatal: false,
    });
    width = 0;
    height = 0;
    geometrySource = 'unknown';
  }

  return { format, width, height, geometrySource, endianness, metadata, issues };
}

/** Validates user geometry options eagerly (both or neither, integers in [1, 65535]). */
export function validateGeometryOptions(options: { width?: unknown; height?: unknown }): void {
  const { width, height } = options;
  if ((width === undefined) !== (height === undefined)) {
    throw new TypeError(`"width" and "height" must be given together, got width ${width}, height ${height}`);
  }
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)) {
      throw new RangeError(`"${name}" must be an integer in [1, 65535], got ${String(v)}`);
    }
  }
}
