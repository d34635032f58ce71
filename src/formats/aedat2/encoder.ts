/**
 * AEDAT 2.0 writer (jAER layout): a `#` header ending in `#End Of ASCII Header`, then 8-byte
 * big-endian records (int32 address, int32 timestamp). Addresses use the DVS128 or DAVIS layout
 * with the same axis and polarity conventions the decoder takes (layout.ts), so files round-trip.
 *
 * Time: only the low 32 bits of each µs timestamp fit; the decoder unwraps them back into a
 * continuous timeline that starts at (first timestamp mod 2^32).
 */
import { formatAedatHeader } from '../aedat-header/header.ts';
import type { EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import type { EncoderOptions, EventEncoder } from '../types.ts';
import { AEDAT2_AXES, type Aedat2Axes, type Aedat2Chip, chipClassFor, LAYOUT_LIMITS } from './layout.ts';

export interface Aedat2EncoderOptions extends EncoderOptions {
  /** Address layout. Default: 'dvs128' for geometries up to 128×128, else 'davis'. */
  readonly chip?: Aedat2Chip;
  /** Axis convention of the input events (as for the decoder). Default 'top-left'. */
  readonly axes?: Aedat2Axes;
  /** Polarity convention of the input events (as for the decoder). Default false. */
  readonly invertPolarity?: boolean;
  /** Extra header lines (each must start with `#`). Default none. */
  readonly headerLines?: readonly string[];
}

export class Aedat2Encoder implements EventEncoder {
  private readonly options: Aedat2EncoderOptions;
  private chip: Aedat2Chip = 'dvs128';
  private width = 0;
  private height = 0;
  private started = false;

  constructor(options: Aedat2EncoderOptions = {}) {
    const { chip, axes = 'top-left', invertPolarity = false } = options;
    if (chip !== undefined && chip !== 'dvs128' && chip !== 'davis') {
      throw new RangeError(`"chip" must be 'dvs128' or 'davis', got ${String(chip)}`);
    }
    if (!AEDAT2_AXES.includes(axes)) {
      throw new RangeError(`"axes" must be one of ${AEDAT2_AXES.join(', ')}, got ${String(axes)}`);
    }
    if (typeof invertPolarity !== 'boolean') {
      throw new TypeError(`"invertPolarity" must be a boolean, got ${String(invertPolarity)}`);
    }
    this.options = options;
  }

  begin(info: StreamInfo): Uint8Array {
    if (this.started) throw new Error('AEDAT 2 encoder: begin() called twice');
    this.started = true;
    const chip = this.options.chip ?? (info.width <= 128 && info.height <= 128 ? 'dvs128' : 'davis');
    const limit = LAYOUT_LIMITS[chip];
    if (info.width < 1 || info.height < 1 || info.width > limit.width || info.height > limit.height) {
      throw new RangeError(
        `AEDAT 2 ${chip} addresses hold at most ${limit.width}×${limit.height}, got ${info.width}×${info.height}`,
      );
    }
    this.chip = chip;
    this.width = info.width;
    this.height = info.height;
    const lines = [
      '#!AER-DAT2.0',
      '# This is a raw AE data file created by spikestream',
      '# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event',
      '# Timestamps tick is 1 us',
      `# AEChip: ${chipClassFor(chip, info.width, info.height)}`,
      `# sizeX: ${info.width}`,
      `# sizeY: ${info.height}`,
      ...(this.options.headerLines ?? []),
      '#End Of ASCII Header',
    ];
    return formatAedatHeader(lines);
  }

  encode(packet: EventPacket): Uint8Array {
    if (!this.started) throw new Error('AEDAT 2 encoder: encode() before begin()');
    const n = packet.length;
    const out = new Uint8Array(8 * n);
    const view = new DataView(out.buffer);
    const { tUs, x, y, p } = packet;
    const wm1 = this.width - 1;
    const hm1 = this.height - 1;
    const axes = this.options.axes ?? 'top-left';
    const flipX = axes !== 'raw';
    const flipY = axes === 'top-left';
    const invert = this.options.invertPolarity ? 1 : 0;
    const dvs128 = this.chip === 'dvs128';
    for (let i = 0; i < n; i++) {
      if (x[i] > wm1 || y[i] > hm1) {
        throw new RangeError(`event ${i}: (${x[i]}, ${y[i]}) is outside the ${wm1 + 1}×${hm1 + 1} geometry`);
      }
      const rawX = flipX ? wm1 - x[i] : x[i];
      const rawY = flipY ? hm1 - y[i] : y[i];
      const on = p[i] ^ invert;
      const addr = dvs128 ? (rawY << 8) | (rawX << 1) | (on ^ 1) : (rawY << 22) | (rawX << 12) | (on << 11);
      view.setInt32(8 * i, addr, false);
      view.setUint32(8 * i + 4, tUs[i] % 4294967296, false);
    }
    return out;
  }

  end(): Uint8Array {
    return new Uint8Array(0);
  }
}

export function createAedat2Encoder(options: Aedat2EncoderOptions = {}): Aedat2Encoder {
  return new Aedat2Encoder(options);
}
