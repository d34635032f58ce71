/**
 * `classify(...)`: the RxJS operator around Classifier. Packets in, predictions out, for one or
 * several models on the same stream (each prediction names its model). Classifiers (and their
 * networks) are created per subscription and dropped on teardown; the end of the source decides
 * every open window before completing.
 */
import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { EventPacket } from '../../events/packet.ts';
import type { Prediction } from '../../protocol/prediction.ts';
import { Classifier, type ClassifierOptions } from './classifier.ts';
import { checkInputMapping } from './input-map.ts';
import { validateDecision, validateWindow } from './policies.ts';

export interface ClassifyStreamOptions {
  /**
   * Wall-clock ms without any packet after which every open window is decided as if the stream
   * ended there (a quiet sensor still gets its decisions; the next event starts new windows).
   * 0 = never. Default 0.
   */
  readonly idleFlushMs?: number;
  /** Scheduler for the idle timer (tests pass a virtual one). Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

export function classify(
  options: ClassifierOptions | readonly ClassifierOptions[],
  stream: ClassifyStreamOptions = {},
): OperatorFunction<EventPacket, Prediction> {
  const idleFlushMs = stream.idleFlushMs ?? 0;
  if (!(idleFlushMs >= 0) || !Number.isFinite(idleFlushMs)) {
    throw new RangeError(`"idleFlushMs" must be a finite number >= 0, got ${idleFlushMs}`);
  }
  const scheduler = stream.scheduler ?? asyncScheduler;
  const list = Array.isArray(options)
    ? (options as readonly ClassifierOptions[])
    : [options as ClassifierOptions];
  if (list.length === 0) throw new RangeError('classify needs at least one model');
  const names = new Set<string>();
  for (const o of list) {
    if (!o?.model) throw new TypeError('"model" is required');
    if (o.window) validateWindow(o.window);
    if (o.decision) validateDecision(o.decision);
    if (o.model.inputMapping.kind === 'events')
      checkInputMapping(o.model.inputMapping, o.model.inputShape, o.model.name);
    const name = o.name ?? o.model.name;
    if (names.has(name)) throw new RangeError(`two models are named "${name}"; give one a different "name"`);
    names.add(name);
  }
  return (source) =>
    new Observable<Prediction>((subscriber) => {
      let classifiers: Classifier[] | null = list.map((o) => new Classifier(o));
      const emit = (p: Prediction): void => subscriber.next(p);
      let idle: Subscription | undefined;
      const flushIdle = (): void => {
        idle = undefined;
        const cs = classifiers;
        if (!cs) return;
        try {
          for (const c of cs) c.flush(emit);
        } catch (err) {
          subscriber.error(err);
        }
      };
      const sub = source.subscribe({
        next(packet) {
          const cs = classifiers;
          if (!cs) return;
          try {
            for (let k = 0; k < cs.length; k++) cs[k].push(packet, emit);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (idleFlushMs > 0) {
            idle?.unsubscribe();
            idle = scheduler.schedule(flushIdle, idleFlushMs);
          }
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          idle?.unsubscribe();
          const cs = classifiers;
          try {
            if (cs) for (const c of cs) c.flush(emit);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.complete();
        },
      });
      return () => {
        idle?.unsubscribe();
        sub.unsubscribe();
        classifiers = null;
      };
    });
}
