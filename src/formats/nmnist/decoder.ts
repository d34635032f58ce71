/**
 * N-MNIST / N-Caltech101 `.bin` decoder (reference §2.12).
 *
 * 5-byte records, no header: byte 0 = x, byte 1 = y, byte 2 bit 7 = polarity (1 = ON),
 * byte 2 bits 6..0 + bytes 3..4 = 23-bit timestamp in µs, big-endian. A record whose y equals
 * the overflow marker (240) is not an event: as in Orchard's reader (and Tonic's copy of it)
 * it adds a fixed increment (2^13 µs by default) to every later timestamp. A silent wrap of the
 * 23-bit counter (a backward jump of more than half its range) is unwrapped as well.
 */
import { DecodeStats } from '../../events/decode-stats.ts';
import {
  allocateColumns,
  EMPTY_PACKET,
  type EventPacket,
  type PacketColumns,
  packetOf,
} from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';

export const NMNIST_RECORD_BYTES = 5;
/** Range of the 23-bit timestamp field. */
export const NMNIST_TIME_RANGE = 2 ** 23;
export const NMNIST_DEFAULT_WIDTH = 34;
export const NMNIST_DEFAULT_HEIGHT = 34;
export const NMNIST_DEFAULT_OVERFLOW_MARKER_Y = 240;
/** Increment per overflow marker in Orchard's reader (the reference calls it suspicious; configurable). */
export const NMNIST_DEFAULT_OVERFLOW_INCREMENT_US = 2 ** 13;

export interface NmnistDecoderOptions extends DecoderOptions {
  /** Sensor width in pixels. Default 34 (N-MNIST); N-Caltech101 needs up to 240. */
  readonly width?: number;
  /** Sensor height in pixels. Default 34 (N-MNIST); N-Caltech101 needs up to 180. */
  readonly height?: number;
  /**
   * y value that marks an overflow record instead of an event. Default 240.
   * `null` disables markers: such records are then decoded as ordinary events.
   */
  readonly overflowMarkerY?: number | null;
  /** µs added to all later timestamps per overflow marker. Default 8192 (2^13); 0 ignores markers. */
  readonly overflowIncrementUs?: number;
}

function validateGeometry(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new RangeError(`"${name}" must be an integer in [1, 65535], got ${value}`);
  }
  return value;
}

export function resolveNmnistOptions(options: NmnistDecoderOptions = {}): {
  width: number;
  height: number;
  geometrySource: StreamInfo['geometrySource'];
  markerY: number;
  incrementUs: number;
} {
  const width = validateGeometry('width', options.width, NMNIST_DEFAULT_WIDTH);
  const height = validateGeometry('height', options.height, NMNIST_DEFAULT_HEIGHT);
  const markerOpt = options.overflowMarkerY;
  if (
    markerOpt !== undefined &&
    markerOpt !== null &&
    !(Number.isInteger(markerOpt) && markerOpt >= 0 && markerOpt <= 255)
  ) {
    throw new RangeError(`"overflowMarkerY" must be an integer in [0, 255] or null, got ${markerOpt}`);
  }
  const incrementUs = options.overflowIncrementUs ?? NMNIST_DEFAULT_OVERFLOW_INCREMENT_US;
  if (!Number.isInteger(incrementUs) || incrementUs < 0 || incrementUs > NMNIST_TIME_RANGE) {
    throw new RangeError(`"overflowIncrementUs" must be an integer in [0, 2^23], got ${incrementUs}`);
  }
  return {
    width,
    height,
    geometrySource: options.width !== undefined || options.height !== undefined ? 'user' : 'default',
    // -1 never equals a byte: markers disabled.
    markerY: markerOpt === null ? -1 : (markerOpt ?? NMNIST_DEFAULT_OVERFLOW_MARKER_Y),
    incrementUs,
  };
}

export class NmnistDecoder implements EventDecoder {
  readonly info: StreamInfo;
  readonly stats = new DecodeStats();
  private readonly origin: string;
  private readonly width: number;
  private readonly height: number;
  private readonly markerY: number;
  private readonly incrementUs: number;
  /** Bytes of an incomplete record carried to the next push. */
  private readonly carry = new Uint8Array(NMNIST_RECORD_BYTES);
  private carryLength = 0;
  /** Sum of overflow-marker increments and unwrapped 23-bit wraps so far. */
  private timeOffset = 0;
  private lastRaw = -1;
  private lastT = Number.NEGATIVE_INFINITY;
  private outsideReported = false;
  private stopped = false;

  constructor(options: NmnistDecoderOptions = {}) {
    const o = resolveNmnistOptions(options);
    this.origin = options.origin ?? '';
    this.width = o.width;
    this.height = o.height;
    this.markerY = o.markerY;
    this.incrementUs = o.incrementUs;
    this.info = makeStreamInfo({
      width: o.width,
      height: o.height,
      format: 'nmnist',
      origin: this.origin,
      geometrySource: o.geometrySource,
    });
  }

