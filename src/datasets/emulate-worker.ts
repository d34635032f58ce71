/**
 * Worker-thread entry of the emulated N-MNIST generator. workerData: ChunkConfig. Messages in:
 * { id, first, count, pixels }; out: { id, blocks, sizes, counts } (buffers transferred) or
 * { id, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ChunkConfig, emulateChunk } from './emulate-chunk.ts';

interface ChunkJob {
  readonly id: number;
  readonly first: number;
  readonly count: number;
  readonly pixels: Float32Array;
}

const config = workerData as ChunkConfig;
const port = parentPort;
if (!port) throw new Error('emulate-worker.ts must run in a worker thread');
port.on('message', (job: ChunkJob) => {
  try {
    const r = emulateChunk(job.pixels, job.count, job.first, config);
    port.postMessage({ id: job.id, blocks: r.blocks, sizes: r.sizes, counts: r.counts }, [
      r.blocks.buffer as ArrayBuffer,
      r.sizes.buffer as ArrayBuffer,
      r.counts.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).stack ?? String(err) });
  }
});
