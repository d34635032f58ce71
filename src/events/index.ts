export * from './packet.ts';
export * from './builder.ts';
export * from './stream-info.ts';
export * from './errors.ts';
export * from './decode-stats.ts';
export * from './unwrap.ts';
