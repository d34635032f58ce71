/**
 * eDVS byte-stream codec. Not registered as a file format: the stream has no header, so no
 * detection by content is safe. The `edvs:` driver and tests use it directly.
 */
export * from './formats.ts';
export * from './decoder.ts';
export * from './encoder.ts';
