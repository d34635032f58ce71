/**
 * Event generators behind the `emulate:` source: each advances its own sensor clock on demand
 * (`produce(untilUs)`), so the pacing code decides when, and the emulation only what.
 */
import { loadImageDataset } from '../../src/datasets/index.ts';
import type { LabelSegment, LabelTimeline } from '../../src/datasets/label-timeline.ts';
import type { ImageDataset } from '../../src/datasets/types.ts';
import { PacketBuilder } from '../../src/events/builder.ts';
import { deriveSeed } from '../../src/emulation/prng.ts';
import { renderSaccadeInto, SACCADE_DURATION_US } from '../../src/emulation/saccade.ts';
import { movingBar, rotatingDot, SceneEmulator } from '../../src/emulation/scenes.ts';
import type { EmulateConfig } from './params.ts';

export interface EventGenerator {
  /** Sensor time at which the generator has nothing more (Infinity for endless scenes). */
  readonly endUs: number;
  /** Appends every event with time ≤ untilUs not yet produced to `out`, in time order. */
  produce(untilUs: number, out: PacketBuilder): void;
}

export function sceneGenerator(cfg: EmulateConfig): EventGenerator {
  const geometry = {
    width: cfg.width,
    height: cfg.height,
    background: cfg.background,
    foreground: cfg.foreground,
  };
  const scene =
    cfg.kind === 'bar'
      ? movingBar({ ...geometry, barWidth: cfg.barWidth, speed: cfg.velocity, angleDeg: cfg.angleDeg })
      : rotatingDot({ ...geometry, radius: cfg.radius, orbit: cfg.orbit, revolutionsPerSecond: cfg.rps });
  const emulator = new SceneEmulator(scene, cfg.pixel, cfg.frameRateHz, 0);
  const endUs = cfg.durationUs;
  return {
    endUs,
    produce(untilUs: number, out: PacketBuilder): void {
      emulator.advanceTo(Math.min(untilUs, endUs), out);
    },
  };
}

/** Images of the saccade source and the timeline of which is shown when. */
export interface SaccadePlan {
  readonly images: ImageDataset;
  readonly first: number;
  readonly count: number;
  readonly periodUs: number;
  readonly timeline: LabelTimeline;
}

export function planSaccades(cfg: EmulateConfig): SaccadePlan {
  const images = loadImageDataset(cfg.dataset, { split: cfg.split, limit: cfg.start + cfg.count });
  if (cfg.start >= images.count) {
    throw new RangeError(
      `emulate: "start" ${cfg.start} is past the ${images.count} images of ${cfg.dataset} ${cfg.split}`,
    );
  }
  const count = Math.min(cfg.count, images.count - cfg.start);
  const periodUs = SACCADE_DURATION_US + cfg.gapUs;
  const labels: LabelSegment[] = [];
  for (let k = 0; k < count; k++) {
    const startUs = k * periodUs;
    if (startUs >= cfg.durationUs) break;
    const classIndex = images.labels[cfg.start + k];
    labels.push({
      startUs,
      endUs: startUs + SACCADE_DURATION_US,
      label: images.classNames[classIndex],
      classIndex,
    });
  }
  return { images, first: cfg.start, count, periodUs, timeline: { classNames: images.classNames, labels } };
}

/**
 * Digit after digit: image k of the plan is shown during [k·period, k·period + 315 ms), its
 * pixel model seeded with deriveSeed(seed, start + k) — the same events (shifted in time) as
 * sample start + k of the emulated N-MNIST data set with that seed.
 */
export function saccadeGenerator(cfg: EmulateConfig, plan: SaccadePlan): EventGenerator {
  const { images, first, count, periodUs } = plan;
  const endUs = Math.min(cfg.durationUs, count > 0 ? (count - 1) * periodUs + SACCADE_DURATION_US : 0);
  let next = 0;
  let current = new PacketBuilder(1).take();
  let index = 0;
  return {
    endUs,
    produce(untilUs: number, out: PacketBuilder): void {
      const until = Math.min(untilUs, endUs);
      for (;;) {
        // Copy the due part of the digit on show.
        let end = index;
        while (end < current.length && current.tUs[end] <= until) end++;
        if (end > index) {
          out.reserve(end - index);
          const base = out.length;
          out.tUs.set(current.tUs.subarray(index, end), base);
          out.x.set(current.x.subarray(index, end), base);
          out.y.set(current.y.subarray(index, end), base);
          out.p.set(current.p.subarray(index, end), base);
          out.commit(end - index);
          index = end;
        }
        if (index < current.length || next >= count || next * periodUs > until) return;
        const builder = new PacketBuilder(16_384);
        renderSaccadeInto(images.image(first + next), images.width, images.height, builder, next * periodUs, {
          blackLevel: cfg.blackLevel,
          whiteLevel: cfg.whiteLevel,
          frameRateHz: cfg.frameRateHz,
          pixel: { ...cfg.pixel, seed: deriveSeed(cfg.seed, first + next) },
        });
        current = builder.take();
        index = 0;
        next++;
      }
    },
  };
}
