/**
 * Resumable spikeframe decoder (see protocol.ts and docs/serial-protocol.md).
 *
 * COBS is undone on the fly into one fixed frame buffer, so a stream split anywhere decodes the
 * same. Bad frames never stop the stream: a frame with a wrong check (`skipped.crc_error`), a
 * malformed body (`bad_frame`, the whole frame is dropped), or longer than MAX_FRAME_BYTES
 * (`oversize_frame`) is skipped up to the next 0x00 and counted with an issue at its offset.
 * Gaps in the Events sequence number count the frames lost on the way (`lost_frames`).
 *
 * Time: tUs = ⌊ticks · 10^6 / clockHz⌋ where ticks = unwrapped 32-bit base + the frame's deltas.
 * A Hello after events means the device restarted: its clock is re-based so time continues from
 * the last event (`repaired.rebase`). Events before the first Hello are skipped
 * (`before_hello`) unless `clockHz` and `channels` are given as options.
 */
import { PacketBuilder } from '../../events/builder.ts';
import { DecodeStats } from '../../events/decode-stats.ts';
import type { EventPacket } from '../../events/packet.ts';
import { makeStreamInfo, type StreamInfo } from '../../events/stream-info.ts';
import { CounterUnwrapper } from '../../events/unwrap.ts';
import type { DecoderOptions, EventDecoder } from '../types.ts';
import { crc16Ccitt, crc32 } from './crc.ts';
import {
  EVENTS_HEADER_BYTES,
  FLAG_CRC32,
  FrameType,
  MAX_FRAME_BYTES,
  SPIKEFRAME_VERSION,
  type SpikeframeHello,
} from './protocol.ts';

export interface SpikeframeDecoderOptions extends DecoderOptions {
  /** Device clock in Hz, for devices that never send Hello. Default: taken from Hello. */
  readonly clockHz?: number;
  /** Channel count, for devices that never send Hello (alias of `width`). Default: from Hello. */
  readonly channels?: number;
  /** Called with each Log frame's text. */
  readonly onLog?: (text: string) => void;
  /** Called with each Hello (the first and any after a device restart). */
  readonly onHello?: (hello: SpikeframeHello) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class SpikeframeDecoder implements EventDecoder {
  readonly stats = new DecodeStats();
  /** The last Hello received. */
  hello: SpikeframeHello | undefined;
  /** Events frames delivered, and the last few log lines. */
  frames = 0;
  readonly logs: string[] = [];

  private infoValue: StreamInfo | undefined;
  private readonly options: SpikeframeDecoderOptions;
  private readonly builder = new PacketBuilder(1024);
  private readonly frame = new Uint8Array(MAX_FRAME_BYTES);
  private frameLen = 0;
  /** Data bytes left in the current COBS block; 0 = next byte is a code byte. */
  private codeLeft = 0;
  /** The current block's code (0 = no block yet in this frame). */
  private code = 0;
  private oversize = false;
  private frameStart = 0;
  private clockHz = 0;
  private channels = 0;
  private expectedSeq = -1;
  private readonly baseUnwrap = new CounterUnwrapper(32);
  /** µs added to device time; moved when the device restarts. */
  private offsetUs = 0;
  private rebasePending = false;
  private lastT = 0;
  private sawEvents = false;

  constructor(options: SpikeframeDecoderOptions = {}) {
    this.options = options;
    const channels = options.channels ?? options.width;
    if (options.clockHz !== undefined) {
      if (!(options.clockHz > 0 && Number.isFinite(options.clockHz))) {
        throw new RangeError(`"clockHz" must be a positive number, got ${options.clockHz}`);
      }
      if (channels === undefined || !Number.isInteger(channels) || channels < 1 || channels > 65536) {
        throw new RangeError(
          `"channels" must be an integer in [1, 65536] when "clockHz" is given, got ${channels}`,
        );
      }
      this.clockHz = options.clockHz;
      this.channels = channels;
      this.infoValue = this.makeInfo(channels, 'user');
    }
  }

  get info(): StreamInfo | undefined {
    return this.infoValue;
  }

  push(chunk: Uint8Array): EventPacket {
    const frame = this.frame;
    const base = this.stats.bytes;
    // COBS state in locals for the byte loop; written back before any frame is handled.
    let frameLen = this.frameLen;
    let code = this.code;
    let codeLeft = this.codeLeft;
    let oversize = this.oversize;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (b === 0) {
        if (oversize) {
          this.stats.skip('oversize_frame');
          this.stats.issue(this.frameStart, 'frame', `longer than ${MAX_FRAME_BYTES} bytes; skipped`);
        } else if (codeLeft !== 0) {
          this.stats.skip('bad_frame');
          this.stats.issue(this.frameStart, 'frame', 'COBS block cut short by the delimiter; skipped');
        } else if (frameLen > 0 || code !== 0) {
          this.onFrame(frameLen);
        }
        frameLen = 0;
        code = 0;
        codeLeft = 0;
        oversize = false;
        this.frameStart = base + i + 1;
        continue;
      }
      if (oversize) continue;
      if (codeLeft === 0) {
        if (code !== 0 && code < 0xff) {
          if (frameLen === MAX_FRAME_BYTES) {
            oversize = true;
            continue;
          }
          frame[frameLen++] = 0;
        }
        code = b;
        codeLeft = b - 1;
        continue;
      }
      // Copy the rest of this COBS block at once when it lies in the chunk and contains no 0x00.
      let run = codeLeft;
      if (run > n - i) run = n - i;
      if (frameLen + run > MAX_FRAME_BYTES) {
        oversize = true;
        continue;
      }
      let k = 0;
      while (k < run && chunk[i + k] !== 0) {
        frame[frameLen + k] = chunk[i + k];
        k++;
      }
      frameLen += k;
      codeLeft -= k;
      i += k - 1;
    }
    this.frameLen = frameLen;
    this.code = code;
    this.codeLeft = codeLeft;
    this.oversize = oversize;
    this.stats.bytes += n;
    return this.builder.take();
  }

