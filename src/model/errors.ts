import { SpikestreamError } from '../events/errors.ts';

/** A model file that cannot be used; names the file and the field (e.g. `layers[1].neuron.tauS`). */
export class ModelFileError extends SpikestreamError {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, message: string) {
    super('E_MODEL_FILE', `${file}: ${field}: ${message}`);
    this.file = file;
    this.field = field;
  }
}
