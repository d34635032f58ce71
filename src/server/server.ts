/**
 * The streaming server (DESIGN.md §7): one HTTP server that upgrades `/v1/stream` to WebSocket
 * and serves the dashboard, `/healthz`, `/metrics` and `/api/models` on the same port.
 *
 * Fan-out encodes each message once per wire format and hands the same bytes to every client.
 * A slow client never slows the pipeline or the others: what is queued for a client is read from
 * `ws.bufferedAmount` (ws itself never bounds it), and above `eventsQueueLimitBytes` that client
 * gets no more `events` or `metrics` messages (counted as drops) while predictions still go out;
 * above `hardQueueLimitBytes` it is closed with 1013 and a reason. A heartbeat ping drops peers
 * that stop answering.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { EventPacket } from '../events/packet.ts';
import { decodeClientMessage, encodeServerMessage, ProtocolError } from '../protocol/codec.ts';
import {
  type ErrorCode,
  EVENTS_ENCODING,
  type HelloMessage,
  type ModelSummary,
  PROTOCOL_VERSION,
  parseTopics,
  predictionMessage,
  type ServerMessage,
  STREAM_PATH,
  type SourceSummary,
  type Topic,
  WIRE_FORMATS,
  type WireFormat,
  wallClockMs,
} from '../protocol/messages.ts';
import type { Prediction } from '../protocol/prediction.ts';
import { version as serverVersion } from '../version.ts';
import { isAuthorized, isOriginAllowed } from './auth.ts';
import { EventDecimator } from './event-decimator.ts';
import { ServerMetrics, type SourceState } from './metrics.ts';

/** A model as the server presents it. */
export interface ServedModel {
  readonly summary: ModelSummary;
  /** The model card (the model's README.md, Markdown), served at /api/models/<name>/card. */
  readonly card?: string;
}

export interface StreamServerOptions {
  /** Interface to bind. Default "127.0.0.1" (local only); "0.0.0.0" to serve the network. */
  readonly host?: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Token every client must present (Bearer header or ?token=). Default: none required. */
  readonly token?: string;
  /** Browser origins allowed besides the server's own, or "*" for any. Default []. */
  readonly allowedOrigins?: readonly string[];
  /** Most clients connected at once; more are closed with 1013. Default 100. */
  readonly maxClients?: number;
  /** Largest message a client may send, bytes (ws maxPayload). Default 65536. */
  readonly maxPayloadBytes?: number;
  /** Heartbeat interval, ms; a client that has not answered the previous ping is dropped. 0 = off. Default 10000. */
  readonly heartbeatMs?: number;
  /** Bytes queued for a client above which it gets no `events`/`metrics` messages (dropped, counted). Default 262144. */
  readonly eventsQueueLimitBytes?: number;
  /** Bytes queued for a client above which it is closed with 1013. Default 8388608. */
  readonly hardQueueLimitBytes?: number;
  /** Interval of `metrics` messages, ms. Default 1000. */
  readonly metricsIntervalMs?: number;
  /** Interval of `events` messages, ms. Default 50. */
  readonly eventsIntervalMs?: number;
  /** Most events in one `events` message (decimated evenly beyond). Default 4096. */
  readonly maxEventsPerMessage?: number;
  /** Serve the dashboard at `/`. Default true. */
  readonly dashboard?: boolean;
  /** Models served, for `hello` and `/api/models`. Default []. */
  readonly models?: readonly ServedModel[];
  /** Source description for `hello`. Default null (set later with setSource). */
  readonly source?: SourceSummary | null;
  /** Where one-line notices go. Default: stderr. */
  readonly log?: (line: string) => void;
}

const DEFAULT_TOPICS: readonly Topic[] = ['predictions', 'metrics'];

