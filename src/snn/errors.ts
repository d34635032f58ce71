/** Errors raised by the network runtime. */
import { SpikestreamError } from '../events/errors.ts';

/** A network spec (or model) that cannot be compiled; `field` names the bad part, e.g. `layers[1].weights`. */
export class NetworkSpecError extends SpikestreamError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('E_NETWORK_SPEC', `${field}: ${message}`);
    this.field = field;
  }
}

/** Input spikes the network cannot take: out of range, not finite, unsorted or in the past. */
export class InputSpikeError extends SpikestreamError {
  /** Position of the offending spike in the given arrays. */
  readonly position: number;
  constructor(position: number, message: string) {
    super('E_INPUT_SPIKES', `input spike ${position}: ${message}`);
    this.position = position;
  }
}
