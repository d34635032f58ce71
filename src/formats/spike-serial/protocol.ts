/**
 * spikeframe: the framed binary protocol spikestream defines for microcontroller spike sensors
 * (documented for firmware authors in docs/serial-protocol.md; reference sketch in
 * examples/firmware/). Every frame is COBS-encoded and ends with 0x00.
 *
 * Frame (before COBS):  type u8 | flags u8 | payload … | check (CRC-16 LE, or CRC-32 LE when
 * flags bit 0 is set) over type, flags and payload. Multi-byte fields are little-endian.
 */

export const SPIKEFRAME_VERSION = 1;

export const FrameType = {
  /** device → host: u8 version, u16 channels, u32 clock Hz, u8 name length, name (UTF-8). */
  Hello: 0x01,
  /** device → host: u16 seq, u32 base ticks, u16 count, count × (varint Δticks, varint channel<<1|sign). */
  Events: 0x02,
  /** device → host: UTF-8 text (a log line). */
  Log: 0x03,
  /** host → device: please send Hello (empty payload). */
  HelloRequest: 0x10,
} as const;

/** flags bit 0: the frame check is CRC-32 instead of CRC-16/CCITT-FALSE. */
export const FLAG_CRC32 = 0x01;

/** Largest frame (type + flags + payload + check, before COBS) a decoder accepts. */
export const MAX_FRAME_BYTES = 4096;

/** Bytes of the Events payload before the events. */
export const EVENTS_HEADER_BYTES = 8;

export interface SpikeframeHello {
  readonly version: number;
  readonly channels: number;
  readonly clockHz: number;
  readonly name: string;
}
