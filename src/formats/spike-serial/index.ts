/**
 * spikeframe: spikestream's framed serial protocol for microcontroller spike sensors
 * (docs/serial-protocol.md). A live protocol, not a file format: not in the format registry.
 */
export * from './protocol.ts';
export * from './crc.ts';
export * from './cobs.ts';
export * from './decoder.ts';
export * from './encoder.ts';
