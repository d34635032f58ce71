/**
 * `serial:/dev/ttyACM0?baud=115200&protocol=spikeframe`: a microcontroller spike sensor speaking
 * spikestream's spikeframe protocol (docs/serial-protocol.md) over a serial port.
 *
 * Opening: flush, send HelloRequest (again every `hello_every_ms`, since boards that reset on DTR
 * need a moment to boot), wait up to `hello_ms` for the device's Hello, which gives the channel
 * count (width; height 1) and the clock. Devices that never send Hello can be used with
 * `clock=HZ&channels=N`. Events: x = channel, y = 0, p = sign.
 */
import { UsageError } from '../../src/events/errors.ts';
import { makeStreamInfo, type StreamInfo } from '../../src/events/stream-info.ts';
import {
  createSpikeframeDecoder,
  helloRequestFrame,
  type SpikeframeHello,
} from '../../src/formats/spike-serial/index.ts';
import type { OpenedSource, SourceDriver, SourceOptions } from '../contract.ts';
import { type Connector, openLiveSource, SourceOpenError } from '../shared/live-source.ts';
import { SerialLink } from '../shared/serial-link.ts';
import { UriParams, uriPath } from '../shared/uri-params.ts';

/** Serial protocols this driver speaks. */
export const SERIAL_PROTOCOLS = ['spikeframe'] as const;

export interface SerialUriOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly rtscts: boolean;
  readonly helloMs: number;
  readonly helloEveryMs: number;
  readonly clockHz?: number;
  readonly channels?: number;
}

export function parseSerialUri(url: URL): {
  options: SerialUriOptions;
  lifecycle: ReturnType<UriParams['lifecycle']>;
} {
  const params = new UriParams(url, 'serial');
  const path = uriPath(url);
  if (!path) throw new UsageError('serial: a device path is required, e.g. serial:/dev/ttyACM0');
  params.choice('protocol', 'spikeframe', SERIAL_PROTOCOLS);
  const clockHz = params.has('clock') ? params.number('clock', 0, 1, 0xffffffff) : undefined;
  const channels = params.has('channels') ? params.int('channels', 1, 1, 65536) : undefined;
  if ((clockHz === undefined) !== (channels === undefined)) {
    throw new UsageError('serial: "clock" and "channels" go together (for devices that send no Hello)');
  }
  const options: SerialUriOptions = {
    path,
    baudRate: params.int('baud', 115_200, 50, 100_000_000),
    rtscts: params.bool('rtscts', false),
    helloMs: params.int('hello_ms', 3000, 1, 600_000),
    helloEveryMs: params.int('hello_every_ms', 500, 1, 600_000),
    clockHz,
    channels,
  };
  const lifecycle = params.lifecycle();
  params.rejectUnknown();
  return { options, lifecycle };
}

/** Waits for a Hello on a freshly opened link; resolves undefined on timeout. */
async function awaitHello(
  link: SerialLink,
  o: SerialUriOptions,
  signal: AbortSignal,
): Promise<SpikeframeHello | undefined> {
  const request = helloRequestFrame();
  const deadline = performance.now() + o.helloMs;
  // A leading 0x00 ends any half frame the device may have buffered.
  await link.write(Uint8Array.of(0, ...request));
  while (performance.now() < deadline && !signal.aborted) {
    let hello: SpikeframeHello | undefined;
    await link.waitFor(
      (bytes) => {
        const d = createSpikeframeDecoder();
        d.push(bytes);
        hello = d.hello;
        return hello !== undefined;
      },
      Math.min(o.helloEveryMs, deadline - performance.now()),
      signal,
    );
    if (hello) return hello;
    await link.write(request);
  }
  return undefined;
}

async function open(url: URL, sourceOptions: SourceOptions = {}): Promise<OpenedSource> {
  const { options: o, lifecycle } = parseSerialUri(url);
  const uri = url.href;
  let firstHello: SpikeframeHello | undefined;
  const connect: Connector = async (handlers, signal) => {
    const link = await SerialLink.open({ path: o.path, baudRate: o.baudRate, rtscts: o.rtscts, signal });
    try {
      await link.flush();
      const hello = await awaitHello(link, o, signal);
      if (!hello && o.clockHz === undefined) {
        throw new SourceOpenError(
          `${o.path}: no spikeframe Hello within ${o.helloMs} ms (wrong baud rate or firmware? ` +
            'devices without Hello need clock=HZ&channels=N)',
        );
      }
      firstHello ??= hello;
      link.stream(handlers); // the Hello and anything after it go through the live decoder
      return { close: () => link.close() };
    } catch (err) {
      await link.close();
      throw err;
    }
  };
  const channelsOf = (): number => sourceOptions.width ?? o.channels ?? firstHello?.channels ?? 1;
  // The first connection (inside openLiveSource) learns the geometry; info is read lazily after.
  let info: StreamInfo | undefined;
  const source = await openLiveSource({
    uri,
    get info(): StreamInfo {
      if (info) return info;
      const user = sourceOptions.width !== undefined || o.channels !== undefined;
      const made = makeStreamInfo({
        width: Math.min(channelsOf(), 65535),
        height: 1,
        format: 'spikeframe',
        origin: uri,
        // With wait=1 the info may be read before the device said Hello: geometry unknown yet.
        geometrySource: user ? 'user' : firstHello ? 'header' : 'unknown',
        metadata: firstHello
          ? {
              device: firstHello.name,
              clockHz: String(firstHello.clockHz),
              protocolVersion: String(firstHello.version),
              channels: String(firstHello.channels),
            }
          : {},
      });
      if (user || firstHello) info = made;
      return made;
    },
    connect,
    createDecoder: () =>
      createSpikeframeDecoder({
        origin: uri,
        ...(o.clockHz !== undefined ? { clockHz: o.clockHz, channels: o.channels } : {}),
      }),
    ...lifecycle,
    signal: sourceOptions.signal,
  });
  return source;
}

export const serialDriver: SourceDriver = {
  schemes: ['serial'],
  description: 'microcontroller spike sensors over serial (spikeframe protocol: COBS + CRC frames)',
  open,
};
