/** DVS emulation: pixel model, N-MNIST saccades, synthetic scenes (pure computation, no I/O). */
export { Prng, deriveSeed } from './prng.ts';
export {
  DvsPixelArray,
  linLog,
  PIXEL_PRESETS,
  type DvsPixelOptions,
  type DvsPixelStats,
} from './pixel-model.ts';
export {
  renderSaccade,
  renderSaccadeInto,
  renderShiftedImage,
  saccadeDrift,
  PaddedImage,
  SACCADE_DURATION_US,
  type SaccadeOptions,
} from './saccade.ts';
export {
  movingBar,
  rotatingDot,
  frameSequence,
  SceneEmulator,
  type FrameProvider,
  type FrameSequenceOptions,
  type Scene,
  type MovingBarOptions,
  type RotatingDotOptions,
} from './scenes.ts';
