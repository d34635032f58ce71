/**
 * eDVS / mini-eDVS (eDVS4337 firmware) binary event formats, selected on the device with `!E<n>`.
 * Every event starts with `1yyyyyyy pxxxxxxx` (the MSB of the first byte is the sync bit, p = 0
 * means ON); the formats differ only in the timestamp that follows.
 * Reference: ../shared/reference/event-formats.md §3.4 (libcaer edvs.c, jAER eDVS128 interface).
 */

export type EdvsFormat = 'E0' | 'E1' | 'E2' | 'E3' | 'E4';

export const EDVS_FORMATS: readonly EdvsFormat[] = ['E0', 'E1', 'E2', 'E3', 'E4'];

/** Bytes of timestamp after the 2 address bytes (E1 is variable: 1–4 groups of 7 bits). */
export const EDVS_TIMESTAMP_BYTES: Readonly<Record<EdvsFormat, number>> = {
  E0: 0,
  E1: -1,
  E2: 2,
  E3: 3,
  E4: 4,
};

/** Width of the absolute timestamp counter in bits (0 = none, E1 = delta). */
export const EDVS_TIMESTAMP_BITS: Readonly<Record<EdvsFormat, number>> = {
  E0: 0,
  E1: 0,
  E2: 16,
  E3: 24,
  E4: 32,
};

/** The eDVS128 sensor array. */
export const EDVS_WIDTH = 128;
export const EDVS_HEIGHT = 128;

export function parseEdvsFormat(value: string): EdvsFormat {
  const v = value.toUpperCase();
  if ((EDVS_FORMATS as readonly string[]).includes(v)) return v as EdvsFormat;
  throw new RangeError(`"format" must be one of ${EDVS_FORMATS.join(', ')}, got "${value}"`);
}
