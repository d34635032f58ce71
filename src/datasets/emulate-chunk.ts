/**
 * Emulates a chunk of images into encoded event blocks: the unit of work of the emulated
 * N-MNIST generator, run in worker threads or in the calling thread. Sample i's pixel model is
 * seeded with deriveSeed(seed, i), so the result does not depend on chunking or worker count.
 */
import { PacketBuilder } from '../events/builder.ts';
import { deriveSeed } from '../emulation/prng.ts';
import { renderSaccadeInto, type SaccadeOptions } from '../emulation/saccade.ts';
import { encodeEventBlock } from './event-cache.ts';

export interface ChunkConfig {
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly sensorWidth: number;
  readonly sensorHeight: number;
  readonly seed: number;
  readonly saccade: SaccadeOptions;
}

export interface ChunkResult {
  /** Encoded event blocks of the chunk's samples, back to back. */
  readonly blocks: Uint8Array;
  /** Byte size of each sample's block. */
  readonly sizes: Uint32Array;
  /** Event count of each sample. */
  readonly counts: Uint32Array;
}

/** Emulates `count` images (pixels back to back) whose first has sample index `first`. */
export function emulateChunk(
  pixels: Float32Array,
  count: number,
  first: number,
  config: ChunkConfig,
): ChunkResult {
  const per = config.imageWidth * config.imageHeight;
  const builder = new PacketBuilder(16_384);
  const parts: Uint8Array[] = [];
  const sizes = new Uint32Array(count);
  const counts = new Uint32Array(count);
  let total = 0;
  for (let k = 0; k < count; k++) {
    renderSaccadeInto(
      pixels.subarray(k * per, (k + 1) * per),
      config.imageWidth,
      config.imageHeight,
      builder,
      0,
      {
        ...config.saccade,
        sensorWidth: config.sensorWidth,
        sensorHeight: config.sensorHeight,
        pixel: { ...config.saccade.pixel, seed: deriveSeed(config.seed, first + k) },
      },
    );
    const packet = builder.take();
    const block = encodeEventBlock(packet, config.sensorWidth, config.sensorHeight);
    parts.push(block);
    sizes[k] = block.length;
    counts[k] = packet.length;
    total += block.length;
  }
  const blocks = new Uint8Array(total);
  let o = 0;
  for (const b of parts) {
    blocks.set(b, o);
    o += b.length;
  }
  return { blocks, sizes, counts };
}
