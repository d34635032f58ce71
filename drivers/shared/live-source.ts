/**
 * The life cycle every live driver shares (edvs, serial, dv, udp): connect, decode bytes into
 * packets stamped with their arrival time, hold them in a bounded queue until subscribers take
 * them, and when the device or socket goes away report 'reconnecting', retry with capped
 * exponential backoff and resume on the same Observable without a restart.
 *
 * A driver supplies a `connect` function (open the port/socket, run any handshake, then forward
 * bytes to the handlers) and a decoder; this module owns everything else.
 */
import { BehaviorSubject, Observable, type Subscriber } from 'rxjs';
import type { DecodeStats } from '../../src/events/decode-stats.ts';
import { DecodeError, SpikestreamError } from '../../src/events/errors.ts';
import type { EventPacket } from '../../src/events/packet.ts';
import type { StreamInfo } from '../../src/events/stream-info.ts';
import { emptySourceStats, type OpenedSource, type SourceStats, type SourceStatus } from '../contract.ts';
import { type BackoffOptions, backoffDelay, resolveBackoff, sleep } from './backoff.ts';
import { BoundedPacketQueue, type BoundedQueueOptions, withArrival } from './bounded-queue.ts';

/** A device or socket that can no longer be read (unplugged, refused, reset by peer). */
export class SourceLostError extends SpikestreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SOURCE_LOST', message, options);
  }
}

/** Opening a device or socket failed for good (no such device, no reply to the handshake). */
export class SourceOpenError extends SpikestreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SOURCE_OPEN', message, options);
  }
}

/** What a connected link reports back to the life cycle. */
export interface LinkHandlers {
  /** Bytes (or one datagram) from the device, with their arrival time (performance.now(), ms). */
  data(chunk: Uint8Array, arrivalMs: number): void;
  /** The link is gone; the life cycle will reconnect (or fail when reconnecting is off). */
  lost(reason: Error): void;
}

export interface Link {
  /** Releases the port/socket (and tells the device to stop when it has a command for that). */
  close(): Promise<void>;
}

/** Opens the device/socket and runs its handshake. Rejects when that is not possible now. */
export type Connector = (handlers: LinkHandlers, signal: AbortSignal) => Promise<Link>;

/** A decoder for live bytes or datagrams. */
export interface LiveDecoder {
  readonly stats: DecodeStats;
  /** Decodes one chunk (a byte-stream piece or a whole datagram). */
  push(chunk: Uint8Array, arrivalMs: number): EventPacket;
  /**
   * The link was re-established: forget partial records and re-base the device clock so that
   * time keeps going forward from the last event emitted.
   */
  discontinuity?(): void;
}

export interface LiveSourceOptions {
  /** The URI as given by the user (for messages and OpenedSource.uri). */
  readonly uri: string;
  /** Stream info; read after the first connection succeeded (a getter may fill it from the handshake). */
  readonly info: StreamInfo;
  readonly connect: Connector;
  /**
   * Creates the decoder. Called once, or once per connection when `decoderPerConnection` is set
   * (for framed streams that restart with a header on every connection).
   */
  readonly createDecoder: () => LiveDecoder;
  /** New decoder on every (re)connection. Default false: one decoder, told of discontinuities. */
  readonly decoderPerConnection?: boolean;
  /** Reconnect after the link is lost. Default true. */
  readonly reconnect?: boolean;
  /** Keep retrying when the very first connection fails, instead of rejecting open. Default false. */
  readonly waitForDevice?: boolean;
  readonly backoff?: BackoffOptions;
  readonly queue?: BoundedQueueOptions;
  /** Aborts opening. */
  readonly signal?: AbortSignal;
  /** Receives log lines (device gone, reconnected). Default: none. */
  readonly log?: (line: string) => void;
}

/** Opens a live source: resolves once the first connection (and handshake) succeeded. */
export async function openLiveSource(options: LiveSourceOptions): Promise<OpenedSource> {
  const source = new LiveSource(options);
  await source.start();
  return source;
}

class LiveSource implements OpenedSource {
  readonly uri: string;
  readonly stats: SourceStats = emptySourceStats();
  readonly status: Observable<SourceStatus>;
  readonly packets: Observable<EventPacket>;

