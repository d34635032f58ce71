/** Pure typed-array event kernels (no rxjs, no node): `xxxInto(src, state, out)` returns the count written. */
export * from './background-activity.ts';
export * from './count-slice.ts';
export * from './crop.ts';
export * from './downsample.ts';
export * from './event-buffer.ts';
export * from './event-rate.ts';
export * from './hot-pixel.ts';
export * from './orient.ts';
export * from './polarity.ts';
export * from './refractory.ts';
export * from './time-slice.ts';
