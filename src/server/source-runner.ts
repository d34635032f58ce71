/**
 * Keeps a source flowing into the classifiers and the server: opens it, feeds packets to the
 * server (event counts, display) and through `classify` (predictions), reports state changes to
 * clients, and reopens it with backoff when it fails in a way that can heal (a device unplugged, a
 * socket dropped). A source that ends (a file played out) is reported and not replayed; bad bytes
 * (DecodeError) and bad usage are reported and not retried.
 */
import { Observable, type Subscription } from 'rxjs';
import type { OpenedSource } from '../../drivers/contract.ts';
import { DecodeError, UsageError } from '../events/errors.ts';
import type { EventPacket } from '../events/packet.ts';
import type { ClassifierOptions } from '../operators/classify/classifier.ts';
import { classify } from '../operators/classify/operator.ts';
import type { StreamServer } from './server.ts';

export interface SourceRunnerOptions {
  readonly uri: string;
  /** Opens the source (the CLI passes drivers' openSource). */
  readonly open: (uri: string, options: { signal: AbortSignal }) => Promise<OpenedSource>;
  readonly server: StreamServer;
  readonly classifiers: readonly ClassifierOptions[];
  /** First retry delay, ms (doubles up to maxBackoffMs). Default 500. */
  readonly initialBackoffMs?: number;
  /** Longest retry delay, ms. Default 30000. */
  readonly maxBackoffMs?: number;
  /** Wall-clock ms without packets after which open windows are decided (0 = never). Default 0. */
  readonly idleFlushMs?: number;
  /** One-line notices. */
  readonly log: (line: string) => void;
  /** Called once with the first opened source (to print its geometry). */
  readonly onFirstOpen?: (source: OpenedSource) => void;
}

function permanent(err: unknown): boolean {
  return err instanceof DecodeError || err instanceof UsageError;
}

export class SourceRunner {
  private readonly abort = new AbortController();
  private current: OpenedSource | undefined;
  private subscription: Subscription | undefined;
  private wake: (() => void) | undefined;
  /** Resolves when the runner stops (stop() or a permanent failure / end). */
  readonly done: Promise<void>;
  private firstOpen: ((err?: unknown) => void) | undefined;
  /**
   * Resolves once the source opened the first time or its first failure is one that may heal
   * (retrying continues); rejects if the first open fails for good (DecodeError, UsageError).
   */
  readonly opened: Promise<void>;

  constructor(private readonly options: SourceRunnerOptions) {
    this.opened = new Promise<void>((resolve, reject) => {
      this.firstOpen = (err) => (err === undefined ? resolve() : reject(err));
    });
    this.opened.catch(() => {});
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.subscription?.unsubscribe();
    this.wake?.();
    await this.current?.close();
    await this.done;
  }

  private async loop(): Promise<void> {
    const o = this.options;
    const server = o.server;
    let delay = o.initialBackoffMs ?? 500;
    const maxDelay = o.maxBackoffMs ?? 30_000;
    let everOpened = false;
    while (!this.abort.signal.aborted) {
      let source: OpenedSource;
      try {
        source = await o.open(o.uri, { signal: this.abort.signal });
      } catch (err) {
        if (this.abort.signal.aborted) break;
        const msg = err instanceof Error ? err.message : String(err);
        if (!everOpened && permanent(err)) {
          this.firstOpen?.(err);
          return;
        }
        server.setSourceState(permanent(err) ? 'error' : 'reconnecting', msg);
        // A device that is not there yet may come: start serving and keep trying.
        if (!everOpened) this.firstOpen?.();
        if (permanent(err)) {
          o.log(`source ${o.uri}: ${msg}; not retrying`);
          return;
        }
        o.log(`source ${o.uri}: ${msg}; retrying in ${Math.round(delay)} ms`);
        await this.sleep(delay);
        delay = Math.min(maxDelay, delay * 2);
        continue;
      }
      this.current = source;
      // The driver keeps updating source.stats; /metrics and `metrics` messages read it live.
      server.metrics.followSourceStats(source.stats);
      if (!everOpened) {
        everOpened = true;
        o.onFirstOpen?.(source);
        this.firstOpen?.();
      }
      delay = o.initialBackoffMs ?? 500;
      server.setSource({
        uri: source.uri,
        width: source.info.width,
        height: source.info.height,
        format: source.info.format,
      });
      server.setSourceState('open');
      const statusSub = source.status.subscribe((s) => {
        if (s.state === 'reconnecting') server.setSourceState('reconnecting', s.message);
        else if (s.state === 'open') server.setSourceState('open');
      });
      const result = await new Promise<{ error?: unknown }>((resolve) => {
        const counted = new Observable<EventPacket>((sub) =>
          source.packets.subscribe({
            next: (p) => {
              server.publishPacket(p);
              sub.next(p);
            },
            error: (e) => sub.error(e),
            complete: () => sub.complete(),
          }),
        );
        this.subscription = counted
          .pipe(classify(o.classifiers, { idleFlushMs: o.idleFlushMs ?? 0 }))
          .subscribe({
            next: (p) => server.publishPrediction(p),
            error: (error: unknown) => resolve({ error }),
            complete: () => resolve({}),
          });
        this.abort.signal.addEventListener('abort', () => resolve({}), { once: true });
      });
      statusSub.unsubscribe();
      this.subscription?.unsubscribe();
      await source.close();
      this.current = undefined;
      server.metrics.followSourceStats(undefined);
      if (this.abort.signal.aborted) break;
      if (result.error === undefined) {
        server.setSourceState('ended', `source ${o.uri} ended`);
        o.log(`source ${o.uri} ended; still serving (clients stay connected)`);
        return;
      }
      const msg = result.error instanceof Error ? result.error.message : String(result.error);
      if (permanent(result.error)) {
        server.setSourceState('error', msg);
        o.log(`source ${o.uri}: ${msg}; not retrying`);
        return;
      }
      server.setSourceState('reconnecting', msg);
      o.log(`source ${o.uri}: ${msg}; reopening in ${Math.round(delay)} ms`);
      await this.sleep(delay);
      delay = Math.min(maxDelay, delay * 2);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
