/**
 * The one piece of RxJS plumbing shared by the packet-to-packet operators: per subscription it
 * creates the kernel's state (via `setup`) and an output builder, runs the kernel on each packet,
 * emits the result with the input's `arrivalMs` unless it is empty, and releases the state on
 * teardown. A kernel that throws has its already-committed events emitted first, then the error.
 */
import { type MonoTypeOperatorFunction, Observable, type OperatorFunction } from 'rxjs';
import { PacketBuilder } from '../events/builder.ts';
import type { EventPacket } from '../events/packet.ts';

/** Runs one packet through a kernel, appending to `out`. */
export type PacketStep = (src: EventPacket, out: PacketBuilder) => number;

/** `packet` with `arrivalMs` set (the same object when there is none to set). */
export function withArrival(packet: EventPacket, arrivalMs: number | undefined): EventPacket {
  if (arrivalMs === undefined) return packet;
  return { length: packet.length, tUs: packet.tUs, x: packet.x, y: packet.y, p: packet.p, arrivalMs };
}

/** Builds a packet operator from `setup`, called once per subscription. */
export function packetOperator(
  setup: () => PacketStep,
  initialCapacity = 1024,
): MonoTypeOperatorFunction<EventPacket> {
  return (source) =>
    new Observable<EventPacket>((subscriber) => {
      let step: PacketStep | null = setup();
      let out: PacketBuilder | null = new PacketBuilder(initialCapacity);
      const subscription = source.subscribe({
        next(packet) {
          if (step === null || out === null) return;
          let failed = false;
          let failure: unknown;
          try {
            step(packet, out);
          } catch (err) {
            failed = true;
            failure = err;
          }
          if (out.length > 0) subscriber.next(withArrival(out.take(), packet.arrivalMs));
          if (failed) subscriber.error(failure);
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        step = null;
        out = null;
      };
    });
}

/**
 * The same plumbing for operators that turn packets into other items (slices, rate samples): per
 * subscription `createState()` builds the kernel state, `step` appends the items a packet
 * completes, `flush` (if given) appends what is left when the source completes. Items completed
 * before a kernel error are emitted first, then the error.
 */
export function collectingOperator<S, T>(
  createState: () => S,
  step: (packet: EventPacket, state: S, out: T[]) => unknown,
  flush?: (state: S, out: T[]) => unknown,
): OperatorFunction<EventPacket, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let state: S | null = createState();
      const items: T[] = [];
      const emit = (): void => {
        for (let k = 0; k < items.length && !subscriber.closed; k++) subscriber.next(items[k]);
        items.length = 0;
      };
      const subscription = source.subscribe({
        next(packet) {
          if (state === null) return;
          try {
            step(packet, state, items);
          } catch (err) {
            emit();
            subscriber.error(err);
            return;
          }
          emit();
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          if (state !== null && flush) {
            flush(state, items);
            emit();
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        state = null;
        items.length = 0;
      };
    });
}
