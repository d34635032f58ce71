/**
 * `edvs:/dev/ttyUSB0?baud=12000000&format=E2`: an iniVation eDVS / mini-eDVS (eDVS4337 firmware)
 * over USB-serial, through node-serialport.
 *
 * Open sequence (as libcaer's edvs.c): flush, `\n`, `R\n` (reset), wait, read the banner (must
 * contain EDVS or meDVS), `!U0\n` (echo off), optionally `??E\n` (the firmware's format list,
 * kept in info.metadata.formats), `!E<n>\n` (event format), `E+\n` (start). Closing sends `E-\n`.
 * `baud=auto` tries 12M, 8M, 4M and 2M until a banner appears. When the device goes away the
 * life cycle (drivers/shared/live-source.ts) reports 'reconnecting' and runs the open sequence
 * again when it is back; the decoder re-bases its clock so time keeps going forward.
 */
import { UsageError } from '../../src/events/errors.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import {
  createEdvsDecoder,
  type EdvsDecoder,
  EDVS_FORMATS,
  EDVS_HEIGHT,
  EDVS_WIDTH,
  type EdvsFormat,
} from '../../src/formats/edvs/index.ts';
import type { OpenedSource, SourceDriver, SourceOptions } from '../contract.ts';
import { type Connector, openLiveSource, SourceOpenError } from '../shared/live-source.ts';
import { SerialLink } from '../shared/serial-link.ts';
import { UriParams, uriPath } from '../shared/uri-params.ts';

/** Rates libcaer tries in turn for `baud=auto`. */
export const EDVS_AUTO_BAUD_RATES: readonly number[] = [12_000_000, 8_000_000, 4_000_000, 2_000_000];

/** Banner words that identify an eDVS (libcaer: EDVS-4337 / meDVS128; jAER: EDVS). */
const BANNER = /EDVS|meDVS/i;

export interface EdvsLinkOptions {
  readonly path: string;
  /** Baud rates to try, in order (one for a fixed rate). */
  readonly baudRates: readonly number[];
  readonly rtscts: boolean;
  readonly format: EdvsFormat;
  /** Wait after `R\n` for the banner, in ms. Default 400 (libcaer). */
  readonly resetWaitMs: number;
  /** Ask for the format list with `??E`. */
  readonly probe: boolean;
  /** Send `!ET0` (timestamp reset) before starting. */
  readonly resetTimestamps: boolean;
}

/** What the open sequence learnt from the device. */
export interface EdvsHandshake {
  readonly banner: string;
  readonly baudRate: number;
  readonly formats?: string;
}

const latin1 = new TextDecoder('latin1');

/** Runs the open sequence on a fresh port; resolves with the link ready to stream (after `E+`). */
export async function edvsOpenSequence(
  options: EdvsLinkOptions,
  signal?: AbortSignal,
): Promise<{ link: SerialLink; handshake: EdvsHandshake }> {
  const failures: string[] = [];
  for (const baudRate of options.baudRates) {
    const link = await SerialLink.open({ path: options.path, baudRate, rtscts: options.rtscts, signal });
    try {
      await link.flush();
      await link.write('\n');
      await link.settle(20);
      link.takeCaptured(); // garbage from before we arrived
      await link.write('R\n');
      const bannerBytes = await link.waitFor(
        (b) => BANNER.test(latin1.decode(b)) && /\n/.test(latin1.decode(b).split(BANNER)[1] ?? ''),
        options.resetWaitMs,
        signal,
      );
      const text = latin1.decode(bannerBytes);
      if (!BANNER.test(text)) {
        failures.push(
          `${baudRate} baud: ${text.length ? `no EDVS banner in ${JSON.stringify(text.slice(0, 60))}` : 'no reply'}`,
        );
        await link.close();
        continue;
      }
      const banner = bannerLine(text);
      link.takeCaptured();
      await link.write('!U0\n');
      // The firmware may still echo this command before echo goes off: wait for that line.
      await link.waitFor((b) => /U0[^\n]*\n/.test(latin1.decode(b)), 200, signal);
      let formats: string | undefined;
      if (options.probe) {
        link.takeCaptured();
        await link.write('??E\n');
        // One or more lines; echoes of our own commands are not part of the answer.
        const answer = (b: Uint8Array): string[] =>
          latin1
            .decode(b)
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => l !== '' && !/^(!U0|\?\?E)$/.test(l));
        await link.waitFor((b) => answer(b).length > 0 && latin1.decode(b).endsWith('\n'), 1000, signal);
        formats = answer(await link.settle(20)).join('\n') || undefined;
      }
      if (options.resetTimestamps) await link.write('!ET0\n');
      await link.write(`!${options.format}\n`);
      await link.settle(10);
      link.takeCaptured(); // replies to the commands above
      await link.write('E+\n');
      return { link, handshake: { banner, baudRate, formats } };
    } catch (err) {
      await link.close();
      throw err;
    }
  }
  throw new SourceOpenError(
    `${options.path}: no eDVS answered the reset (${failures.join('; ')}); check the baud rate`,
  );
}