interface Session {
  readonly ws: WebSocket;
  readonly id: number;
  readonly format: WireFormat;
  topics: Set<Topic>;
  alive: boolean;
  closing: boolean;
  readonly logged: Set<string>;
}

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`"${name}" must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

const DASHBOARD_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export class StreamServer {
  readonly metrics = new ServerMetrics();
  private readonly opts: Required<Omit<StreamServerOptions, 'token' | 'source'>> & {
    token: string | undefined;
  };
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<Session>();
  private readonly decimator: EventDecimator;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly dashboardFiles = new Map<string, Buffer>();
  private source: SourceSummary | null;
  private nextSessionId = 1;
  private predictionSeq = 0;
  private eventsSeq = 0;
  private eventsSubscribers = 0;
  private closed = false;

  constructor(options: StreamServerOptions = {}) {
    const o = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8080,
      token: options.token,
      allowedOrigins: options.allowedOrigins ?? [],
      maxClients: options.maxClients ?? 100,
      maxPayloadBytes: options.maxPayloadBytes ?? 65536,
      heartbeatMs: options.heartbeatMs ?? 10_000,
      eventsQueueLimitBytes: options.eventsQueueLimitBytes ?? 256 * 1024,
      hardQueueLimitBytes: options.hardQueueLimitBytes ?? 8 * 1024 * 1024,
      metricsIntervalMs: options.metricsIntervalMs ?? 1000,
      eventsIntervalMs: options.eventsIntervalMs ?? 50,
      maxEventsPerMessage: options.maxEventsPerMessage ?? 4096,
      dashboard: options.dashboard ?? true,
      models: options.models ?? [],
      log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    };
    if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
      throw new RangeError(`"port" must be an integer in [0, 65535], got ${o.port}`);
    }
    if (o.token !== undefined && o.token.length === 0) throw new RangeError('"token" must not be empty');
    positiveInt('maxClients', o.maxClients);
    positiveInt('maxPayloadBytes', o.maxPayloadBytes, 64);
    positiveInt('heartbeatMs', o.heartbeatMs, 0);
    positiveInt('eventsQueueLimitBytes', o.eventsQueueLimitBytes);
    positiveInt('hardQueueLimitBytes', o.hardQueueLimitBytes);
    if (o.hardQueueLimitBytes < o.eventsQueueLimitBytes) {
      throw new RangeError(
        `"hardQueueLimitBytes" (${o.hardQueueLimitBytes}) must be >= "eventsQueueLimitBytes" (${o.eventsQueueLimitBytes})`,
      );
    }
    positiveInt('metricsIntervalMs', o.metricsIntervalMs, 10);
    positiveInt('eventsIntervalMs', o.eventsIntervalMs, 5);
    positiveInt('maxEventsPerMessage', o.maxEventsPerMessage, 2);
    this.opts = o;
    this.source = options.source ?? null;
    this.decimator = new EventDecimator(o.maxEventsPerMessage);
    for (const m of o.models) this.metrics.addModel(m.summary.name, m.summary.costTable);
    if (this.source) this.metrics.sourceUri = this.source.uri;
    if (o.dashboard) {
      for (const file of new Set(Object.values(DASHBOARD_FILES))) {
        this.dashboardFiles.set(file, readFileSync(new URL(`./dashboard/${file}`, import.meta.url)));
      }
    }
    this.http = createServer((req, res) => this.handleHttp(req, res));
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: o.maxPayloadBytes,
      clientTracking: false,
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.handleUpgrade(req, socket, head),
    );
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.http.once('error', onError);
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.startTimers();
    return this.address;
  }

  get address(): { host: string; port: number; url: string } {
    const a = this.http.address() as AddressInfo | null;
    if (!a) throw new Error('server is not listening');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return { host: a.address, port: a.port, url: `http://${host}:${a.port}` };
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /** Sets the source shown in `hello` and the metrics. */
  setSource(source: SourceSummary | null): void {
    this.source = source;
    this.metrics.sourceUri = source?.uri ?? '';
  }

  /**
   * Reports a source state change. `error` and `ended` are told to every client as an `error`
   * message (code E_SOURCE); the server keeps serving.
   */
  setSourceState(state: SourceState, message?: string): void {
    const previous = this.metrics.sourceState;
    this.metrics.sourceState = state;
    if (state === 'reconnecting' && previous !== 'reconnecting') this.metrics.sourceReconnects++;
    if (state === 'error' || state === 'ended') {
      const text = message ?? `source ${state}`;
      if (state === 'error') this.metrics.sourceLastError = text;
      this.broadcastAll({ type: 'error', code: 'E_SOURCE', message: text });
    }
  }

  /** Counts a packet from the source and keeps a decimated copy for `events` subscribers. */
  publishPacket(packet: EventPacket): void {
    this.metrics.recordEvents(packet.length);
    if (this.eventsSubscribers > 0) this.decimator.add(packet);
  }

  /** Sends a prediction to every `predictions` subscriber and records it in the metrics. */
  publishPrediction(prediction: Prediction): void {
    this.metrics.recordPrediction(prediction);
    if (this.sessions.size === 0) return;
    this.broadcast('predictions', predictionMessage(prediction, ++this.predictionSeq, wallClockMs()));
  }

  /** Closes every client with 1001 and a reason, then the HTTP server. Idempotent. */
  async close(reason = 'server shutting down'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    const pending: Promise<void>[] = [];
    for (const s of this.sessions) {
      pending.push(
        new Promise<void>((resolve) => {
          if (s.ws.readyState === WebSocket.CLOSED) {
            resolve();
            return;
          }
          s.ws.once('close', () => resolve());
          s.ws.close(1001, truncateReason(reason));
          setTimeout(() => {
            s.ws.terminate();
            resolve();
          }, 1000).unref();
        }),
      );
    }
    await Promise.all(pending);
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------

  private startTimers(): void {
    this.timers.push(
      setInterval(() => {
        this.metrics.tick();
        this.broadcast('metrics', this.metrics.message());
      }, this.opts.metricsIntervalMs).unref(),
    );
    this.timers.push(setInterval(() => this.flushEvents(), this.opts.eventsIntervalMs).unref());
    if (this.opts.heartbeatMs > 0) {
      this.timers.push(setInterval(() => this.heartbeat(), this.opts.heartbeatMs).unref());
    }
  }

  private flushEvents(): void {
    if (!this.decimator.pending) return;
    const frame = this.decimator.take();
    if (this.eventsSubscribers === 0) return;
    this.broadcast('events', {
      type: 'events',
      seq: ++this.eventsSeq,
      width: this.source?.width ?? 0,
      height: this.source?.height ?? 0,
      ...frame,
    });
  }

  private heartbeat(): void {
    for (const s of this.sessions) {
      if (!s.alive) {
        this.opts.log(`client ${s.id}: no pong within ${this.opts.heartbeatMs} ms, dropped`);
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  private broadcast(topic: Topic, msg: ServerMessage): void {
    let json: string | undefined;
    let packed: Uint8Array | undefined;
    for (const s of this.sessions) {
      if (s.closing || !s.topics.has(topic)) continue;
      let data: string | Uint8Array;
      if (s.format === 'json') {
        json ??= encodeServerMessage(msg, 'json');
        data = json;
      } else {
        packed ??= encodeServerMessage(msg, 'msgpack');
        data = packed;
      }
      this.deliver(s, topic, data);
    }
  }

  /** Sends to every client whatever its topics (errors about the source). */
  private broadcastAll(msg: ServerMessage): void {
    for (const s of this.sessions) if (!s.closing) this.sendDirect(s, msg);
  }

  private deliver(s: Session, topic: Topic, data: string | Uint8Array): void {
    const queued = s.ws.bufferedAmount;
    if (queued > this.opts.hardQueueLimitBytes) {
      this.closeSlow(s, queued);
      return;
    }
    if (topic !== 'predictions' && queued > this.opts.eventsQueueLimitBytes) {
      this.metrics.dropped[topic]++;
      return;
    }
    s.ws.send(data, { binary: typeof data !== 'string' });
    this.metrics.sent[topic]++;
  }

  private sendDirect(s: Session, msg: ServerMessage): void {
    if (s.ws.readyState !== WebSocket.OPEN) return;
    const data = encodeServerMessage(msg, s.format);
    s.ws.send(data, { binary: typeof data !== 'string' });
  }

  private closeSlow(s: Session, queued: number): void {
    s.closing = true;
    this.metrics.clientsClosedSlow++;
    const reason = `client too slow: ${queued} bytes queued > ${this.opts.hardQueueLimitBytes}`;
    this.opts.log(`client ${s.id}: ${reason}; closed with 1013`);
    s.ws.close(1013, truncateReason(reason));
    // A stalled peer never reads the close frame queued behind its backlog: cut it loose.
    setTimeout(() => s.ws.terminate(), 1000).unref();
  }

  private reportError(s: Session, code: ErrorCode, message: string): void {
    if (!s.logged.has(code)) {
      s.logged.add(code);
      this.opts.log(`client ${s.id}: ${code}: ${message}`);
    }
    this.sendDirect(s, { type: 'error', code, message });
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) {
      this.metrics.reject('path');
      refuseUpgrade(socket, 404, `no WebSocket endpoint at ${url.pathname}; use ${STREAM_PATH}`);
      return;
    }
    if (!isAuthorized(req, url, this.opts.token)) {
      this.metrics.reject('token');
      this.logOnce('token', `refused a connection from ${req.socket.remoteAddress}: missing or wrong token`);
      refuseUpgrade(socket, 401, 'missing or wrong token');
      return;
    }
    if (!isOriginAllowed(req, this.opts.allowedOrigins)) {
      this.metrics.reject('origin');
      this.logOnce('origin', `refused a connection from origin ${req.headers.origin}`);
      refuseUpgrade(socket, 403, `origin ${req.headers.origin} is not allowed`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, url));
  }

  private readonly loggedOnce = new Set<string>();
  private logOnce(key: string, line: string): void {
    if (this.loggedOnce.has(key)) return;
    this.loggedOnce.add(key);
    this.opts.log(`${line} (logged once)`);
  }

  private accept(ws: WebSocket, url: URL): void {
    const formatParam = url.searchParams.get('format') ?? 'msgpack';
    const format = (WIRE_FORMATS as readonly string[]).includes(formatParam)
      ? (formatParam as WireFormat)
      : null;
    const topicsParam = url.searchParams.get('topics');
    const parsed =
      topicsParam === null ? { ok: true as const, topics: [...DEFAULT_TOPICS] } : parseTopics(topicsParam);
    const refuse = (reason: string, code: ErrorCode, why: string, status: number): void => {
      this.metrics.reject(reason);
      this.logOnce(reason, `refused a connection: ${why}`);
      ws.send(JSON.stringify({ type: 'error', code, message: why }));
      ws.close(status, truncateReason(why));
    };
    if (format === null) {
      refuse('format', 'E_BAD_FORMAT', `unknown format "${formatParam}"; use msgpack or json`, 1008);
      return;
    }
    if (!parsed.ok) {
      refuse(
        'topic',
        'E_UNKNOWN_TOPIC',
        `unknown topic "${parsed.unknown}"; known: predictions, metrics, events`,
        1008,
      );
      return;
    }
    if (this.closed) {
      refuse('shutdown', 'E_SHUTDOWN', 'server shutting down', 1001);
      return;
    }
    if (this.sessions.size >= this.opts.maxClients) {
      refuse('limit', 'E_SERVER_FULL', `server full: ${this.opts.maxClients} clients connected`, 1013);
      return;
    }
    const s: Session = {
      ws,
      id: this.nextSessionId++,
      format,
      topics: new Set(parsed.topics),
      alive: true,
      closing: false,
      logged: new Set(),
    };
    this.sessions.add(s);
    this.metrics.clientsConnected = this.sessions.size;
    this.recountEventSubscribers();
    ws.on('pong', () => {
      s.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.handleMessage(s, data, isBinary));
    ws.on('error', (err: Error) => {
      // ws reports oversized frames (1009) and protocol errors here, then closes the socket.
      this.reportErrorLogOnly(s, err);
    });
    ws.on('close', () => {
      this.sessions.delete(s);
      this.metrics.clientsConnected = this.sessions.size;
      this.recountEventSubscribers();
    });
    const hello: HelloMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: 'spikestream',
      serverVersion,
      models: this.opts.models.map((m) => m.summary),
      source: this.source,
      topics: [...s.topics],
      format,
      eventsEncoding: EVENTS_ENCODING,
    };
    this.sendDirect(s, hello);
  }

  private reportErrorLogOnly(s: Session, err: Error): void {
    const key = `ws:${(err as { code?: string }).code ?? err.message}`;
    if (s.logged.has(key)) return;
    s.logged.add(key);
    this.opts.log(`client ${s.id}: ${err.message}`);
  }

  private handleMessage(s: Session, data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    let msg: ReturnType<typeof decodeClientMessage>;
    try {
      msg = decodeClientMessage(isBinary ? bytes : bytes.toString('utf8'));
    } catch (err) {
      this.metrics.badMessages++;
      if (err instanceof ProtocolError) this.reportError(s, err.code, err.message);
      else this.reportError(s, 'E_BAD_MESSAGE', String(err));
      return;
    }
    if (msg.type === 'subscribe') {
      s.topics = new Set(msg.topics);
      this.recountEventSubscribers();
      this.sendDirect(s, { type: 'subscribed', topics: [...s.topics] });
    } else {
      this.sendDirect(s, { type: 'pong', id: msg.id ?? null, atMs: wallClockMs() });
    }
  }

  private recountEventSubscribers(): void {
    let n = 0;
    for (const s of this.sessions) if (s.topics.has('events')) n++;
    this.eventsSubscribers = n;
  }

  private handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, `method ${req.method} not allowed`, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/healthz') {
      sendJson(res, 200, {
        status: 'ok',
        source: this.metrics.sourceState,
        clients: this.sessions.size,
        uptimeS: this.metrics.message().uptimeS,
      });
      return;
    }
    const file = DASHBOARD_FILES[path];
    if (file !== undefined && this.opts.dashboard) {
      const body = this.dashboardFiles.get(file);
      if (body) {
        const ext = file.slice(file.lastIndexOf('.') + 1);
        res.writeHead(200, {
          'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
    }
    const needsToken = path === '/metrics' || path.startsWith('/api/');
    if (needsToken && !isAuthorized(req, url, this.opts.token)) {
      sendText(res, 401, 'missing or wrong token', { 'www-authenticate': 'Bearer' });
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(this.metrics.prometheus());
      return;
    }
    if (path === '/api/models') {
      sendJson(res, 200, { models: this.opts.models.map((m) => m.summary), source: this.source });
      return;
    }
    const card = /^\/api\/models\/([^/]+)\/card$/.exec(path);
    if (card) {
      const name = decodeURIComponent(card[1]);
      const model = this.opts.models.find((m) => m.summary.name === name);
      if (!model) {
        sendText(res, 404, `no model named "${name}"`);
        return;
      }
      if (model.card === undefined) {
        sendText(res, 404, `model "${name}" has no README.md`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
      res.end(model.card);
      return;
    }
    sendText(res, 404, `not found: ${path}`);
  }
}

/** WebSocket close reasons are limited to 123 bytes. */
function truncateReason(reason: string): string {
  const b = Buffer.from(reason);
  return b.length <= 123 ? reason : `${b.subarray(0, 120).toString('utf8')}...`;
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const text =
    { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status as 401 | 403 | 404] ?? 'Error';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  (socket as Socket).destroySoon?.();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(`${JSON.stringify(body)}\n`);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}
