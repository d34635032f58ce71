/**
 * Resumable AEDAT 1.0 / 2.0 (jAER) decoder.
 *
 * After the `#` header (src/formats/aedat-header), records are big-endian and signed: 2.0 has
 * 8-byte records (int32 address, int32 timestamp), 1.0 has 6-byte records (int16 address, int32
 * timestamp). The address layout (DVS128 or DAVIS) comes from `# AEChip:` or the `chip` option;
 * see layout.ts for the bits and the axis/polarity conventions. APS, IMU and external-input
 * records are skipped and counted (`aps`, `imu`, `external`).
 *
 * Time: the int32 µs counter wraps every 2^32 µs (71.6 min; the sign flips at 2^31): a backward
 * jump larger than 2^31 µs is a wrap and adds 2^32 µs (as jAER's TimestampUnwrapper); smaller
 * backward steps are clamped to the last time (`time_backwards`).
 */
import { chipGeometry } from '../aedat-header/chips.ts';
import { type AedatHeader, AedatHeaderError, AedatHeaderReader } from '../aedat-header/header.ts';
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import { EMPTY_PACKET, type EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';
import { AEDAT2_AXES, type Aedat2Axes, type Aedat2Chip, LAYOUT_LIMITS } from './layout.ts';

export interface Aedat2DecoderOptions extends DecoderOptions {
  /** Address layout; 'auto' reads `# AEChip:` (and fails clearly if it is unknown). Default 'auto'. */
  readonly chip?: 'auto' | Aedat2Chip;
  /** Axis convention of the output, see layout.ts. Default 'top-left'. */
  readonly axes?: Aedat2Axes;
  /** Swap ON and OFF relative to jAER's reading of the polarity bit. Default false. */
  readonly invertPolarity?: boolean;
}

const TWO_32 = 4294967296;
const TWO_31 = 2147483648;

export class Aedat2Decoder implements EventDecoder {
  readonly stats = new DecodeStats();
  private streamInfo: StreamInfo | undefined;
  private readonly options: Aedat2DecoderOptions;
  private readonly axes: Aedat2Axes;
  private readonly invert: number;
  private headerReader: AedatHeaderReader | undefined = new AedatHeaderReader();
  private parsedHeader: AedatHeader | undefined;
  private done = false;

  private recordBytes = 8;
  private chip: Aedat2Chip = 'dvs128';
  private width = 0;
  private height = 0;
  private pos = 0;
  private readonly carry = new Uint8Array(8);
  private carryLen = 0;
  private readonly builder = new PacketBuilder(8192);
  private lastRaw = -1;
  private tOffset = 0;
  private lastT = Number.NEGATIVE_INFINITY;

  constructor(options: Aedat2DecoderOptions = {}) {
    const { chip = 'auto', axes = 'top-left', invertPolarity = false } = options;
    if (!['auto', 'dvs128', 'davis'].includes(chip)) {
      throw new RangeError(`"chip" must be 'auto', 'dvs128' or 'davis', got ${String(chip)}`);
    }
    if (!AEDAT2_AXES.includes(axes)) {
      throw new RangeError(`"axes" must be one of ${AEDAT2_AXES.join(', ')}, got ${String(axes)}`);
    }
    if (typeof invertPolarity !== 'boolean') {
      throw new TypeError(`"invertPolarity" must be a boolean, got ${String(invertPolarity)}`);
    }
    for (const k of ['width', 'height'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 65535)) {
        throw new RangeError(`"${k}" must be an integer in [1, 65535], got ${v}`);
      }
    }
    this.options = options;
    this.axes = axes;
    this.invert = invertPolarity ? 1 : 0;
  }

  get info(): StreamInfo | undefined {
    return this.streamInfo;
  }

  /** The `#` header, once read. */
  get header(): AedatHeader | undefined {
    return this.parsedHeader;
  }

  push(chunk: Uint8Array): EventPacket {
    if (this.done) return EMPTY_PACKET;
    if (this.headerReader) {
      let progress: ReturnType<AedatHeaderReader['push']>;
      try {
        progress = this.headerReader.push(chunk);
      } catch (err) {
        if (!(err instanceof AedatHeaderError)) throw err;
        this.fatal(err.byteOffset, 'header', err.message);
        return EMPTY_PACKET;
      }
      if (!progress.done) {
        this.stats.bytes += chunk.length;
        return EMPTY_PACKET;
      }
      this.headerReader = undefined;
      if (!this.setup(progress.header)) return EMPTY_PACKET;
      chunk = progress.rest;
    }
    this.records(chunk);
    return this.emit();
  }

  end(): EventPacket {
    if (this.done) return this.emit();
    if (this.headerReader) {
      const { header } = this.headerReader.end();
      this.headerReader = undefined;
      this.setup(header);
    }
    if (!this.done && this.carryLen > 0) {
      this.stats.issue(
        this.pos,
        'record',
        `truncated: ${this.carryLen} of ${this.recordBytes} bytes at the end`,
        true,
      );
    }
    this.done = true;
    return this.emit();
  }

  private emit(): EventPacket {
    const p = this.builder.take();
    this.stats.events += p.length;
    this.stats.bytes = this.pos + this.carryLen;
    return p;
  }

  private fatal(byteOffset: number, field: string, message: string): void {
    this.stats.issue(byteOffset, field, message, true);
    this.done = true;
  }

  private setup(header: AedatHeader): boolean {
    this.parsedHeader = header;
    this.pos = header.length;
    const at = header.length;
    if (header.version === '1.0') this.recordBytes = 6;
    else if (header.version.startsWith('2.')) this.recordBytes = 8;
    else {
      this.fatal(
        0,
        'version',
        `AEDAT ${header.version} is not AEDAT 1.0/2.0 (use the aedat3 or aedat4 format)`,
      );
      return false;
    }
    const chipName = header.fields['AEChip'] ?? '';
    const known = chipGeometry(chipName);
    const wanted = this.options.chip ?? 'auto';
    if (wanted === 'auto') {
      if (!known) {
        this.fatal(
          at,
          'AEChip',
          chipName
            ? `unknown chip "${chipName}": pass the address layout with chip: 'dvs128' or 'davis' (and width/height)`
            : `no "# AEChip:" line: pass the address layout with chip: 'dvs128' or 'davis' (and width/height)`,
        );
        return false;
      }
      this.chip = known.family;
    } else {
      this.chip = wanted;
    }
    if (this.recordBytes === 6 && this.chip !== 'dvs128') {
      this.fatal(at, 'AEChip', 'AEDAT 1.0 records hold 16-bit addresses: only the DVS128 layout fits');
      return false;
    }
    const fieldW = Number(header.fields['sizeX']);
    const fieldH = Number(header.fields['sizeY']);
    let geometrySource: StreamInfo['geometrySource'] = 'header';
    let width = LAYOUT_LIMITS[this.chip].width;
    let height = LAYOUT_LIMITS[this.chip].height;
    if (Number.isInteger(fieldW) && Number.isInteger(fieldH) && fieldW > 0 && fieldH > 0) {
      width = fieldW;
      height = fieldH;
    } else if (known && known.family === this.chip) {
      width = known.width;
      height = known.height;
    } else if (this.chip === 'davis') {
      geometrySource = 'default';
    }
    if (this.options.width !== undefined && this.options.height !== undefined) {
      width = this.options.width;
      height = this.options.height;
      geometrySource = 'user';
    }
    this.width = width;
    this.height = height;
    const metadata: Record<string, string> = { version: header.version, chip: this.chip, axes: this.axes };
    if (chipName) metadata.aeChip = chipName;
    const created = header.fields['Creation time'] ?? header.fields['DataStartTime'];
    if (created) metadata.creationTime = created;
    this.streamInfo = makeStreamInfo({
      width,
      height,
      format: 'aedat2',
      origin: this.options.origin ?? '',
      geometrySource,
      metadata,
    });
    return true;
  }

  private records(chunk: Uint8Array): void {
    let i = 0;
    const size = this.recordBytes;
    if (this.carryLen > 0) {
      const take = Math.min(size - this.carryLen, chunk.length);
      this.carry.set(chunk.subarray(0, take), this.carryLen);
      this.carryLen += take;
      i = take;
      if (this.carryLen < size) return;
      this.decodeRange(this.carry, 0, 1);
      this.carryLen = 0;
      this.pos += size;
    }
    const count = Math.floor((chunk.length - i) / size);
    if (count > 0) {
      this.decodeRange(chunk, i, count);
      i += count * size;
      this.pos += count * size;
    }
    if (i < chunk.length) {
      this.carry.set(chunk.subarray(i), 0);
      this.carryLen = chunk.length - i;
    }
  }

  /** Decodes `count` records starting at bytes[start]. */
  private decodeRange(bytes: Uint8Array, start: number, count: number): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const b = this.builder;
    b.reserve(count);
    const tUs = b.tUs;
    const xs = b.x;
    const ys = b.y;
    const ps = b.p;
    let n = b.length;
    const size = this.recordBytes;
    const tsAt = size - 4;
    const dvs128 = this.chip === 'dvs128';
    const wm1 = this.width - 1;
    const hm1 = this.height - 1;
    const flipX = this.axes !== 'raw';
    const flipY = this.axes === 'top-left';
    const invert = this.invert;
    let lastRaw = this.lastRaw;
    let offset = this.tOffset;
    let last = this.lastT;
    let external = 0;
    let aps = 0;
    let imu = 0;
    let outside = 0;
    for (let k = 0, o = start; k < count; k++, o += size) {
      const addr = size === 8 ? view.getInt32(o, false) : view.getUint16(o, false);
      const raw = view.getUint32(o + tsAt, false);
      // Unwrap the 32-bit counter on every record (skipped ones too: they carry time).
      if (raw < lastRaw && lastRaw - raw > TWO_31) offset += TWO_32;
      lastRaw = raw;
      let rawX: number;
      let rawY: number;
      let p: number;
      if (dvs128) {
        if ((addr & 0x8000) !== 0 || addr < 0) {
          external++;
          continue;
        }
        rawX = (addr >>> 1) & 0x7f;
        rawY = (addr >>> 8) & 0x7f;
        p = (addr & 1) ^ 1; // jAER: bit 0 = 0 is ON
      } else {
        if (addr < 0) {
          if (((addr >>> 10) & 3) === 3) imu++;
          else aps++;
          continue;
        }
        if ((addr & 0x400) !== 0) {
          external++;
          continue;
        }
        rawX = (addr >>> 12) & 0x3ff;
        rawY = (addr >>> 22) & 0x1ff;
        p = (addr >>> 11) & 1;
      }
      const x = flipX ? wm1 - rawX : rawX;
      const y = flipY ? hm1 - rawY : rawY;
      if (x < 0 || y < 0 || x > wm1 || y > hm1) {
        outside++;
        continue;
      }
      let t = raw + offset;
      if (t < last) {
        this.stats.repair('time_backwards');
        t = last;
      }
      last = t;
      tUs[n] = t;
      xs[n] = x;
      ys[n] = y;
      ps[n] = p ^ invert;
      n++;
    }
    const wraps = Math.round((offset - this.tOffset) / TWO_32);
    if (wraps > 0) this.stats.repair('time_wrap', wraps);
    this.lastRaw = lastRaw;
    this.tOffset = offset;
    this.lastT = last;
    b.commit(n - b.length);
    if (external) this.stats.skip('external', external);
    if (aps) this.stats.skip('aps', aps);
    if (imu) this.stats.skip('imu', imu);
    if (outside) this.stats.skip('out_of_range', outside);
  }
}

export function createAedat2Decoder(options: Aedat2DecoderOptions = {}): Aedat2Decoder {
  return new Aedat2Decoder(options);
}