  end(): EventPacket {
    if (this.frameLen > 0 || this.code !== 0 || this.oversize) {
      this.stats.skip('truncated_frame');
      this.stats.issue(this.frameStart, 'frame', 'stream ends inside a frame (no 0x00 delimiter)');
      this.frameLen = 0;
      this.code = 0;
      this.codeLeft = 0;
      this.oversize = false;
    }
    return this.builder.take();
  }

  /** The link was re-established: drop a partial frame and re-base at the next events. */
  discontinuity(): void {
    this.frameLen = 0;
    this.code = 0;
    this.codeLeft = 0;
    this.oversize = false;
    this.expectedSeq = -1;
    if (this.sawEvents) this.rebasePending = true;
    this.baseUnwrap.reset();
  }

  private onFrame(len: number): void {
    const f = this.frame;
    const at = this.frameStart;
    if (len < 4) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'frame', `${len} bytes is shorter than the smallest frame (4)`);
      return;
    }
    const flags = f[1];
    if ((flags & ~FLAG_CRC32) !== 0) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'flags', `unknown flag bits 0x${flags.toString(16)}`);
      return;
    }
    const checkLen = flags & FLAG_CRC32 ? 4 : 2;
    const body = len - checkLen;
    if (body < 2) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'frame', 'too short for its check');
      return;
    }
    const ok =
      checkLen === 2
        ? crc16Ccitt(f, 0, body) === (f[body] | (f[body + 1] << 8))
        : crc32(f, 0, body) ===
          (f[body] | (f[body + 1] << 8) | (f[body + 2] << 16) | (f[body + 3] << 24)) >>> 0;
    if (!ok) {
      this.stats.skip('crc_error');
      this.stats.issue(at, 'check', `${checkLen === 2 ? 'CRC-16' : 'CRC-32'} mismatch; frame skipped`);
      return;
    }
    switch (f[0]) {
      case FrameType.Events:
        this.onEvents(body, at);
        return;
      case FrameType.Hello:
        this.onHello(body, at);
        return;
      case FrameType.Log: {
        const text = utf8.decode(f.subarray(2, body));
        this.stats.skip('log_frames');
        this.logs.push(text);
        if (this.logs.length > 16) this.logs.shift();
        this.options.onLog?.(text);
        return;
      }
      default:
        this.stats.skip('unknown_frame');
        this.stats.issue(at, 'type', `unknown frame type 0x${f[0].toString(16)}; skipped`);
    }
  }

  private onHello(body: number, at: number): void {
    const f = this.frame;
    if (body < 2 + 8) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'hello', 'Hello frame too short');
      return;
    }
    const version = f[2];
    const channels = f[3] | (f[4] << 8);
    const clockHz = (f[5] | (f[6] << 8) | (f[7] << 16) | (f[8] << 24)) >>> 0;
    const nameLen = f[9];
    if (10 + nameLen > body) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'hello.name', `name of ${nameLen} bytes runs past the frame`);
      return;
    }
    if (version !== SPIKEFRAME_VERSION) {
      this.stats.skip('bad_frame');
      this.stats.issue(
        at,
        'hello.version',
        `protocol version ${version} is not supported (this host speaks ${SPIKEFRAME_VERSION})`,
      );
      return;
    }
    if (channels < 1 || clockHz < 1) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'hello', `channels ${channels} and clock ${clockHz} Hz must both be ≥ 1`);
      return;
    }
    const hello: SpikeframeHello = {
      version,
      channels,
      clockHz,
      name: utf8.decode(f.subarray(10, 10 + nameLen)),
    };
    this.hello = hello;
    this.clockHz = clockHz;
    this.channels = channels;
    this.expectedSeq = -1;
    if (this.sawEvents) {
      this.rebasePending = true;
      this.baseUnwrap.reset();
    }
    if (this.infoValue === undefined) {
      const user = this.options.channels ?? this.options.width;
      this.infoValue = this.makeInfo(user ?? channels, user !== undefined ? 'user' : 'header', hello);
    }
    this.options.onHello?.(hello);
  }

  private onEvents(body: number, at: number): void {
    const f = this.frame;
    if (body < 2 + EVENTS_HEADER_BYTES) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'events', 'Events frame too short for its header');
      return;
    }
    const seq = f[2] | (f[3] << 8);
    const baseRaw = (f[4] | (f[5] << 8) | (f[6] << 16) | (f[7] << 24)) >>> 0;
    const count = f[8] | (f[9] << 8);
    if (this.clockHz === 0) {
      this.stats.skip('before_hello', count);
      return;
    }
    const b = this.builder;
    const start = b.length;
    b.reserve(count);
    const tCol = b.tUs;
    const xCol = b.x;
    const yCol = b.y;
    const pCol = b.p;
    let ticks = this.baseUnwrap.unwrap(baseRaw);
    const scale = 1e6 / this.clockHz;
    const exact = this.clockHz === 1e6;
    let pos = 2 + EVENTS_HEADER_BYTES;
    let out = start;
    let badChannel = 0;
    let problem = '';
    const channels = this.channels;
    let offsetUs = this.offsetUs;
    let lastT = this.lastT;
    let backwards = 0;
    for (let k = 0; k < count; k++) {
      // varint Δticks
      let delta = 0;
      let mul = 1;
      let byte = 0x80;
      while (byte & 0x80) {
        if (pos >= body || mul > 2 ** 28) {
          problem = `event ${k}: Δticks varint runs past the frame`;
          break;
        }
        byte = f[pos++];
        delta += (byte & 0x7f) * mul;
        mul *= 128;
      }
      if (problem) break;
      let cs = 0;
      mul = 1;
      byte = 0x80;
      while (byte & 0x80) {
        if (pos >= body || mul > 2 ** 14) {
          problem = `event ${k}: channel varint runs past the frame`;
          break;
        }
        byte = f[pos++];
        cs += (byte & 0x7f) * mul;
        mul *= 128;
      }
      if (problem) break;
      ticks += delta;
      const channel = cs >>> 1;
      if (channel >= channels) {
        badChannel++;
        continue;
      }
      let t = (exact ? ticks : Math.floor(ticks * scale)) + offsetUs;
      if (this.rebasePending) {
        this.rebasePending = false;
        offsetUs += lastT - t;
        t = lastT;
        this.stats.repair('rebase');
      }
      if (t < lastT) {
        backwards++;
        t = lastT;
      }
      lastT = t;
      tCol[out] = t;
      xCol[out] = channel;
      yCol[out] = 0;
      pCol[out] = cs & 1;
      out++;
    }
    if (!problem && pos !== body) problem = `${body - pos} bytes left after ${count} events`;
    this.offsetUs = offsetUs;
    this.lastT = lastT;
    if (backwards > 0) this.stats.repair('time_backwards', backwards);
    if (problem) {
      this.stats.skip('bad_frame');
      this.stats.issue(at, 'events', `${problem}; frame dropped`);
      return; // nothing committed: the whole frame is dropped
    }
    if (this.expectedSeq >= 0 && seq !== this.expectedSeq) {
      this.stats.skip('lost_frames', (seq - this.expectedSeq) & 0xffff);
    }
    this.expectedSeq = (seq + 1) & 0xffff;
    if (badChannel > 0) {
      this.stats.skip('bad_channel', badChannel);
      this.stats.issue(
        at,
        'events.channel',
        `${badChannel} events name a channel ≥ ${this.channels}; skipped`,
      );
    }
    b.commit(out - start);
    this.stats.events += out - start;
    this.frames++;
    this.sawEvents = true;
  }

  private makeInfo(
    channels: number,
    source: StreamInfo['geometrySource'],
    hello?: SpikeframeHello,
  ): StreamInfo {
    const metadata: Record<string, string> = {};
    if (hello) {
      metadata['device'] = hello.name;
      metadata['clockHz'] = String(hello.clockHz);
      metadata['protocolVersion'] = String(hello.version);
      metadata['channels'] = String(hello.channels);
    }
    return makeStreamInfo({
      width: Math.min(channels, 65535),
      height: 1,
      format: 'spikeframe',
      origin: this.options.origin ?? '',
      geometrySource: source,
      metadata,
    });
  }
}

export function createSpikeframeDecoder(options?: SpikeframeDecoderOptions): SpikeframeDecoder {
  return new SpikeframeDecoder(options);
}
