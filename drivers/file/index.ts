/**
 * The file replay driver: `file:PATH?speed=1&loop=0&start=0&format=NAME` (DESIGN.md §8).
 *
 * | parameter | meaning |
 * |---|---|
 * | speed | 1 = real time (default), N = N× faster, 0 = as fast as the consumer takes packets |
 * | loop | extra passes after the first: 0 (default) = once, N, or `inf` |
 * | start | skip the first µs of the recording (from its first event) |
 * | format | force a format instead of detecting it from the content |
 * | chunk | bytes read at a time (default 1048576) |
 * | interval_ms | wall-clock ms one packet covers at most while pacing (default 1) |
 * | width, height | geometry for headerless formats (N-MNIST, CSV) |
 * | opt.KEY | a format-specific decoder option, e.g. `opt.columns=x,y,p,t` or `opt.timeUnit=s` |
 */
import { fileURLToPath } from 'node:url';
import { BehaviorSubject, Observable, type SchedulerLike } from 'rxjs';
import { DecodeError, UsageError } from '../../src/events/errors.ts';
import type { EventPacket } from '../../src/events/packet.ts';
import { probeRecordingInfo } from '../../src/formats/open.ts';
import {
  emptySourceStats,
  type OpenedSource,
  type SourceDriver,
  type SourceOptions,
  type SourceStatus,
} from '../contract.ts';
import { UriParams } from '../shared/uri-params.ts';
import { type ReplayOptions, replayFile, resolveReplayOptions } from './replay.ts';

export { fileSourceUrl } from './uri.ts';
export { type ReplayOptions, replayFile } from './replay.ts';

export interface FileSourceOptions extends SourceOptions {
  /** Clock and timer for pacing (tests pass a VirtualTimeScheduler). Default rxjs asyncScheduler. */
  readonly scheduler?: SchedulerLike;
  /** Format-specific decoder options (e.g. CSV `columns`). */
  readonly decoderOptions?: Readonly<Record<string, unknown>>;
}

/** Query parameters of a `file:` URI as replay options (UsageError naming a bad parameter). */
export function parseFileParams(url: URL): ReplayOptions {
  const q = new UriParams(url, 'file');
  const speed = q.number('speed', 1, 0, 1e9);
  const loopRaw = q.string('loop');
  const loop =
    loopRaw === 'inf' || loopRaw === 'infinite' || loopRaw === '-1'
      ? Number.POSITIVE_INFINITY
      : q.int('loop', 0, 0, 2 ** 31);
  const startUs = q.number('start', 0, 0, Number.MAX_SAFE_INTEGER);
  const format = q.string('format') || undefined;
  const chunkBytes = q.int('chunk', 1 << 20, 1, 1 << 30);
  const intervalMs = q.number('interval_ms', 1, 0.001, 60_000);
  const width = q.has('width') ? q.int('width', 0, 1, 65535) : undefined;
  const height = q.has('height') ? q.int('height', 0, 1, 65535) : undefined;
  // opt.KEY=VALUE: a format-specific decoder option (e.g. opt.columns=x,y,p,t for CSV).
  let decoderOptions: Record<string, unknown> | undefined;
  for (const name of new Set(url.searchParams.keys())) {
    if (!name.startsWith('opt.') || name.length === 4) continue;
    const raw = q.string(name) ?? '';
    decoderOptions ??= {};
    decoderOptions[name.slice(4)] = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(raw)
      ? JSON.parse(raw)
      : raw;
  }
  q.rejectUnknown();
  return { speed, loop, startUs, format, chunkBytes, intervalMs, width, height, decoderOptions };
}

/** Opens a recording for replay (programmatic form of the `file:` URI). */
export async function openFileSource(
  path: string,
  options: ReplayOptions & FileSourceOptions = {},
  uri = `file:${path}`,
): Promise<OpenedSource> {
  resolveReplayOptions(options);
  options.signal?.throwIfAborted();
  const { info } = await probeRecordingInfo(path, options);
  const stats = emptySourceStats();
  const status = new BehaviorSubject<SourceStatus>({ state: 'open' });
  const packets$ = replayFile(path, options, stats);
  let closed = false;
  const subs = new Set<{ unsubscribe(): void }>();
  const packets = new Observable<EventPacket>((subscriber) => {
    if (closed) {
      subscriber.error(new UsageError(`${uri}: source is closed`));
      return;
    }
    const sub = packets$.subscribe({
      next: (p) => subscriber.next(p),
      error: (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        status.next({
          state: 'error',
          message: e.message,
          ...(err instanceof DecodeError ? { error: err } : {}),
        });
        subscriber.error(err);
      },
      complete: () => {
        status.next({ state: 'ended' });
        subscriber.complete();
      },
    });
    subs.add(sub);
    return () => {
      subs.delete(sub);
      sub.unsubscribe();
    };
  });
  return {
    uri,
    info,
    packets,
    status: status.asObservable(),
    stats,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of subs) s.unsubscribe();
      subs.clear();
      status.next({ state: 'closed' });
      status.complete();
    },
  };
}

/** The `file:` driver; `open` also takes a pacing scheduler and decoder options. */
export const fileDriver: SourceDriver & {
  open(uri: URL, options?: FileSourceOptions): Promise<OpenedSource>;
} = {
  schemes: ['file'],
  description: 'replay a recording: file:PATH?speed=1&loop=0&start=<µs>&format=<name>',
  async open(uri: URL, options: FileSourceOptions = {}): Promise<OpenedSource> {
    const path = fileURLToPath(uri);
    const params = parseFileParams(uri);
    return openFileSource(
      path,
      {
        ...params,
        width: options.width ?? params.width,
        height: options.height ?? params.height,
        scheduler: options.scheduler,
        decoderOptions: { ...params.decoderOptions, ...options.decoderOptions },
        signal: options.signal,
      },
      uri.href,
    );
  },
};
