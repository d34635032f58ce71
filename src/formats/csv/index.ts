/** CSV / text event files (reference §2.15). */
import type { FormatSpec } from '../types.ts';
import { CsvDecoder } from './decoder.ts';
import { CsvEncoder, type CsvEncoderOptions } from './encoder.ts';
import { type CsvDecoderOptions, roleOfName } from './options.ts';

export { CsvDecoder } from './decoder.ts';
export { CsvEncoder, type CsvEncoderOptions } from './encoder.ts';
export type { CsvDecoderOptions } from './options.ts';

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Text with event-like lines: 0.9 for a `%geometry` line or a header naming t, x, y and p; 0.5
 * for lines of 4 numbers (or an rpg `width height` line then such lines); 0 otherwise (binary
 * bytes, other text).
 */
export function detectCsv(head: Uint8Array): number {
  const n = Math.min(head.length, 4096);
  if (n === 0) return 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c < 9 || (c > 13 && c < 32) || c > 126) return 0;
  }
  const text = new TextDecoder('latin1').decode(head.subarray(0, n));
  const lines = text.split('\n');
  if (lines.length > 1) lines.pop(); // the last line may be cut short
  const content = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (content.length === 0) return 0;
  if (/^%\s*geometry\s*:\s*\d+\s*,\s*\d+$/i.test(content[0])) return 0.9;
  const rows = content.filter((l) => !l.startsWith('%'));
  if (rows.length === 0) return 0;
  const split = (l: string) => (l.includes(',') ? l.split(',') : l.split(/[ \t]+/)).map((f) => f.trim());
  const first = split(rows[0]);
  if (!first.every((f) => NUMERIC.test(f))) {
    const roles = new Set(first.map((f) => roleOfName(f.replace(/^"(.*)"$/, '$1'))).filter((r) => r >= 0));
    return roles.size === 4 ? 0.9 : 0;
  }
  const data = first.length === 2 ? rows.slice(1) : rows;
  if (data.length === 0) return 0;
  for (const l of data.slice(0, 20)) {
    const f = split(l);
    if (f.length < 4 || !f.every((v) => NUMERIC.test(v))) return 0;
  }
  return 0.5;
}

export const csvFormat: FormatSpec = {
  name: 'csv',
  description: 'CSV / text events (t,x,y,p with header; columns, separator, time unit configurable)',
  extensions: ['.csv', '.txt'],
  detect: detectCsv,
  createDecoder: (options?: CsvDecoderOptions) => new CsvDecoder(options),
  createEncoder: (options?: CsvEncoderOptions) => new CsvEncoder(options),
};
