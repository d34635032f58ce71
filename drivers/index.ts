/** Driver registry: `openSource(uri)` picks the driver by URI scheme. Each driver adds its line. */
import { UsageError } from '../src/events/errors.ts';
import type { OpenedSource, SourceDriver, SourceOptions } from './contract.ts';
import { fileDriver, fileSourceUrl } from './file/index.ts';
import { edvsDriver } from './edvs/driver.ts';
import { serialDriver } from './serial/driver.ts';
import { udpDriver } from './udp/driver.ts';
import { dvDriver } from './dv/driver.ts';
import { emulateDriver } from './emulate/index.ts';

export const DRIVERS: readonly SourceDriver[] = [
  // drivers add themselves here
  fileDriver,
  edvsDriver,
  serialDriver,
  udpDriver,
  dvDriver,
  emulateDriver,
];

/** Parses a source URI; a bare path is taken as `file:PATH`. */
export function parseSourceUri(uri: string): URL {
  // file driver: relative paths resolve against the working directory (URL parsing loses them).
  const fileUrl = fileSourceUrl(uri);
  if (fileUrl) return fileUrl;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) {
    return new URL(`file:${encodeURI(uri)}`);
  }
  try {
    return new URL(uri);
  } catch {
    throw new UsageError(`not a valid source URI: "${uri}"`);
  }
}

export function findDriver(url: URL): SourceDriver {
  const scheme = url.protocol.replace(/:$/, '');
  const d = DRIVERS.find((drv) => drv.schemes.includes(scheme));
  if (!d) {
    const known = DRIVERS.flatMap((drv) => drv.schemes).join(', ') || '(none registered)';
    throw new UsageError(`no driver for "${scheme}:" sources; known schemes: ${known}`);
  }
  return d;
}

export async function openSource(uri: string, options?: SourceOptions): Promise<OpenedSource> {
  const url = parseSourceUri(uri);
  return findDriver(url).open(url, options);
}
