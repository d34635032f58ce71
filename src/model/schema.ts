/**
 * Model files (DESIGN.md §5): `models/<name>/model.json` + `weights.bin` (little-endian float32).
 * `ModelSpec` is the in-memory form: a NetworkSpec (weights as Float32Array) plus what a user and
 * the streaming classifier need to run it: time unit, input mapping, readout, labels, provenance and
 * measured figures. The JSON form is documented in docs/model-format.md.
 */
import type { NetworkSpec } from '../snn/spec.ts';

/** Version of the model.json schema this code reads and writes. */
export const MODEL_SCHEMA_VERSION = 1;
/** Value of the `format` field of every model.json. */
export const MODEL_FORMAT = 'spikestream-model';

/** Which part of the sensor becomes the input, and how polarity becomes channels. */
export interface EventInputMapping {
  readonly kind: 'events';
  /** Sensor geometry (pixels). Events outside it are dropped and counted. */
  readonly sensorWidth: number;
  readonly sensorHeight: number;
  /** Region of the sensor used (pixels, half-open). Default: the whole sensor. */
  readonly crop?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Integer downsampling factor: input x = ⌊(x − crop.x) / factor⌋. Default 1. */
  readonly downsample?: number;
  /**
   * Polarity → channel: `split` = 2 channels, channel = polarity (0 = OFF, 1 = ON); `merge` = 1
   * channel for both; `on` / `off` = 1 channel, the other polarity dropped.
   */
  readonly polarity: 'split' | 'merge' | 'on' | 'off';
}

/** Static image → one TTFS spike per pixel: t = window·(1 − intensity); intensity 0 never spikes. */
export interface ImageInputMapping {
  readonly kind: 'image';
  readonly width: number;
  readonly height: number;
  /** Channels (default 1); index = c·H·W + y·W + x. */
  readonly channels?: number;
  /** Time of the latest possible spike (intensity → 0), model time units (> 0). */
  readonly window: number;
}

export type InputMapping = EventInputMapping | ImageInputMapping;

/** How the output layer becomes a class. */
export interface ReadoutSpec {
  /** `first-spike`: the earliest output spike wins (TTFS); `spike-count`: the most output spikes win. */
  readonly kind: 'first-spike' | 'spike-count';
  /** Default window length, model time units (> 0). */
  readonly window: number;
  /** spike-count only: decide early once the leader is ahead by this many spikes (0 = only at window end). */
  readonly margin?: number;
}

/** How the model was made, so it can be made again. */
export interface Provenance {
  /** Command that reproduces it. */
  readonly command?: string;
  /** Training data (name, path, split). */
  readonly data?: string;
  readonly seed?: number;
  /** ISO 8601 date. */
  readonly date?: string;
  readonly gitCommit?: string;
  readonly method?: string;
  readonly [key: string]: unknown;
}

export interface ModelSpec extends NetworkSpec {
  readonly name: string;
  readonly description: string;
  /** Length of one model time unit in microseconds (e.g. 1000: times in ms). */
  readonly timeUnitUs: number;
  readonly inputMapping: InputMapping;
  readonly readout: ReadoutSpec;
  /** One label per output neuron. */
  readonly labels: readonly string[];
  readonly provenance?: Provenance;
  /** Measured test figures (accuracy, spikes per sample…), each from a command named in provenance. */
  readonly metrics?: Readonly<Record<string, number | string | null>>;
}

/** JSON layout of a weight tensor in weights.bin. */
export interface WeightsRef {
  /** Byte offset into weights.bin (multiple of 4). */
  readonly offset: number;
  /** Dense: [inputs, size]; conv2d: [outChannels, inChannels, kernelH, kernelW]. */
  readonly shape: readonly number[];
}
