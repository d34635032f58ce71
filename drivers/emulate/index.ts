/**
 * The `emulate:` source (DESIGN.md §8): synthetic scenes and image saccades through the DVS
 * pixel model, as a cold Observable of packets paced on an injectable RxJS scheduler.
 *
 *   emulate:bar?width=128&height=128&velocity=200     a bar sweeping across the sensor
 *   emulate:dot?radius=4&rps=2                        a dot circling the centre
 *   emulate:saccade?dataset=mnist&split=test&start=0&count=100&seed=1
 *                                                     N-MNIST-style digits one after another
 *
 * Parameters: EMULATE_PARAMS (./params.ts) and docs/emulator.md. Pacing: a packet holding the
 * events of sensor interval (T − packet_ms, T] is emitted at wallStart + T / speed; speed 0 emits
 * back to back, yielding to the event loop every 10 ms of work. Each subscription starts the
 * emulation afresh and, given the seed, yields the same events.
 *
 * Saccade sources know their labels: StreamInfo.metadata.labelTimeline holds the label timeline
 * JSON (src/datasets/label-timeline.ts) and the OpenedSource carries it parsed as `labelTimeline`.
 */
import { performance } from 'node:perf_hooks';
import { asyncScheduler, BehaviorSubject, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { type LabelTimeline, labelTimelineToJson } from '../../src/datasets/label-timeline.ts';
import { PacketBuilder } from '../../src/events/builder.ts';
import type { EventPacket } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import {
  emptySourceStats,
  type OpenedSource,
  type SourceDriver,
  type SourceOptions,
  type SourceStatus,
} from '../contract.ts';
import { frameFileCount, frameFileGenerator } from './frames.ts';
import { type EventGenerator, planSaccades, saccadeGenerator, sceneGenerator } from './generators.ts';
import { type EmulateConfig, parseEmulateUri } from './params.ts';

export { EMULATE_PARAMS, parseEmulateUri, type EmulateConfig } from './params.ts';

export interface EmulateSourceOptions extends SourceOptions {
  /** Clock and timer for pacing; tests pass a VirtualTimeScheduler. Default rxjs asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/** An emulated source; saccade sources also carry their label timeline. */
export interface EmulatedSource extends OpenedSource {
  readonly config: EmulateConfig;
  /** Which label is on show when (saccade sources only; the first pass only when looping forever). */
  readonly labelTimeline?: LabelTimeline;
  /** With loop=inf: the timeline repeats every this many µs. */
  readonly labelTimelinePeriodUs?: number;
}

/** Wall-clock ms of generation after which speed-0 playback yields to the event loop. */
const YIELD_EVERY_MS = 10;

export async function openEmulatedSource(
  url: URL,
  options: EmulateSourceOptions = {},
): Promise<EmulatedSource> {
  const cfg = parseEmulateUri(url, { width: options.width, height: options.height });
  const scheduler = options.scheduler ?? asyncScheduler;
  const plan = cfg.kind === 'saccade' ? planSaccades(cfg) : undefined;
  const metadata: Record<string, string> = { emulate: cfg.kind, seed: String(cfg.seed) };
  if (plan) {
    metadata.dataset = cfg.dataset;
    metadata.split = cfg.split;
    metadata.labelTimeline = labelTimelineToJson(plan.timeline);
    if (plan.timelinePeriodUs !== undefined) metadata.labelTimelinePeriodUs = String(plan.timelinePeriodUs);
  }
  if (cfg.kind === 'frames') {
    const frames = frameFileCount(cfg.path, cfg.width, cfg.height); // fail at open, not at subscribe
    metadata.frames = String(frames);
    metadata.fps = String(cfg.fps);
  }
  const info = makeStreamInfo({
    width: cfg.width,
    height: cfg.height,
    format: 'emulate',
    origin: url.href,
    geometrySource: 'header',
    metadata,
  });
  const stats = emptySourceStats();
  const status = new BehaviorSubject<SourceStatus>({ state: 'open' });
  let closed = false;
  const live = new Set<() => void>();
  const makeGenerator = (): EventGenerator =>
    plan
      ? saccadeGenerator(cfg, plan)
      : cfg.kind === 'frames'
        ? frameFileGenerator(cfg)
        : sceneGenerator(cfg);

  const packets = new Observable<EventPacket>((subscriber) => {
    if (closed) {
      subscriber.complete();
      return;
    }
    const gen = makeGenerator();
    const builder = new PacketBuilder(4096);
    const wallStart = scheduler.now();
    let sensorEnd = 0;
    let timer: Subscription | undefined;
    let stopped = false;
    const closeFromSource = () => {
      finish();
      subscriber.complete();
    };
    const finish = () => {
      stopped = true;
      timer?.unsubscribe();
      live.delete(closeFromSource);
      gen.dispose?.();
    };
    live.add(closeFromSource);

    /** Emits the packet of (sensorEnd − packetUs, sensorEnd]; returns false when the source has ended. */
    const emitNext = (): boolean => {
      sensorEnd = Math.min(sensorEnd + cfg.packetUs, gen.endUs);
      gen.produce(sensorEnd, builder);
      if (builder.length > 0) {
        const packet = builder.take();
        stats.events += packet.length;
        subscriber.next({ ...packet, arrivalMs: performance.now() });
      }
      return sensorEnd < gen.endUs;
    };

    const tick = () => {
      timer = undefined;
      if (stopped) return;
      try {
        let more = true;
        if (cfg.speed === 0) {
          const t0 = performance.now();
          while (more && !stopped && performance.now() - t0 < YIELD_EVERY_MS) more = emitNext();
        } else {
          // Emit every packet already due (catches up after a stall without drifting).
          do {
            more = emitNext();
          } while (
            more &&
            !stopped &&
            wallStart + (sensorEnd + cfg.packetUs) / 1000 / cfg.speed <= scheduler.now()
          );
        }
        if (stopped) return;
        if (!more) {
          finish();
          status.next({ state: 'ended' });
          subscriber.complete();
          return;
        }
        const due =
          cfg.speed === 0
            ? 0
            : Math.max(0, wallStart + (sensorEnd + cfg.packetUs) / 1000 / cfg.speed - scheduler.now());
        timer = scheduler.schedule(tick, due);
      } catch (err) {
        finish();
        stats.lastError = (err as Error).message;
        subscriber.error(err);
      }
    };
    const firstDue = cfg.speed === 0 ? 0 : Math.min(cfg.packetUs, gen.endUs) / 1000 / cfg.speed;
    timer = scheduler.schedule(tick, firstDue);
    return finish;
  });

  return {
    uri: url.href,
    info,
    packets,
    status: status.asObservable(),
    stats,
    config: cfg,
    labelTimeline: plan?.timeline,
    labelTimelinePeriodUs: plan?.timelinePeriodUs,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const stop of [...live]) stop();
      status.next({ state: 'closed' });
      status.complete();
    },
  };
}

export const emulateDriver: SourceDriver = {
  schemes: ['emulate'],
  description:
    'DVS emulation: moving bar, rotating dot, N-MNIST-style saccades over images (v2e-style pixel model)',
  open: (uri: URL, options?: SourceOptions) => openEmulatedSource(uri, options),
};
