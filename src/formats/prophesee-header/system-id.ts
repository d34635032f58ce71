/**
 * Prophesee `system_ID` values of cameras whose old RAW files carry no `format`/`geometry` key
 * (event-formats.md §2.5, from OpenEB `device_system_id.h`). Used only as a fallback, and the
 * decoder says so (StreamInfo.geometrySource = 'default').
 */

export type RawEventFormat = 'evt2' | 'evt21' | 'evt3';

export interface SystemIdEntry {
  readonly id: number;
  readonly camera: string;
  readonly format: RawEventFormat;
  readonly width: number;
  readonly height: number;
}

export const SYSTEM_IDS: readonly SystemIdEntry[] = [
  { id: 0x15, camera: 'CCAM3 Gen3', format: 'evt2', width: 640, height: 480 },
  { id: 0x1e, camera: 'CCAM5 Gen4', format: 'evt3', width: 1280, height: 720 },
  { id: 0x30, camera: 'EVK3 Gen4.1', format: 'evt3', width: 1280, height: 720 },
  { id: 0x31, camera: 'EVK3 IMX636', format: 'evt3', width: 1280, height: 720 },
];

/** Parses a `system_ID` header value (decimal, or hex with 0x) and looks it up. */
export function lookupSystemId(value: string | undefined): SystemIdEntry | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const id = /^0x[0-9a-f]+$/i.test(v)
    ? Number.parseInt(v.slice(2), 16)
    : /^\d+$/.test(v)
      ? Number(v)
      : Number.NaN;
  return SYSTEM_IDS.find((e) => e.id === id);
}
