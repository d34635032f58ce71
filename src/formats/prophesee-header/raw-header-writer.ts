/** Writes the `%` header of a RAW (EVT) file. */
import type { StreamInfo } from '../../events/stream-info.ts';
import { copyableMetadata, encodePercentHeader } from './header.ts';

/**
 * RAW header bytes: `% evt <version>`, `% format <NAME>[;height=H;width=W][;<params>]`,
 * `% geometry WxH` (size only when known, i.e. non-zero), then the metadata not set here.
 */
export function rawHeader(info: StreamInfo, evtVersion: string, formatName: string, params = ''): Uint8Array {
  const known = info.width > 0 && info.height > 0;
  const entries: [string, string][] = [
    ['evt', evtVersion],
    ['format', `${formatName}${known ? `;height=${info.height};width=${info.width}` : ''}${params}`],
  ];
  if (known) entries.push(['geometry', `${info.width}x${info.height}`]);
  entries.push(...copyableMetadata(info.metadata));
  return encodePercentHeader(entries);
}
