/** What is known about an event stream: geometry, format and where it came from. */
export interface StreamInfo {
  /** Sensor width in pixels (or channels for serial spike sensors). */
  readonly width: number;
  /** Sensor height in pixels (1 for channel sensors). */
  readonly height: number;
  /** Format name as registered, e.g. "evt3", "aedat4", "csv". */
  readonly format: string;
  /** Where the stream comes from: a file path, URI or device. */
  readonly origin: string;
  /**
   * How the geometry was obtained: from the file/device header, given by the user, a format
   * default (e.g. N-MNIST 34×34), or inferred from the data because the format has no header.
   */
  readonly geometrySource: 'header' | 'user' | 'default' | 'inferred' | 'unknown';
  /** Free-form header metadata (camera serial, date, ...). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export function makeStreamInfo(
  partial: Partial<StreamInfo> & Pick<StreamInfo, 'width' | 'height' | 'format'>,
): StreamInfo {
  const info: StreamInfo = {
    origin: '',
    geometrySource: 'header',
    ...partial,
  };
  if (!Number.isInteger(info.width) || info.width < 0 || info.width > 65535) {
    throw new RangeError(`"width" must be an integer in [0, 65535], got ${info.width}`);
  }
  if (!Number.isInteger(info.height) || info.height < 0 || info.height > 65535) {
    throw new RangeError(`"height" must be an integer in [0, 65535], got ${info.height}`);
  }
  return Object.freeze(info);
}