/** True when `chunk` holds "EDVS" or "meDVS" (ASCII), i.e. a banner among binary events. */
export function containsBanner(chunk: Uint8Array): boolean {
  for (let i = 1; i + 2 < chunk.length; i++) {
    // 'D' 'V' 'S' preceded by 'E' (EDVS) or 'e' (meDVS)
    if (chunk[i] === 0x44 && chunk[i + 1] === 0x56 && chunk[i + 2] === 0x53) {
      const before = chunk[i - 1];
      if (before === 0x45 || before === 0x65) return true;
    }
  }
  return false;
}

function bannerLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => BANNER.test(l)) ?? text;
  return line.replace(/[^\x20-\x7e]/g, '').trim();
}

export function parseEdvsUri(url: URL): {
  link: EdvsLinkOptions;
  params: UriParams;
  lifecycle: ReturnType<UriParams['lifecycle']>;
  flipX: boolean;
  flipY: boolean;
} {
  const params = new UriParams(url, 'edvs');
  const path = uriPath(url);
  if (!path) throw new UsageError('edvs: a device path is required, e.g. edvs:/dev/ttyUSB0');
  const baudRaw = params.string('baud') ?? '12000000';
  const baudRates =
    baudRaw === 'auto' ? EDVS_AUTO_BAUD_RATES : [params.int('baud', 12_000_000, 50, 100_000_000)];
  const format = params.choice('format', 'E2', EDVS_FORMATS);
  const link: EdvsLinkOptions = {
    path,
    baudRates,
    rtscts: params.bool('rtscts', true),
    format,
    resetWaitMs: params.int('reset_ms', 400, 1, 60_000),
    probe: params.bool('probe', false),
    resetTimestamps: params.bool('ts_reset', false),
  };
  const flipX = params.bool('flip_x', false);
  const flipY = params.bool('flip_y', false);
  const lifecycle = params.lifecycle();
  params.rejectUnknown();
  return { link, params, lifecycle, flipX, flipY };
}

async function open(url: URL, options: SourceOptions = {}): Promise<OpenedSource> {
  const { link: linkOptions, lifecycle, flipX, flipY } = parseEdvsUri(url);
  const uri = url.href;
  let first: EdvsHandshake | undefined;
  let bauds = linkOptions.baudRates;
  // Filled from the handshake once the first connection succeeded (the object is shared).
  const metadata: Record<string, string> = {};
  const connect: Connector = async (handlers, signal) => {
    const { link, handshake } = await edvsOpenSequence({ ...linkOptions, baudRates: bauds }, signal);
    if (!first) {
      first = handshake;
      metadata['device'] = handshake.banner;
      metadata['baudRate'] = String(handshake.baudRate);
      if (handshake.formats) metadata['formats'] = handshake.formats;
    }
    bauds = [handshake.baudRate]; // a device that came back talks at the rate it had
    // A device that resets itself (brown-out, watchdog) prints its banner and stops streaming:
    // seen as text among the events, it is handled like a pulled plug (open sequence again).
    link.stream({
      data: (chunk, arrivalMs) => {
        const resyncBefore = decoder?.stats.skipped['resync_bytes'] ?? 0;
        handlers.data(chunk, arrivalMs);
        if ((decoder?.stats.skipped['resync_bytes'] ?? 0) > resyncBefore && containsBanner(chunk)) {
          handlers.lost(new Error('the device reset itself (banner seen mid-stream)'));
        }
      },
      lost: handlers.lost,
    });
    return { close: () => link.close('E-\n') };
  };
  let decoder: EdvsDecoder | undefined;
  const source = await openLiveSource({
    uri,
    info: makeStreamInfo({
      width: options.width ?? EDVS_WIDTH,
      height: options.height ?? EDVS_HEIGHT,
      format: `edvs-${linkOptions.format.toLowerCase()}`,
      origin: uri,
      geometrySource: options.width !== undefined ? 'user' : 'default',
      metadata,
    }),
    connect,
    createDecoder: () =>
      (decoder = createEdvsDecoder({
        format: linkOptions.format,
        origin: uri,
        flipX,
        flipY,
        width: options.width,
        height: options.height,
      })),
    ...lifecycle,
    signal: options.signal,
  });
  return source;
}

export const edvsDriver: SourceDriver = {
  schemes: ['edvs'],
  description: 'iniVation eDVS / mini-eDVS over USB-serial (E0–E4 event formats)',
  open,
};