  private readonly options: LiveSourceOptions;
  private readonly statusSubject: BehaviorSubject<SourceStatus>;
  private readonly queue: BoundedPacketQueue;
  private readonly backoff;
  private readonly subscribers = new Set<Subscriber<EventPacket>>();
  private readonly abort = new AbortController();
  private decoder: LiveDecoder;
  /** Counts of decoders replaced on reconnection, folded in. */
  private readonly baseSkipped: Record<string, number> = {};
  private readonly baseRepaired: Record<string, number> = {};
  private link: Link | undefined;
  private connectionId = 0;
  private drainScheduled = false;
  private finished: { error?: SpikestreamError } | undefined;
  private lastT = Number.NEGATIVE_INFINITY;
  private reconnecting = false;
  private linkClosing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: LiveSourceOptions) {
    this.options = options;
    this.uri = options.uri;
    this.queue = new BoundedPacketQueue(options.queue);
    this.backoff = resolveBackoff(options.backoff);
    this.decoder = options.createDecoder();
    this.statusSubject = new BehaviorSubject<SourceStatus>({ state: 'reconnecting', message: 'connecting' });
    this.status = this.statusSubject.asObservable();
    this.packets = new Observable<EventPacket>((subscriber) => {
      if (this.finished) {
        if (this.finished.error) subscriber.error(this.finished.error);
        else subscriber.complete();
        return;
      }
      this.subscribers.add(subscriber);
      this.scheduleDrain();
      return () => {
        this.subscribers.delete(subscriber);
      };
    });
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Read through to the options, so a driver can learn the geometry during the first handshake. */
  get info(): StreamInfo {
    return this.options.info;
  }

  async start(): Promise<void> {
    try {
      await this.connectOnce();
    } catch (err) {
      if (!this.options.waitForDevice || this.abort.signal.aborted) {
        this.abort.abort();
        throw asOpenError(err, this.uri);
      }
      this.setStatus({ state: 'reconnecting', message: messageOf(err) });
      void this.reconnectLoop();
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.abort.abort(new SourceLostError(`${this.uri}: closed`));
      const link = this.link;
      this.link = undefined;
      if (link) await link.close().catch(() => undefined);
      this.finish(undefined, 'closed');
    })();
    return this.closing;
  }

  private async connectOnce(): Promise<void> {
    const id = ++this.connectionId;
    if (id > 1) {
      if (this.options.decoderPerConnection) {
        this.foldStats();
        this.decoder = this.options.createDecoder();
      } else {
        this.decoder.discontinuity?.();
      }
    }
    // What the link reports before connect() resolved (bytes that came with the handshake) is
    // replayed once the link is installed, so a loss among them is handled like any other.
    let early: Array<() => void> | undefined = [];
    const handlers: LinkHandlers = {
      data: (chunk, arrivalMs) => {
        if (early) early.push(() => handlers.data(chunk, arrivalMs));
        else if (id === this.connectionId && !this.finished) this.onData(chunk, arrivalMs);
      },
      lost: (reason) => {
        if (early) early.push(() => handlers.lost(reason));
        else if (id === this.connectionId && !this.finished && !this.abort.signal.aborted)
          this.onLost(reason);
      },
    };
    let link: Link;
    try {
      link = await this.options.connect(handlers, this.abort.signal);
    } finally {
      if (this.abort.signal.aborted || id !== this.connectionId) early = undefined;
    }
    if (this.abort.signal.aborted || id !== this.connectionId) {
      await link.close().catch(() => undefined);
      throw new SourceLostError(`${this.uri}: closed while connecting`);
    }
    this.link = link;
    this.setStatus({ state: 'open' });
    const replay = early ?? [];
    early = undefined;
    for (const call of replay) call();
  }

  private onData(chunk: Uint8Array, arrivalMs: number): void {
    this.stats.bytes += chunk.length;
    const packet = this.decoder.push(chunk, arrivalMs);
    this.syncDecoderStats();
    const fatal = this.decoder.stats.fatal;
    if (packet.length > 0) this.enqueue(withArrival(packet, arrivalMs));
    if (fatal) {
      const error = new DecodeError(this.uri, fatal.byteOffset, fatal.field, fatal.message);
      if (this.options.decoderPerConnection && this.options.reconnect !== false) {
        this.onLost(error);
      } else {
        this.fail(error);
      }
    }
  }

  private enqueue(packet: EventPacket): void {
    // Keep time non-decreasing across reconnections and decoders (DESIGN.md §2).
    const t = packet.tUs;
    if (t[0] < this.lastT) {
      let i = 0;
      while (i < packet.length && t[i] < this.lastT) {
        t[i] = this.lastT;
        i++;
      }
      this.stats.repaired['time_backwards'] = (this.stats.repaired['time_backwards'] ?? 0) + i;
    }
    this.lastT = t[packet.length - 1];
    const dropped = this.queue.push(packet);
    if (dropped > 0) this.stats.dropped['queue_full'] = (this.stats.dropped['queue_full'] ?? 0) + dropped;
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.subscribers.size === 0 || this.queue.size === 0) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.subscribers.size > 0) {
      const p = this.queue.shift();
      if (!p) break;
      this.stats.events += p.length;
      for (const s of [...this.subscribers]) s.next(p);
    }
  }

  private onLost(reason: Error): void {
    const link = this.link;
    this.link = undefined;
    this.connectionId++; // ignore anything the dead link still reports
    // Reconnection waits for this: a serial port must be released before it can be reopened.
    if (link) {
      // …but a close that hangs must not stop reconnection for good.
      this.linkClosing = Promise.race([link.close().catch(() => undefined), sleepQuietly(2000)]);
    }
    this.stats.lastError = messageOf(reason);
    if (this.options.reconnect === false) {
      this.fail(reason instanceof SpikestreamError ? reason : new SourceLostError(messageOf(reason)));
      return;
    }
    this.options.log?.(`${this.uri}: ${messageOf(reason)}; reconnecting`);
    this.setStatus({ state: 'reconnecting', message: messageOf(reason) });
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      await this.linkClosing;
      for (let attempt = 0; ; attempt++) {
        if (attempt >= this.backoff.maxAttempts) {
          this.fail(
            new SourceLostError(
              `${this.uri}: gave up after ${attempt} reconnection attempts: ${this.stats.lastError ?? ''}`,
            ),
          );
          return;
        }
        try {
          await sleep(backoffDelay(this.backoff, attempt), this.abort.signal);
        } catch {
          return; // closed
        }
        try {
          await this.connectOnce();
          this.stats.reconnects++;
          this.options.log?.(`${this.uri}: reconnected`);
          return;
        } catch (err) {
          if (this.abort.signal.aborted) return;
          this.stats.lastError = messageOf(err);
          this.setStatus({ state: 'reconnecting', message: messageOf(err) });
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private fail(error: SpikestreamError): void {
    this.stats.lastError = error.message;
    this.abort.abort(error);
    const link = this.link;
    this.link = undefined;
    if (link) void link.close().catch(() => undefined);
    this.finish(error, 'error');
  }

  private finish(error: SpikestreamError | undefined, state: 'closed' | 'error'): void {
    if (this.finished) return;
    this.drain();
    this.finished = error ? { error } : {};
    this.queue.clear();
    this.setStatus(error ? { state, message: error.message, error } : { state });
    this.statusSubject.complete();
    for (const s of [...this.subscribers]) {
      if (error) s.error(error);
      else s.complete();
    }
    this.subscribers.clear();
  }

  private setStatus(status: SourceStatus): void {
    const cur = this.statusSubject.getValue();
    if (cur.state === status.state && cur.message === status.message) return;
    if (!this.statusSubject.closed) this.statusSubject.next(status);
  }

  private syncDecoderStats(): void {
    const s = this.decoder.stats;
    for (const k in s.skipped) this.stats.skipped[k] = (this.baseSkipped[k] ?? 0) + s.skipped[k];
    for (const k in s.repaired) {
      if (k === 'time_backwards') continue; // kept by enqueue() across decoders
      this.stats.repaired[k] = (this.baseRepaired[k] ?? 0) + s.repaired[k];
    }
    if (s.repaired['time_backwards'] !== undefined) {
      const key = 'decoder_time_backwards';
      this.stats.repaired[key] = (this.baseRepaired[key] ?? 0) + s.repaired['time_backwards'];
    }
  }

  private foldStats(): void {
    this.syncDecoderStats();
    Object.assign(this.baseSkipped, this.stats.skipped);
    Object.assign(this.baseRepaired, this.stats.repaired);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function asOpenError(err: unknown, uri: string): SpikestreamError {
  if (err instanceof SpikestreamError) return err;
  return new SourceOpenError(`${uri}: ${messageOf(err)}`, { cause: err });
}

function sleepQuietly(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
