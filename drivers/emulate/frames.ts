/**
 * `emulate:frames`: a file of raw 8-bit grey frames (width × height bytes each, back to back,
 * e.g. `ffmpeg -i in.mp4 -vf scale=128:128 -f rawvideo -pix_fmt gray out.gray`) through the pixel
 * model. Frames are read on demand (two held in memory), interpolated linearly in luma between
 * file frames at the emulator's rendering rate.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../../src/events/errors.ts';
import { frameSequence, SceneEmulator } from '../../src/emulation/scenes.ts';
import type { EventGenerator } from './generators.ts';
import type { EmulateConfig } from './params.ts';

/** Checks the frame file and returns its frame count. */
export function frameFileCount(path: string, width: number, height: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(`emulate:frames: cannot open "${path}": ${(err as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const frameBytes = width * height;
    if (size === 0 || size % frameBytes !== 0) {
      throw new UsageError(
        `emulate:frames: "${path}" has ${size} bytes, not a whole number of ${width}×${height} 8-bit frames (${frameBytes} bytes each)`,
      );
    }
    return size / frameBytes;
  } finally {
    closeSync(fd);
  }
}

export function frameFileGenerator(cfg: EmulateConfig): EventGenerator {
  const { width, height, path, fps } = cfg;
  const frameCount = frameFileCount(path, width, height);
  const frameBytes = width * height;
  const fd = openSync(path, 'r');
  const bytes = new Uint8Array(frameBytes);
  let closed = false;
  const scene = frameSequence({ width, height, frameCount, fps }, (index, out) => {
    if (closed) throw new Error(`emulate:frames: "${path}" is closed`);
    let done = 0;
    while (done < frameBytes) {
      const n = readSync(fd, bytes, done, frameBytes - done, index * frameBytes + done);
      if (n === 0)
        throw new UsageError(`emulate:frames: "${path}" ended inside frame ${index} (file shrank?)`);
      done += n;
    }
    for (let k = 0; k < frameBytes; k++) out[k] = bytes[k] / 255;
  });
  const emulator = new SceneEmulator(scene, cfg.pixel, cfg.frameRateHz, 0);
  const endUs = Math.min(cfg.durationUs, ((frameCount - 1) / fps) * 1e6);
  return {
    endUs,
    produce(untilUs, out) {
      emulator.advanceTo(Math.min(untilUs, endUs), out);
    },
    dispose() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}
