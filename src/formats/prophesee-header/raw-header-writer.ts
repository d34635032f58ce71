/** Writes the `%` header of a RAW (EVT) file. */
import type { StreamInfo } from '../../events/stream-info.ts';
import { copyableMetadata, encodePercentHeader } from './header.ts';

/** RAW header bytes: evt key, format key, geometry, then the metadata not set here. */
export function rawHeader(info: StreamInfo, evtLine: string, format: string): Uint8Array {
  const entries: [string, string][] = [];
  const [evtKey, evtValue] = evtLine.split(' ');
  entries.push([evtKey, evtValue]);
  entries.push(['format', format]);
  if (info.width > 0 && info.height > 0) entries.push(['geometry', `${info.width}x${info.height}`]);
  entries.push(...copyableMetadata(info.metadata));
  return encodePercentHeader(entries);
}
