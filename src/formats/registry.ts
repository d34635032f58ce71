/**
 * The list of known formats and detection by content. Each format module registers itself by
 * adding one line to FORMATS below.
 */
import { UsageError } from '../events/errors.ts';
import type { FormatSpec } from './types.ts';
import { nmnistFormat } from './nmnist/index.ts';
import { esFormat } from './es/index.ts';
import { csvFormat } from './csv/index.ts';
import { aedat4Format } from './aedat4/index.ts';
import { aedat2Format } from './aedat2/index.ts';
import { aedat3Format } from './aedat3/index.ts';
import { evt2Format } from './evt2/index.ts';
import { evt3Format } from './evt3/index.ts';
import { evt21Format } from './evt21/index.ts';
import { datFormat } from './dat/index.ts';

export const FORMATS: readonly FormatSpec[] = [
  // format modules add themselves here
  nmnistFormat,
  esFormat,
  csvFormat,
  aedat4Format,
  aedat2Format,
  aedat3Format,
  evt2Format,
  evt3Format,
  evt21Format,
  datFormat,
];

export function getFormat(name: string): FormatSpec {
  const spec = FORMATS.find((f) => f.name === name.toLowerCase());
  if (!spec) {
    throw new UsageError(`unknown format "${name}"; known: ${FORMATS.map((f) => f.name).join(', ')}`);
  }
  return spec;
}

/** Bytes detection looks at. */
export const DETECT_HEAD_BYTES = 64 * 1024;

/** The most likely format of a stream starting with `head`, or undefined if none claims it. */
export function detectFormat(head: Uint8Array): FormatSpec | undefined {
  let best: FormatSpec | undefined;
  let bestScore = 0;
  for (const f of FORMATS) {
    const s = f.detect(head);
    if (s > bestScore) {
      bestScore = s;
      best = f;
    }
  }
  return best;
}
