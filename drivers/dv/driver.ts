/**
 * `dv://HOST:PORT` and `dv+unix:PATH`: a client of iniVation DV's network output ("Dv net output
 * tcp server"/"… unix socket", default port 7777) or dv-processing's NetworkWriter.
 *
 * There is no application-level handshake: the client connects and only reads. DV ≥ 1.6 sends a
 * size-prefixed IOHeader FlatBuffer first (compression, infoNode with sizeX/sizeY), then packets
 * (int32 streamId, int32 size, payload) forever; older DV sends packets only. Decoding is the
 * AEDAT 4 decoder in network mode (src/formats/aedat4). Opening waits up to `header_ms` for the
 * stream to describe itself; a legacy stream without geometry needs `width` and `height`.
 * Every connection starts a fresh decoder (the server repeats its header); a connection lost,
 * refused or sending undecodable bytes is retried with backoff.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../../src/events/errors.ts';
import { makeStreamInfo, type StreamInfo } from '../../src/events/stream-info.ts';
import { createAedat4Decoder } from '../../src/formats/aedat4/index.ts';
import type { OpenedSource, SourceDriver, SourceOptions } from '../contract.ts';
import { type Connector, type LiveDecoder, openLiveSource, SourceOpenError } from '../shared/live-source.ts';
import { UriParams, uriPath } from '../shared/uri-params.ts';

/** DV's default TCP port for network outputs. */
export const DV_DEFAULT_PORT = 7777;

type Endpoint = { readonly host: string; readonly port: number } | { readonly path: string };

function describe(e: Endpoint): string {
  return 'path' in e ? e.path : `${e.host}:${e.port}`;
}

async function open(url: URL, sourceOptions: SourceOptions = {}): Promise<OpenedSource> {
  const params = new UriParams(url, url.protocol.replace(/:$/, ''));
  let endpoint: Endpoint;
  if (url.protocol === 'dv+unix:') {
    const path = uriPath(url);
    if (!path) throw new UsageError('dv+unix: a socket path is required, e.g. dv+unix:/tmp/dv.sock');
    endpoint = { path };
  } else {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!host) throw new UsageError('dv: a host is required, e.g. dv://127.0.0.1:7777');
    endpoint = { host, port: url.port === '' ? DV_DEFAULT_PORT : Number(url.port) };
  }
  const headerMs = params.int('header_ms', 2000, 1, 600_000);
  const streamId = params.has('stream') ? params.int('stream', 0, 0, 2 ** 31 - 1) : undefined;
  const userWidth =
    sourceOptions.width ?? (params.has('width') ? params.int('width', 0, 1, 65535) : undefined);
  const userHeight =
    sourceOptions.height ?? (params.has('height') ? params.int('height', 0, 1, 65535) : undefined);
  if ((userWidth === undefined) !== (userHeight === undefined)) {
    throw new UsageError(`${url.protocol} "width" and "height" go together`);
  }
  const lifecycle = params.lifecycle();
  params.rejectUnknown();
  const uri = url.href;
  const decoderOptions = {
    network: true,
    origin: uri,
    ...(streamId !== undefined ? { streamId } : {}),
    ...(userWidth !== undefined ? { width: userWidth, height: userHeight } : {}),
  };
  const createDecoder = (): LiveDecoder => {
    const d = createAedat4Decoder(decoderOptions);
    return { stats: d.stats, push: (chunk) => d.push(chunk) };
  };

  let firstInfo: StreamInfo | undefined;
  let info: StreamInfo | undefined;
  const connect: Connector = (handlers, signal) =>
    new Promise((resolve, reject) => {
      const socket: Socket = netConnect(
        'path' in endpoint ? { path: endpoint.path } : { host: endpoint.host, port: endpoint.port },
      );
      socket.setNoDelay(true);
      const probe = createAedat4Decoder(decoderOptions);
      const early: Uint8Array[] = [];
      let ready = false;
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const becomeReady = (): void => {
        ready = true;
        clearTimeout(timer);
        firstInfo ??= probe.info;
        const arrival = performance.now();
        for (const c of early.splice(0)) handlers.data(c, arrival);
        resolve({
          close: () =>
            new Promise<void>((r) => {
              if (socket.closed) {
                r();
                return;
              }
              socket.once('close', () => r());
              socket.destroy();
            }),
        });
      };
      const timer = setTimeout(() => {
        if (early.length > 0 || userWidth !== undefined) {
          becomeReady(); // a quiet or headerless stream: go on with what we have
        } else {
          fail(
            new SourceOpenError(
              `${uri}: connected to ${describe(endpoint)} but nothing arrived within ${headerMs} ms`,
            ),
          );
        }
      }, headerMs);
      socket.on('connect', () => {
        if (signal.aborted) fail(new SourceOpenError(`${uri}: aborted`));
      });
      socket.on('data', (chunk: Buffer) => {
        const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
        if (ready) {
          handlers.data(bytes, performance.now());
          return;
        }
        early.push(new Uint8Array(bytes));
        probe.push(bytes);
        const described = probe.ioHeader !== undefined || probe.stats.events > 0;
        if (probe.info !== undefined && (described || !probe.stats.fatal)) {
          becomeReady(); // damage after the stream described itself is the live decoder's to report
        } else if (probe.stats.fatal) {
          const f = probe.stats.fatal;
          fail(
            new SourceOpenError(
              `${uri}: not a DV network stream: byte ${f.byteOffset}: ${f.field}: ${f.message}`,
            ),
          );
        }
      });
      socket.on('error', (err) => {
        if (!ready)
          fail(
            new SourceOpenError(`${uri}: cannot connect to ${describe(endpoint)}: ${err.message}`, {
              cause: err,
            }),
          );
        else handlers.lost(err);
      });
      socket.on('close', () => {
        if (ready) handlers.lost(new Error(`${describe(endpoint)} closed the connection`));
        else
          fail(
            new SourceOpenError(
              `${uri}: ${describe(endpoint)} closed the connection before sending a stream`,
            ),
          );
      });
    });

  return openLiveSource({
    uri,
    get info(): StreamInfo {
      if (info) return info;
      const i = firstInfo;
      const made = makeStreamInfo({
        width: i?.width ?? userWidth ?? 0,
        height: i?.height ?? userHeight ?? 0,
        format: 'aedat4',
        origin: uri,
        geometrySource: i?.geometrySource ?? (userWidth !== undefined ? 'user' : 'unknown'),
        metadata: { ...(i?.metadata ?? {}), endpoint: describe(endpoint) },
      });
      if (i) info = made; // settled once the first connection described the stream
      return made;
    },
    connect,
    createDecoder,
    decoderPerConnection: true,
    ...lifecycle,
    signal: sourceOptions.signal,
  });
}

export const dvDriver: SourceDriver = {
  schemes: ['dv', 'dv+unix'],
  description: 'iniVation DV network output (AEDAT 4 framing) over TCP or a Unix socket',
  open,
};
