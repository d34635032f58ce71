/** Sensor geometry as operators need it. `StreamInfo` satisfies this interface. */
export interface SensorGeometry {
  /** Width in pixels (x ranges over [0, width)). */
  readonly width: number;
  /** Height in pixels (y ranges over [0, height)). */
  readonly height: number;
}

/** Checks a geometry option eagerly; returns a frozen plain copy. */
export function validateGeometry(option: string, geometry: SensorGeometry | undefined): SensorGeometry {
  if (geometry === null || typeof geometry !== 'object') {
    throw new TypeError(
      `"${option}" must be an object with width and height (e.g. a StreamInfo), got ${geometry}`,
    );
  }
  const { width, height } = geometry;
  if (!Number.isInteger(width) || width < 1 || width > 65536) {
    throw new RangeError(`"${option}.width" must be an integer in [1, 65536], got ${width}`);
  }
  if (!Number.isInteger(height) || height < 1 || height > 65536) {
    throw new RangeError(`"${option}.height" must be an integer in [1, 65536], got ${height}`);
  }
  return Object.freeze({ width, height });
}
