/**
 * `spikestream/client`: a typed client for the spikestream WebSocket protocol (docs/protocol.md).
 *
 * Works in browsers (global WebSocket) and in Node 20 (the `ws` package, loaded on demand, or any
 * WebSocket class passed as `options.WebSocket`). Connects, subscribes, reconnects with
 * exponential backoff, and hands out predictions as an async iterator:
 *
 * ```ts
 * const client = await SpikestreamClient.connect({ url: 'ws://127.0.0.1:8080' });
 * for await (const p of client.predictions()) console.log(p.model, p.label, p.pipelineUs);
 * ```
 */
import { decodeServerMessage, encodeClientMessage } from '../protocol/codec.ts';
import type {
  ErrorMessage,
  EventsMessage,
  HelloMessage,
  MetricsMessage,
  PredictionMessage,
  ServerMessage,
  Topic,
  WireFormat,
} from '../protocol/messages.ts';
import { STREAM_PATH, wallClockMs } from '../protocol/messages.ts';

export type {
  ErrorMessage,
  EventsMessage,
  HelloMessage,
  MetricsMessage,
  PredictionMessage,
  ServerMessage,
  Topic,
  WireFormat,
} from '../protocol/messages.ts';
export { predictionFromMessage } from '../protocol/messages.ts';

/** The part of the WebSocket API the client uses (browser WebSocket and `ws` both provide it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** Server address: `ws://host:port`, `http://host:port` or a full `/v1/stream` URL. Required. */
  readonly url: string;
  /** Topics to receive. Default ["predictions", "metrics"]. */
  readonly topics?: readonly Topic[];
  /** Wire format. Default "msgpack". */
  readonly format?: WireFormat;
  /** Token, sent as `?token=` (browsers cannot set headers). Default: none. */
  readonly token?: string;
  /** Reconnect after the connection drops. Default true. */
  readonly reconnect?: boolean;
  /** First reconnect delay, ms; doubles on each failure up to maxBackoffMs. Default 250. */
  readonly initialBackoffMs?: number;
  /** Longest reconnect delay, ms. Default 10000. */
  readonly maxBackoffMs?: number;
  /** Most undelivered messages an iterator keeps; older ones are dropped. Default 10000. */
  readonly maxBuffered?: number;
  /** WebSocket implementation. Default: globalThis.WebSocket, else the `ws` package. */
  readonly WebSocket?: WebSocketConstructor;
}

export interface ClientEvents {
  hello: HelloMessage;
  prediction: PredictionMessage;
  metrics: MetricsMessage;
  events: EventsMessage;
  error: ErrorMessage;
  message: ServerMessage;
  /** The connection closed (a reconnect follows unless `willReconnect` is false). */
  close: { code: number; reason: string; willReconnect: boolean };
  /** A reconnect attempt is scheduled. */
  reconnecting: { attempt: number; delayMs: number };
}

type Listener<T> = (value: T) => void;

/** Close codes after which reconnecting cannot help (policy: bad topic/format, token). */
const PERMANENT_CLOSE_CODES = new Set([1008]);

/** Builds the stream URL from a base address, topics, format and token. */
export function streamUrl(
  base: string,
  topics: readonly Topic[],
  format: WireFormat,
  token?: string,
): string {
  const u = new URL(base.replace(/^http/, 'ws'));
  if (u.pathname === '/' || u.pathname === '') u.pathname = STREAM_PATH;
  u.searchParams.set('topics', topics.join(','));
  u.searchParams.set('format', format);
  if (token !== undefined) u.searchParams.set('token', token);
  return u.toString();
}

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const g = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (g) return g;
  const mod = (await import('ws')) as unknown as { WebSocket: WebSocketConstructor };
  return mod.WebSocket;
}

