/** Eager option checks shared by the operator factories; messages name the option and the value. */

export function requirePositiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`"${option}" must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function requireNonNegativeInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`"${option}" must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** A non-negative integer, or Infinity for "no limit". */
export function requireCountOrInfinity(option: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  return requireNonNegativeInteger(option, value);
}

export function requirePositiveFinite(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`"${option}" must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

export function requireFinite(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`"${option}" must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function requireBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`"${option}" must be a boolean, got ${String(value)}`);
  }
  return value;
}

export function requireOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new RangeError(
      `"${option}" must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`,
    );
  }
  return value as T;
}

/** Rejects an options argument that is not an object (undefined is allowed when `optional`). */
export function requireOptionsObject(operator: string, options: unknown, optional: boolean): void {
  if (options === undefined && optional) return;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${operator}: options must be an object, got ${String(options)}`);
  }
}
