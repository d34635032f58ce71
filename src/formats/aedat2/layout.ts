/**
 * jAER address layouts of AEDAT 1.0/2.0 records, and the axis and polarity conventions.
 *
 * DVS128 (16-bit address): bit 15 external/sync event, bits 14–8 raw Y, bits 7–1 raw X, bit 0
 * polarity with **0 = ON** (jAER's DVS128 extractor; iniVation's doc says the opposite).
 * DAVIS (32-bit address): bit 31 = 1 for APS samples and IMU words (IMU when bits 11–10 = 11),
 * bits 30–22 raw Y, bits 21–12 raw X, bit 11 polarity (1 = ON), bit 10 external event.
 *
 * jAER shows raw addresses with X mirrored: x = width−1−rawX, y = rawY, origin bottom-left.
 */

export type Aedat2Chip = 'dvs128' | 'davis';

/**
 * How raw addresses become our x/y:
 * - `top-left` (default): x = width−1−rawX, y = height−1−rawY. jAER's picture with the origin at
 *   the top-left, like AEDAT 3.1/4, Prophesee and every other format we read (Tonic does the same
 *   for DAVIS), so streams from different formats line up.
 * - `jaer`: x = width−1−rawX, y = rawY (bottom-left origin, as jAER displays).
 * - `raw`: the address bits as stored.
 */
export type Aedat2Axes = 'top-left' | 'jaer' | 'raw';

export const AEDAT2_AXES: readonly Aedat2Axes[] = ['top-left', 'jaer', 'raw'];

/** Largest raw coordinates each layout can hold. */
export const LAYOUT_LIMITS: Readonly<Record<Aedat2Chip, { width: number; height: number }>> = {
  dvs128: { width: 128, height: 128 },
  davis: { width: 1024, height: 512 },
};

/** jAER class names written by our encoder, by geometry (DAVIS) or for DVS128. */
export function chipClassFor(chip: Aedat2Chip, width: number, height: number): string {
  if (chip === 'dvs128') return 'ch.unizh.ini.jaer.chip.retina.DVS128';
  const known: Record<string, string> = {
    '240x180': 'eu.seebetter.ini.chips.davis.DAVIS240C',
    '346x260': 'eu.seebetter.ini.chips.davis.Davis346B',
    '640x480': 'eu.seebetter.ini.chips.davis.Davis640',
    '208x192': 'eu.seebetter.ini.chips.davis.Davis208PixelParade',
    '128x128': 'eu.seebetter.ini.chips.davis.Davis128',
  };
  return known[`${width}x${height}`] ?? `spikestream.GenericDavis${width}x${height}`;
}
