/** Content detection shared by the Prophesee formats: reads the `%` header at the start of a stream. */
import { headerValue, type PercentHeader, parsePercentHeader } from './header.ts';
import { lookupSystemId, type RawEventFormat } from './system-id.ts';

const FORMAT_PREFIX: Record<string, RawEventFormat | 'evt4'> = {
  EVT2: 'evt2',
  'EVT2.0': 'evt2',
  EVT21: 'evt21',
  'EVT2.1': 'evt21',
  EVT3: 'evt3',
  'EVT3.0': 'evt3',
  EVT4: 'evt4',
};
const EVT_VALUE: Record<string, RawEventFormat | 'evt4'> = {
  '2.0': 'evt2',
  '2.1': 'evt21',
  '3.0': 'evt3',
  '4.0': 'evt4',
};

/** The header at the start of `head`, or undefined when it does not start with `%`. */
function headOf(head: Uint8Array): PercentHeader | undefined {
  if (head.length < 2 || head[0] !== 0x25) return undefined;
  const header = parsePercentHeader(head);
  return header && header.lines.length > 0 ? header : undefined;
}

/** Which RAW format the header names and how sure that is (1 = format/evt key, 0.8 = system_ID). */
export function detectRaw(
  head: Uint8Array,
): { format: RawEventFormat | 'evt4'; confidence: number } | undefined {
  const header = headOf(head);
  if (!header) return undefined;
  const format = headerValue(header, 'format');
  if (format !== undefined) {
    const f = FORMAT_PREFIX[format.split(';')[0].trim().toUpperCase()];
    if (f) return { format: f, confidence: 1 };
  }
  const evt = headerValue(header, 'evt');
  if (evt !== undefined) {
    const f = EVT_VALUE[evt.trim()];
    if (f) return { format: f, confidence: 1 };
  }
  const entry = lookupSystemId(headerValue(header, 'system_ID'));
  if (entry) return { format: entry.format, confidence: 0.8 };
  return undefined;
}

/** Confidence that `head` is a DAT file: 1 for "Data file containing …", 0.6 for a `% Version` header. */
export function detectDat(head: Uint8Array): number {
  const header = headOf(head);
  if (!header) return 0;
  if (header.lines.some((l) => l.key === 'Data' && /^file containing/i.test(l.value))) return 1;
  if (detectRaw(head)) return 0;
  if (headerValue(header, 'Version') !== undefined) return 0.6;
  return 0;
}
