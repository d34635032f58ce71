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
  /** Releases files the generator holds. */
  dispose?(): void;
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
  /** Images per pass. */
  readonly count: number;
  /** Passes in all (Infinity = endless). */
  readonly passes: number;
  readonly periodUs: number;
  /**
   * The labels of every image shown, or of the first pass only when the source loops forever
   * (then `timelinePeriodUs` gives the length of one pass).
   */
  readonly timeline: LabelTimeline;
  readonly timelinePeriodUs?: number;
}

/** Most label segments listed in a timeline (a finite loop beyond this is refused). */
const MAX_TIMELINE_SEGMENTS = 200_000;

export function planSaccades(cfg: EmulateConfig): SaccadePlan {
  const images = loadImageDataset(cfg.dataset, { split: cfg.split, limit: cfg.start + cfg.count });
  if (cfg.start >= images.count) {
    throw new RangeError(
      `emulate: "start" ${cfg.start} is past the ${images.count} images of ${cfg.dataset} ${cfg.split}`,
    );
  }
  const count = Math.min(cfg.count, images.count - cfg.start);
  const passes = cfg.loop + 1;
  const periodUs = SACCADE_DURATION_US + cfg.gapUs;
  const listed = Number.isFinite(passes) ? count * passes : count;
  const shown = Math.min(listed, Math.ceil(cfg.durationUs / periodUs));
  if (shown > MAX_TIMELINE_SEGMENTS) {
    throw new RangeError(
      `emulate: ${shown} images (count × (loop + 1)) exceed ${MAX_TIMELINE_SEGMENTS}; use loop=inf or a shorter duration`,
    );
  }
  const labels: LabelSegment[] = [];
  for (let k = 0; k < shown; k++) {
    const startUs = k * periodUs;
    const classIndex = images.labels[cfg.start + (k % count)];
    labels.push({
      startUs,
      endUs: startUs + SACCADE_DURATION_US,
      label: images.classNames[classIndex],
      classIndex,
    });
  }
  return {
    images,
    first: cfg.start,
    count,
    passes,
    periodUs,
    timeline: { classNames: images.classNames, labels },
    ...(Number.isFinite(passes) ? {} : { timelinePeriodUs: count * periodUs }),
  };
}

/**
 * Image after image: shown image j (pass p = ⌊j / count⌋, image k = j mod count) occupies
 * [j·period, j·period + 315 ms). Its pixel model is seeded with deriveSeed(seed, start + k) in the
 * first pass — the same events (shifted in time) as sample start + k of the emulated N-MNIST data
 * set with that seed — and with deriveSeed(deriveSeed(seed, p), start + k) in later passes.
 */
export function saccadeGenerator(cfg: EmulateConfig, plan: SaccadePlan): EventGenerator {
  const { images, first, count, periodUs, passes } = plan;
  const total = count * passes;
  const endUs = Math.min(cfg.durationUs, total > 0 ? (total - 1) * periodUs + SACCADE_DURATION_US : 0);
  let next = 0;
  let current = new PacketBuilder(1).take();
  let index = 0;
  return {
    endUs,
    produce(untilUs: number, out: PacketBuilder): void {
      const until = Math.min(untilUs, endUs);
      for (;;) {
        // Copy the due part of the image on show.
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
        if (index < current.length || next >= total || next * periodUs > until) return;
        const pass = Math.floor(next / count);
        const k = first + (next % count);
        const passSeed = pass === 0 ? cfg.seed : deriveSeed(cfg.seed, pass);
        const builder = new PacketBuilder(16_384);
        renderSaccadeInto(images.image(k), images.width, images.height, builder, next * periodUs, {
          blackLevel: cfg.blackLevel,
          whiteLevel: cfg.whiteLevel,
          frameRateHz: cfg.frameRateHz,
          pixel: { ...cfg.pixel, seed: deriveSeed(passSeed, k) },
        });
        current = builder.take();
        index = 0;
        next++;
      }
    },
  };
}
