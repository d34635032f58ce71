/**
 * `udp://HOST:PORT?format=spif|jaer`: receives event datagrams on a UDP socket bound to
 * HOST:PORT (port 0 picks a free port; the bound one is in info.metadata.port).
 *
 * - spif: 32-bit words (src/formats/udp/spif.ts); SPIF carries no geometry, so width and height
 *   are required (`&width=W&height=H`).
 * - jaer: jAER AEUnicast datagrams, DVS128 addresses, 128×128 (src/formats/udp/jaer.ts);
 *   `seq=0` when the sender has sequence numbers off, `swap=1` for little-endian senders,
 *   `flip_x`, `flip_y`, `on_is_one` for the address conventions.
 *
 * Each datagram is decoded on its own, so a flood of malformed ones costs only their counting.
 * A socket error closes the socket and the life cycle binds again with backoff.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../../src/events/errors.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import { DVS128_SIZE, JaerDatagramDecoder, SpifDatagramDecoder } from '../../src/formats/udp/index.ts';
import type { OpenedSource, SourceDriver, SourceOptions } from '../contract.ts';
import { type Connector, type LiveDecoder, openLiveSource, SourceOpenError } from '../shared/live-source.ts';
import { UriParams } from '../shared/uri-params.ts';

export const UDP_FORMATS = ['spif', 'jaer'] as const;

async function open(url: URL, sourceOptions: SourceOptions = {}): Promise<OpenedSource> {
  const params = new UriParams(url, 'udp');
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = url.port === '' ? Number.NaN : Number(url.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `udp: a port is required, e.g. udp://127.0.0.1:3333?format=spif (got "${url.href}")`,
    );
  }
  const format = params.choice('format', 'spif', UDP_FORMATS);
  const rcvbuf = params.int('rcvbuf', 4 << 20, 4096, 1 << 30);
  let width: number;
  let height: number;
  let createDecoder: () => LiveDecoder;
  if (format === 'spif') {
    const w = sourceOptions.width ?? (params.has('width') ? params.int('width', 0, 1, 32768) : undefined);
    const h = sourceOptions.height ?? (params.has('height') ? params.int('height', 0, 1, 32768) : undefined);
    if (w === undefined || h === undefined) {
      throw new UsageError('udp: SPIF datagrams carry no geometry; give it with &width=W&height=H');
    }
    width = w;
    height = h;
    createDecoder = () => new SpifDatagramDecoder({ width: w, height: h });
  } else {
    width = DVS128_SIZE;
    height = DVS128_SIZE;
    const options = {
      sequence: params.bool('seq', true),
      littleEndian: params.bool('swap', false),
      flipX: params.bool('flip_x', true),
      flipY: params.bool('flip_y', true),
      polarityOnIsOne: params.bool('on_is_one', false),
    };
    createDecoder = () => new JaerDatagramDecoder(options);
  }
  const lifecycle = params.lifecycle();
  params.rejectUnknown();

  const metadata: Record<string, string> = { host };
  let boundPort = port;
  const connect: Connector = (handlers, signal) =>
    new Promise((resolve, reject) => {
      const socket: Socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
      let bound = false;
      socket.on('error', (err) => {
        if (!bound) {
          socket.close();
          reject(
            new SourceOpenError(`udp: cannot bind ${host}:${boundPort}: ${err.message}`, { cause: err }),
          );
        } else {
          handlers.lost(err);
        }
      });
      socket.on('message', (msg) => {
        handlers.data(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), performance.now());
      });
      socket.bind({ address: host, port: boundPort, exclusive: true }, () => {
        bound = true;
        if (signal.aborted) {
          socket.close();
          reject(new SourceOpenError('udp: aborted'));
          return;
        }
        try {
          socket.setRecvBufferSize(rcvbuf);
        } catch {
          // the OS cap (net.core.rmem_max) applies; the default buffer still works
        }
        boundPort = socket.address().port; // port 0: keep the same port when rebinding
        metadata['port'] = String(boundPort);
        resolve({
          close: () =>
            new Promise<void>((r) => {
              try {
                socket.close(() => r());
              } catch {
                r();
              }
            }),
        });
      });
    });

  return openLiveSource({
    uri: url.href,
    info: makeStreamInfo({
      width,
      height,
      format: `udp-${format}`,
      origin: url.href,
      geometrySource: format === 'jaer' ? 'default' : 'user',
      metadata,
    }),
    connect,
    createDecoder,
    ...lifecycle,
    signal: sourceOptions.signal,
  });
}

export const udpDriver: SourceDriver = {
  schemes: ['udp'],
  description: 'event datagrams over UDP: SPIF 32-bit words or jAER AEUnicast (DVS128)',
  open,
};