  push(chunk: Uint8Array): EventPacket {
    if (this.stopped || chunk.length === 0) return EMPTY_PACKET;
    const carried = this.carryLength;
    if (carried + chunk.length < NMNIST_RECORD_BYTES) {
      this.carry.set(chunk, carried);
      this.carryLength = carried + chunk.length;
      return EMPTY_PACKET;
    }
    // A record split by the previous chunk boundary is completed from this chunk's first bytes.
    const start = carried > 0 ? NMNIST_RECORD_BYTES - carried : 0;
    const records = Math.floor((chunk.length - start) / NMNIST_RECORD_BYTES);
    const cols = allocateColumns(records + (carried > 0 ? 1 : 0));
    let k = 0;
    if (carried > 0) {
      this.carry.set(chunk.subarray(0, start), carried);
      k = this.decodeRecords(this.carry, 0, 1, this.stats.bytes, cols, 0);
      this.stats.bytes += NMNIST_RECORD_BYTES;
      this.carryLength = 0;
    }
    k = this.decodeRecords(chunk, start, records, this.stats.bytes, cols, k);
    const used = start + records * NMNIST_RECORD_BYTES;
    this.stats.bytes += records * NMNIST_RECORD_BYTES;
    if (used < chunk.length) {
      this.carry.set(chunk.subarray(used), 0);
      this.carryLength = chunk.length - used;
    }
    return k === 0 ? EMPTY_PACKET : packetOf(cols, k);
  }

  end(): EventPacket {
    if (!this.stopped && this.carryLength > 0) {
      this.stats.issue(
        this.stats.bytes,
        'record',
        `truncated record: ${this.carryLength} of ${NMNIST_RECORD_BYTES} bytes at end of stream`,
        true,
      );
      this.stats.bytes += this.carryLength;
      this.carryLength = 0;
    }
    this.stopped = true;
    return EMPTY_PACKET;
  }

  /**
   * Decodes `records` whole records of `b` from `start` into `cols` from index `k0`; returns the
   * new event count. `baseOffset` is the stream offset of `b[start]`.
   */
  private decodeRecords(
    b: Uint8Array,
    start: number,
    records: number,
    baseOffset: number,
    cols: PacketColumns,
    k0: number,
  ): number {
    const tUs = cols.tUs;
    const xs = cols.x;
    const ys = cols.y;
    const ps = cols.p;
    const width = this.width;
    const height = this.height;
    const markerY = this.markerY;
    const increment = this.incrementUs;
    const half = NMNIST_TIME_RANGE / 2;
    let offset = this.timeOffset;
    let lastRaw = this.lastRaw;
    let lastT = this.lastT;
    let k = k0;
    let markers = 0;
    let wraps = 0;
    let backwards = 0;
    let outside = 0;
    let firstOutside = -1;
    const end = start + records * NMNIST_RECORD_BYTES;
    for (let i = start; i < end; i += NMNIST_RECORD_BYTES) {
      const x = b[i];
      const y = b[i + 1];
      const b2 = b[i + 2];
      if (y === markerY) {
        offset += increment;
        markers++;
        continue;
      }
      const raw = ((b2 & 0x7f) << 16) | (b[i + 3] << 8) | b[i + 4];
      if (raw < lastRaw - half) {
        offset += NMNIST_TIME_RANGE;
        wraps++;
      }
      lastRaw = raw;
      let t = offset + raw;
      if (t < lastT) {
        t = lastT;
        backwards++;
      } else {
        lastT = t;
      }
      if (x >= width || y >= height) {
        if (firstOutside < 0) firstOutside = i;
        outside++;
        continue;
      }
      tUs[k] = t;
      xs[k] = x;
      ys[k] = y;
      ps[k] = b2 >> 7;
      k++;
    }
    this.timeOffset = offset;
    this.lastRaw = lastRaw;
    this.lastT = lastT;
    const stats = this.stats;
    if (markers > 0) stats.skip('overflow_marker', markers);
    if (wraps > 0) stats.repair('time_wrap', wraps);
    if (backwards > 0) stats.repair('time_backwards', backwards);
    if (outside > 0) {
      stats.skip('outside_geometry', outside);
      if (!this.outsideReported) {
        this.outsideReported = true;
        const at = baseOffset + (firstOutside - start);
        stats.issue(
          at,
          'x/y',
          `event (${b[firstOutside]}, ${b[firstOutside + 1]}) outside the ${width}×${height} geometry; ` +
            'such events are skipped (give the real geometry with width/height)',
        );
      }
    }
    stats.events += k - k0;
    return k;
  }
}
