/** Base class of every error spikestream raises on purpose; `code` is stable and machine-readable. */
export class SpikestreamError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad bytes in a recording or stream: names the source, the byte offset and the field. */
export class DecodeError extends SpikestreamError {
  readonly origin: string;
  readonly byteOffset: number;
  readonly field: string;
  constructor(origin: string, byteOffset: number, field: string, message: string) {
    super('E_DECODE', `${origin || '<stream>'}: byte ${byteOffset}: ${field}: ${message}`);
    this.origin = origin;
    this.byteOffset = byteOffset;
    this.field = field;
  }
}

/** Invalid user input (options, CLI arguments, files that are not what they claim). */
export class UsageError extends SpikestreamError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}
