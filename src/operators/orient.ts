import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { type SensorGeometry, validateGeometry } from './geometry.ts';
import { type Orientation, orientedGeometry, orientInto } from './kernels/orient.ts';
import { requireOneOf } from './options.ts';
import { packetOperator } from './packet-operator.ts';

/**
 * The eight orientations of the pixel grid (image coordinates, y pointing down):
 * - `flipX`: x := W−1−x (mirror left-right); `flipY`: y := H−1−y (mirror top-bottom; jAER's
 *   bottom-left origin to top-left);
 * - `rotate180`: both flips; `transpose`: swap x and y; `transverse`: both flips then swap;
 * - `rotate90cw`: (x, y) := (H−1−y, x); `rotate90ccw`: (x, y) := (y, W−1−x);
 * - `identity`.
 * Transposing orientations turn a W×H geometry into H×W (`orientationGeometry`).
 */
export type OrientationName =
  | 'identity'
  | 'flipX'
  | 'flipY'
  | 'rotate180'
  | 'transpose'
  | 'transverse'
  | 'rotate90cw'
  | 'rotate90ccw';

const ORIENTATIONS: Record<OrientationName, readonly [flipX: boolean, flipY: boolean, transpose: boolean]> = {
  identity: [false, false, false],
  flipX: [true, false, false],
  flipY: [false, true, false],
  rotate180: [true, true, false],
  transpose: [false, false, true],
  transverse: [true, true, true],
  rotate90cw: [false, true, true],
  rotate90ccw: [true, false, true],
};

const NAMES = Object.keys(ORIENTATIONS) as OrientationName[];

function resolve(name: OrientationName, geometry: SensorGeometry): Orientation {
  const { width, height } = validateGeometry('geometry', geometry);
  const [flipX, flipY, transpose] = ORIENTATIONS[requireOneOf('orientation', name, NAMES)];
  return Object.freeze({ width, height, flipX, flipY, transpose });
}

/**
 * Re-orients every event within the source `geometry` (a StreamInfo will do). An event outside the
 * geometry is an error (`EventOutOfBoundsError`), emitted after the events before it.
 */
export function orient(
  orientation: OrientationName,
  geometry: SensorGeometry,
): MonoTypeOperatorFunction<EventPacket> {
  const resolved = resolve(orientation, geometry);
  return packetOperator(() => (src, out) => orientInto(src, resolved, out));
}

/** The output geometry of `orient(orientation, geometry)`. */
export function orientationGeometry(
  orientation: OrientationName,
  geometry: SensorGeometry,
): { width: number; height: number } {
  return orientedGeometry(resolve(orientation, geometry));
}

/** x := W−1−x. */
export function flipX(geometry: SensorGeometry): MonoTypeOperatorFunction<EventPacket> {
  return orient('flipX', geometry);
}

/** y := H−1−y. */
export function flipY(geometry: SensorGeometry): MonoTypeOperatorFunction<EventPacket> {
  return orient('flipY', geometry);
}

/** Swap x and y (W×H becomes H×W). */
export function transpose(geometry: SensorGeometry): MonoTypeOperatorFunction<EventPacket> {
  return orient('transpose', geometry);
}

/** Rotate by 180° about the centre: x := W−1−x, y := H−1−y. */
export function rotate180(geometry: SensorGeometry): MonoTypeOperatorFunction<EventPacket> {
  return orient('rotate180', geometry);
}
