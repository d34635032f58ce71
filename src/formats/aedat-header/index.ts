/** Shared `#` header handling of AEDAT 1.0–3.1 files. */
export {
  type AedatHeader,
  AedatHeaderError,
  type AedatHeaderOptions,
  AedatHeaderReader,
  formatAedatHeader,
  type HeaderProgress,
} from './header.ts';
export { type ChipGeometry, chipGeometry } from './chips.ts';

/** The `#!AER-DATx.y` version of a stream starting with `head`, or undefined without a version line. */
export function sniffAedatVersion(head: Uint8Array): string | undefined {
  const prefix = '#!AER-DAT';
  if (head.length < prefix.length + 3) return undefined;
  for (let i = 0; i < prefix.length; i++) if (head[i] !== prefix.charCodeAt(i)) return undefined;
  let v = '';
  for (let i = prefix.length; i < Math.min(head.length, prefix.length + 8); i++) {
    const c = head[i];
    if ((c >= 0x30 && c <= 0x39) || c === 0x2e) v += String.fromCharCode(c);
    else break;
  }
  return /^\d+\.\d+$/.test(v) ? v : undefined;
}
