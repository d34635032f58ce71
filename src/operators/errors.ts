/** Errors raised by event operators when the events themselves break an operator's assumptions. */
import { SpikestreamError } from '../events/errors.ts';

/** An event lies outside the sensor geometry an operator was configured with. */
export class EventOutOfBoundsError extends SpikestreamError {
  /** Index of the offending event within its packet. */
  readonly index: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  constructor(operator: string, index: number, x: number, y: number, width: number, height: number) {
    super(
      'E_EVENT_BOUNDS',
      `${operator}: event ${index} of the packet at x=${x}, y=${y} lies outside the ${width}x${height} geometry`,
    );
    this.index = index;
    this.x = x;
    this.y = y;
    this.width = width;
    this.height = height;
  }
}

/** Event time went backwards (or is not a number) where an operator needs non-decreasing time. */
export class EventOrderError extends SpikestreamError {
  /** Index of the offending event within its packet. */
  readonly index: number;
  readonly tUs: number;
  readonly previousUs: number;
  constructor(operator: string, index: number, tUs: number, previousUs: number) {
    super(
      'E_EVENT_ORDER',
      `${operator}: event ${index} of the packet has tUs=${tUs}, before the previous event's ${previousUs}`,
    );
    this.index = index;
    this.tUs = tUs;
    this.previousUs = previousUs;
  }
}