class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private done = false;
  dropped = 0;
  constructor(
    private readonly max: number,
    private readonly onReturn: () => void,
  ) {}
  push(item: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.max) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
  }
  end(): void {
    this.done = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }
  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
  return(): Promise<IteratorResult<T>> {
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

export class SpikestreamClient {
  /** The last `hello` received (after each reconnect too). */
  hello: HelloMessage | undefined;
  private ws: WebSocketLike | undefined;
  private readonly listeners = new Map<keyof ClientEvents, Set<Listener<never>>>();
  private readonly queues = new Set<AsyncQueue<PredictionMessage>>();
  private readonly pings = new Map<number, (err?: Error) => void>();
  private topics: Topic[];
  private closedByUser = false;
  private attempt = 0;
  private nextPingId = 1;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly options: ClientOptions,
    private readonly Ws: WebSocketConstructor,
  ) {
    this.topics = [...(options.topics ?? ['predictions', 'metrics'])];
  }

  /** Connects and resolves once the server's `hello` arrived; rejects if the first attempt fails. */
  static async connect(options: ClientOptions): Promise<SpikestreamClient> {
    if (typeof options.url !== 'string' || options.url === '') throw new TypeError('"url" is required');
    const backoff = options.initialBackoffMs ?? 250;
    if (!(backoff > 0)) throw new RangeError(`"initialBackoffMs" must be > 0, got ${backoff}`);
    const client = new SpikestreamClient(options, options.WebSocket ?? (await defaultWebSocket()));
    await client.open();
    return client;
  }

  on<K extends keyof ClientEvents>(type: K, listener: Listener<ClientEvents[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Replaces the topic set (also used after reconnects). */
  subscribe(topics: readonly Topic[]): void {
    this.topics = [...topics];
    this.send({ type: 'subscribe', topics: this.topics });
  }

  /** Round trip to the server, ms. Rejects if the connection closes first. */
  ping(): Promise<number> {
    const id = this.nextPingId++;
    const t0 = wallClockMs();
    return new Promise((resolve, reject) => {
      this.pings.set(id, (err?: Error) => (err ? reject(err) : resolve(wallClockMs() - t0)));
      this.send({ type: 'ping', id });
    });
  }

  /** Predictions as they arrive, across reconnects, until close() or the iterator is returned. */
  predictions(): AsyncIterableIterator<PredictionMessage> {
    const q: AsyncQueue<PredictionMessage> = new AsyncQueue(this.options.maxBuffered ?? 10_000, () =>
      this.queues.delete(q),
    );
    this.queues.add(q);
    return q;
  }

  /** Closes for good (no reconnect) and ends every iterator. */
  close(): void {
    this.closedByUser = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.ws?.close(1000, 'client closed');
    for (const q of this.queues) q.end();
    this.queues.clear();
  }

  private send(msg: Parameters<typeof encodeClientMessage>[0]): void {
    if (this.ws && this.ws.readyState === 1)
      this.ws.send(encodeClientMessage(msg, this.options.format ?? 'msgpack'));
  }

  private emit<K extends keyof ClientEvents>(type: K, value: ClientEvents[K]): void {
    const set = this.listeners.get(type);
    if (set) for (const l of set) (l as Listener<ClientEvents[K]>)(value);
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const format = this.options.format ?? 'msgpack';
      const ws = new this.Ws(streamUrl(this.options.url, this.topics, format, this.options.token));
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      let helloSeen = false;
      ws.onmessage = (ev) => {
        const data = typeof ev.data === 'string' ? ev.data : new Uint8Array(ev.data as ArrayBuffer);
        let msg: ServerMessage;
        try {
          msg = decodeServerMessage(data);
        } catch (err) {
          this.emit('error', { type: 'error', code: 'E_BAD_MESSAGE', message: (err as Error).message });
          return;
        }
        this.dispatch(msg);
        if (msg.type === 'hello' && !helloSeen) {
          helloSeen = true;
          this.attempt = 0;
          resolve();
        }
      };
      ws.onerror = () => {
        // The close event follows with the details; nothing to do here.
      };
      ws.onclose = (ev) => {
        const permanent = PERMANENT_CLOSE_CODES.has(ev.code);
        const willReconnect =
          !this.closedByUser &&
          !permanent &&
          (this.options.reconnect ?? true) &&
          (helloSeen || this.attempt > 0);
        this.emit('close', { code: ev.code, reason: ev.reason, willReconnect });
        for (const done of this.pings.values())
          done(new Error(`connection closed (${ev.code}) before the pong`));
        this.pings.clear();
        if (!helloSeen && this.attempt === 0) {
          reject(
            new Error(`could not connect to ${this.options.url}: closed with ${ev.code} ${ev.reason}`.trim()),
          );
        }
        if (willReconnect) this.scheduleReconnect();
        else if (!this.closedByUser) {
          for (const q of this.queues) q.end();
        }
      };
    });
  }

  private scheduleReconnect(): void {
    this.attempt++;
    const base = this.options.initialBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 10_000;
    const delayMs = Math.min(max, base * 2 ** (this.attempt - 1)) * (0.75 + Math.random() * 0.5);
    this.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closedByUser) return;
      this.open().catch(() => {
        // A failed attempt closes, and onclose schedules the next one.
      });
    }, delayMs);
  }

  private dispatch(msg: ServerMessage): void {
    this.emit('message', msg);
    switch (msg.type) {
      case 'hello':
        this.hello = msg;
        this.emit('hello', msg);
        break;
      case 'prediction':
        for (const q of this.queues) q.push(msg);
        this.emit('prediction', msg);
        break;
      case 'metrics':
        this.emit('metrics', msg);
        break;
      case 'events':
        this.emit('events', msg);
        break;
      case 'error':
        this.emit('error', msg);
        break;
      case 'pong': {
        const id = typeof msg.id === 'number' ? msg.id : -1;
        const done = this.pings.get(id);
        if (done) {
          this.pings.delete(id);
          done();
        }
        break;
      }
      default:
        break;
    }
  }
}
