/**
 * Sensor geometry from the chip or camera names found in AEDAT headers (`# AEChip: <java
 * class>` in jAER files, `#Source N: <device>` in cAER files).
 */

export interface ChipGeometry {
  readonly width: number;
  readonly height: number;
  /** Address layout family of AEDAT 2 files: DVS128-style 16-bit or DAVIS-style 32-bit. */
  readonly family: 'dvs128' | 'davis';
}

/** Ordered: the first pattern that matches the name wins. */
const CHIPS: readonly [RegExp, ChipGeometry][] = [
  [/dvs128|tmpdiff128|dvs-128/i, { width: 128, height: 128, family: 'dvs128' }],
  [/davis\s*240|sbret10/i, { width: 240, height: 180, family: 'davis' }],
  [/davis\s*346|cdavis/i, { width: 346, height: 260, family: 'davis' }],
  [/davis\s*640/i, { width: 640, height: 480, family: 'davis' }],
  [/davis\s*208|pixelparade/i, { width: 208, height: 192, family: 'davis' }],
  [/davis\s*128/i, { width: 128, height: 128, family: 'davis' }],
  [/dvxplorer\s*lite|dvxplorer_lite|dxmlite/i, { width: 320, height: 240, family: 'davis' }],
  [/dvxplorer/i, { width: 640, height: 480, family: 'davis' }],
];

/** Geometry of a known chip name, or of an explicit "WIDTHxHEIGHT" in it; undefined otherwise. */
export function chipGeometry(name: string): ChipGeometry | undefined {
  for (const [pattern, geometry] of CHIPS) if (pattern.test(name)) return geometry;
  const m = /(\d{1,5})\s*[x×]\s*(\d{1,5})/.exec(name);
  if (m) {
    const width = Number(m[1]);
    const height = Number(m[2]);
    if (width > 0 && height > 0 && width <= 65535 && height <= 65535)
      return { width, height, family: 'davis' };
  }
  return undefined;
}
