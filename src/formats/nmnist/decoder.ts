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
  /** Time state and per-call counters shared with the kernel (see S_* indexes). */
  private readonly state = Float64Array.of(0, -1, -1, 0, 0, 0, 0, -1);
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
    const st = this.state;
    st[S_MARKERS] = 0;
    st[S_WRAPS] = 0;
    st[S_BACKWARDS] = 0;
    st[S_OUTSIDE] = 0;
    st[S_FIRST_OUTSIDE] = -1;
    const k = decodeKernel(
      b,
      start,
      start + records * NMNIST_RECORD_BYTES,
      cols,
      k0,
      st,
      this.width,
      this.height,
      this.markerY,
      this.incrementUs,
    );
    const stats = this.stats;
    if (st[S_MARKERS] > 0) stats.skip('overflow_marker', st[S_MARKERS]);
    if (st[S_WRAPS] > 0) stats.repair('time_wrap', st[S_WRAPS]);
    if (st[S_BACKWARDS] > 0) stats.repair('time_backwards', st[S_BACKWARDS]);
    if (st[S_OUTSIDE] > 0) {
      stats.skip('outside_geometry', st[S_OUTSIDE]);
      if (!this.outsideReported) {
        this.outsideReported = true;
        const first = st[S_FIRST_OUTSIDE];
        stats.issue(
          baseOffset + (first - start),
          'x/y',
          `event (${b[first]}, ${b[first + 1]}) outside the ${this.width}×${this.height} geometry; ` +
            'such events are skipped (give the real geometry with width/height)',
        );
      }
    }
    stats.events += k - k0;
    return k;
  }
}

// Indexes into the decoder state array shared with the kernel.
/** Sum of overflow-marker increments and unwrapped 23-bit wraps so far (µs). */
const S_OFFSET = 0;
/** Last raw 23-bit time read (-1 before the first). */
const S_LAST_RAW = 1;
/** Last emitted time (-1 before the first; times are >= 0). */
const S_LAST_T = 2;
const S_MARKERS = 3;
const S_WRAPS = 4;
const S_BACKWARDS = 5;
const S_OUTSIDE = 6;
const S_FIRST_OUTSIDE = 7;

/**
 * The hot loop, kept a small standalone function so V8 optimises it once and for all (as a
 * method, its state stores after the loop kept deoptimising it). Returns the new event count.
 */
function decodeKernel(
  b: Uint8Array,
  start: number,
  end: number,
  cols: PacketColumns,
  k: number,
  st: Float64Array,
  width: number,
  height: number,
  markerY: number,
  increment: number,
): number {
  const tUs = cols.tUs;
  const xs = cols.x;
  const ys = cols.y;
  const ps = cols.p;
  let offset = st[S_OFFSET];
  let lastRaw = st[S_LAST_RAW];
  let lastT = st[S_LAST_T];
  let markers = 0;
  let wraps = 0;
  let backwards = 0;
  let outside = 0;
  let firstOutside = -1;
  for (let i = start; i < end; i += 5) {
    const y = b[i + 1];
    if (y === markerY) {
      offset += increment;
      markers++;
      continue;
    }
    const x = b[i];
    const b2 = b[i + 2];
    const raw = ((b2 & 0x7f) << 16) | (b[i + 3] << 8) | b[i + 4];
    if (raw < lastRaw - 4194304) {
      offset += 8388608; // 2^23: the counter wrapped silently
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
  st[S_OFFSET] = offset;
  st[S_LAST_RAW] = lastRaw;
  st[S_LAST_T] = lastT;
  st[S_MARKERS] = markers;
  st[S_WRAPS] = wraps;
  st[S_BACKWARDS] = backwards;
  st[S_OUTSIDE] = outside;
  st[S_FIRST_OUTSIDE] = firstOutside;
  return k;
}

// Run the kernel on a few records at load (often enough for V8 to allocate and fill its
// feedback), so the code after the loop has type feedback; without it, the on-stack-replaced
// loop deoptimises at every loop exit (measured: 288 deopts and half the speed in the bench).
{
  const sample = new Uint8Array(20);
  const cols = allocateColumns(4);
  const st = Float64Array.of(0, -1, -1, 0, 0, 0, 0, -1);
  for (let i = 0; i < 64; i++) decodeKernel(sample, 0, 20, cols, 0, st, 34, 34, 240, 8192);
}
