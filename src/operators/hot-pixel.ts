import { type MonoTypeOperatorFunction, Observable, type Subscriber } from 'rxjs';
import { PacketBuilder } from '../events/builder.ts';
import { type EventPacket, slicePacket } from '../events/packet.ts';
import { type SensorGeometry, validateGeometry } from './geometry.ts';
import { maskInto, type PixelMask } from './kernels/crop.ts';
import {
  calibrateHotPixels,
  createHotPixelCalibrationState,
  finishHotPixelCalibration,
  type HotPixelCalibration,
  type HotPixelCalibrationState,
} from './kernels/hot-pixel.ts';
import { requireOneOf, requireOptionsObject, requirePositiveFinite } from './options.ts';
import { withArrival } from './packet-operator.ts';

export type { HotPixelCalibration } from './kernels/hot-pixel.ts';

export type DuringCalibration = 'hold' | 'pass' | 'drop';

export interface HotPixelOptions {
  /** Sensor geometry (a StreamInfo will do). */
  geometry: SensorGeometry;
  /** Pixels firing at or above this rate during calibration are hot, events per second (> 0). Required. */
  maxRateHz: number;
  /** Calibration period from the first event, µs (> 0). Default 1 000 000 (1 s). */
  calibrationUs?: number;
  /**
   * What happens to events of the calibration period. `'hold'` (default): keep them until the
   * mask is known, then emit them filtered (exact, but delays output by the calibration period).
   * `'pass'`: emit them unfiltered at once. `'drop'`: discard them.
   */
  duringCalibration?: DuringCalibration;
  /** Called once when the mask is known; a throw becomes the stream's error. */
  onCalibrated?: (calibration: HotPixelCalibration) => void;
}

/**
 * Calibrated hot-pixel filter (Tonic identify_hot_pixel + DropPixel; jAER HotPixelFilter): counts
 * events per pixel over the first `calibrationUs` of sensor time, marks pixels whose rate is
 * ≥ maxRateHz as hot, then drops their events. If the stream ends during calibration, the rates use
 * the observed span (last − first + 1 µs). An event outside the geometry is an error
 * (`EventOutOfBoundsError`).
 */
export function hotPixel(options: HotPixelOptions): MonoTypeOperatorFunction<EventPacket> {
  requireOptionsObject('hotPixel', options, false);
  const { width, height } = validateGeometry('geometry', options.geometry);
  const maxRateHz = requirePositiveFinite('maxRateHz', options.maxRateHz);
  const calibrationUs = requirePositiveFinite('calibrationUs', options.calibrationUs ?? 1_000_000);
  const during = requireOneOf('duringCalibration', options.duringCalibration ?? 'hold', [
    'hold',
    'pass',
    'drop',
  ] as const);
  const onCalibrated = options.onCalibrated;
  if (onCalibrated !== undefined && typeof onCalibrated !== 'function') {
    throw new TypeError(`"onCalibrated" must be a function, got ${String(onCalibrated)}`);
  }

  return (source) =>
    new Observable<EventPacket>((subscriber) => {
      let state: HotPixelCalibrationState | null = createHotPixelCalibrationState(
        width,
        height,
        calibrationUs,
        maxRateHz,
      );
      let mask: PixelMask | null = null;
      let held: EventPacket[] = [];
      let out: PacketBuilder | null = new PacketBuilder(1024);

      /** Computes the mask and reports it; false when the callback threw (the stream then errored). */
      const finishCalibration = (streamEnded: boolean): boolean => {
        const calibration = finishHotPixelCalibration(state!, streamEnded);
        mask = Object.freeze({ width, height, keep: calibration.keep });
        state = null;
        if (onCalibrated === undefined) return true;
        try {
          onCalibrated({ ...calibration, keep: calibration.keep.slice() });
        } catch (err) {
          subscriber.error(err);
          return false;
        }
        return true;
      };

      const emitFiltered = (packet: EventPacket): boolean => {
        if (out === null || mask === null) return false;
        return emitThrough(subscriber, out, packet, (src, o) => maskInto(src, mask!, o));
      };

      const releaseHeld = (): boolean => {
        const packets = held;
        held = [];
        for (const packet of packets) {
          if (!emitFiltered(packet) || subscriber.closed) return false;
        }
        return true;
      };

      const subscription = source.subscribe({
        next(packet) {
          if (out === null) return;
          if (mask !== null) {
            emitFiltered(packet);
            return;
          }
          if (packet.length === 0 || state === null) return;
          let counted: number;
          try {
            counted = calibrateHotPixels(packet, state);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (counted === packet.length) {
            if (during === 'hold') held.push(packet);
            else if (during === 'pass') subscriber.next(packet);
            return;
          }
          // This packet ends the calibration period.
          if (!finishCalibration(false)) return;
          if (during === 'hold') {
            if (!releaseHeld()) return;
            emitFiltered(packet);
          } else {
            if (during === 'pass' && counted > 0) {
              subscriber.next(withArrival(slicePacket(packet, 0, counted), packet.arrivalMs));
            }
            if (subscriber.closed) return;
            emitFiltered(withArrival(slicePacket(packet, counted, packet.length), packet.arrivalMs));
          }
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          if (mask === null && state !== null && !Number.isNaN(state.startUs)) {
            if (!finishCalibration(true)) return;
            if (!releaseHeld()) return;
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        state = null;
        held = [];
        out = null;
      };
    });
}

/** Runs `step` on `packet` into `out`, emits a non-empty result, forwards a throw; false on error. */
function emitThrough(
  subscriber: Subscriber<EventPacket>,
  out: PacketBuilder,
  packet: EventPacket,
  step: (src: EventPacket, out: PacketBuilder) => number,
): boolean {
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
  return !failed;
}
