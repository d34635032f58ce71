/**
 * Event operator kernels, M events/s of CPU (median of repeats), each next to a baseline measured
 * in the same run on the same packets: a plain per-event copy loop of all four columns into a
 * PacketBuilder (the cost of touching every event once and writing it out). Also the RxJS
 * operator path (`from(packets).pipe(op)`) for two operators, to show the per-packet overhead.
 *
 * Data: 1 M DVS-like events on a 640×480 sensor (clustered activity, 0–3 µs steps) in packets
 * of 4096 events. Run: `npm run bench -- operators`.
 */
import { from } from 'rxjs';
import { PacketBuilder } from '../src/events/builder.ts';
import { type EventPacket, packetFromArrays, slicePacket } from '../src/events/packet.ts';
import { backgroundActivity } from '../src/operators/background-activity.ts';
import { EventRateState, eventRateInto, type RateSample } from '../src/operators/kernels/event-rate.ts';
import {
  backgroundActivityInto,
  createBackgroundActivityState,
} from '../src/operators/kernels/background-activity.ts';
import { CountSliceState, countSlicesInto } from '../src/operators/kernels/count-slice.ts';
import { cropInto, maskInto } from '../src/operators/kernels/crop.ts';
import { downsampleInto } from '../src/operators/kernels/downsample.ts';
import { createRelativeHotPixelState, hotPixelRelativeInto } from '../src/operators/kernels/hot-pixel.ts';
import { orientInto } from '../src/operators/kernels/orient.ts';
import { invertPolarityInto, selectPolarityInto } from '../src/operators/kernels/polarity.ts';
import { createRefractoryState, refractoryInto } from '../src/operators/kernels/refractory.ts';
import { TimeSliceState, timeSlicesInto } from '../src/operators/kernels/time-slice.ts';
import type { EventSlice } from '../src/operators/event-slice.ts';
import { refractory } from '../src/operators/refractory.ts';
import { type BenchRow, median, millionsPerSecond, sink } from './lib.ts';

const EVENTS = 1_000_000;
const PACKET = 4096;
const W = 640;
const H = 480;
/** Real-time budget: well above the sustained rate of common DVS sensors (a few M ev/s). */
const TARGET_MEVS = 10;

function makePackets(): EventPacket[] {
  const t = new Float64Array(EVENTS);
  const x = new Uint16Array(EVENTS);
  const y = new Uint16Array(EVENTS);
  const p = new Uint8Array(EVENTS);
  let s = 2463534242;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  let time = 1_000_000;
  let cx = 320;
  let cy = 240;
  for (let i = 0; i < EVENTS; i++) {
    time += Math.floor(rnd() * 4);
    if (rnd() < 0.01) {
      cx = Math.floor(rnd() * 600) + 20;
      cy = Math.floor(rnd() * 440) + 20;
    }
    t[i] = time;
    x[i] = cx + Math.floor(rnd() * 40) - 20;
    y[i] = cy + Math.floor(rnd() * 40) - 20;
    p[i] = rnd() < 0.5 ? 1 : 0;
  }
  const all = packetFromArrays(t, x, y, p);
  const packets: EventPacket[] = [];
  for (let i = 0; i < EVENTS; i += PACKET) packets.push(slicePacket(all, i, i + PACKET));
  return packets;
}

/** CPU seconds per repeat (the machine is shared; wall time would measure the neighbours). */
function cpuRepeats(fn: () => void, repeats = 7, warmup = 2): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1e6);
  }
  return out;
}

/** The baseline: copy every event of a packet into the builder, one plain loop. */
function copyInto(src: EventPacket, out: PacketBuilder): number {
  const n = src.length;
  out.reserve(n);
  const base = out.length;
  const sT = src.tUs;
  const sX = src.x;
  const sY = src.y;
  const sP = src.p;
  const oT = out.tUs;
  const oX = out.x;
  const oY = out.y;
  const oP = out.p;
  for (let i = 0; i < n; i++) {
    oT[base + i] = sT[i];
    oX[base + i] = sX[i];
    oY[base + i] = sY[i];
    oP[base + i] = sP[i];
  }
  out.commit(n);
  return n;
}

export default async function operatorsBench(): Promise<BenchRow[]> {
  const packets = makePackets();
  const out = new PacketBuilder(PACKET);

  /** Runs a kernel over all packets into one reused builder; setup() gives fresh state per repeat. */
  const kernelRun =
    (setup: () => (src: EventPacket, out: PacketBuilder) => number): (() => void) =>
    () => {
      const step = setup();
      let kept = 0;
      for (const packet of packets) {
        kept += step(packet, out);
        out.truncate(0);
      }
      sink.value += kept;
    };

  const baselineSamples = () => millionsPerSecond(EVENTS, cpuRepeats(kernelRun(() => copyInto)));
  const rows: BenchRow[] = [];
  const measure = (name: string, fn: () => void, note?: string): void => {
    // Baseline and target alternate so both see the same machine state.
    const base = median(baselineSamples());
    const samples = millionsPerSecond(EVENTS, cpuRepeats(fn));
    rows.push({
      group: 'operators',
      name,
      value: median(samples),
      unit: 'M ev/s',
      baseline: base,
      baselineName: 'copy loop',
      target: TARGET_MEVS,
      higherIsBetter: true,
      samples,
      ...(note ? { note } : {}),
    });
  };

  const region = { x0: 160, y0: 120, width: 320, height: 240, shift: true };
  measure(
    'crop',
    kernelRun(() => (src, o) => cropInto(src, region, o)),
  );
  const keep = new Uint8Array(W * H).map((_, k) => (k % 7 === 0 ? 0 : 1));
  measure(
    'mask',
    kernelRun(() => (src, o) => maskInto(src, { width: W, height: H, keep }, o)),
  );
  const rot = { width: W, height: H, flipX: false, flipY: true, transpose: true };
  measure(
    'orient rotate90cw',
    kernelRun(() => (src, o) => orientInto(src, rot, o)),
  );
  measure(
    'downsample /4',
    kernelRun(() => (src, o) => downsampleInto(src, { divisorX: 4, divisorY: 4 }, o)),
  );
  measure(
    'selectPolarity on',
    kernelRun(() => (src, o) => selectPolarityInto(src, 1, o)),
  );
  measure(
    'invertPolarity',
    kernelRun(() => invertPolarityInto),
  );
  measure(
    'refractory 1 ms',
    kernelRun(() => {
      const state = createRefractoryState(W, H, 1000, 'all');
      return (src, o) => refractoryInto(src, state, o);
    }),
  );
  measure(
    'backgroundActivity 2 ms',
    kernelRun(() => {
      const state = createBackgroundActivityState(W, H, 2000, 0);
      return (src, o) => backgroundActivityInto(src, state, o);
    }),
  );
  measure(
    'hotPixelRelative',
    kernelRun(() => {
      const state = createRelativeHotPixelState(W, H, 3, 3);
      return (src, o) => hotPixelRelativeInto(src, state, o);
    }),
  );
  const slices: EventSlice[] = [];
  measure(
    'sliceByTime 10 ms',
    kernelRun(() => {
      const state = new TimeSliceState({
        windowUs: 10_000,
        strideUs: 10_000,
        startUs: undefined,
        emitEmpty: false,
        maxEmptyWindows: Number.POSITIVE_INFINITY,
        flushIncomplete: true,
      });
      return (src) => {
        const n = timeSlicesInto(src, state, slices);
        slices.length = 0;
        return n;
      };
    }),
    'copies each event into its slice',
  );
  measure(
    'sliceByCount 10k',
    kernelRun(() => {
      const state = new CountSliceState({ count: 10_000, stride: 10_000, flushIncomplete: true });
      return (src) => {
        const n = countSlicesInto(src, state, slices);
        slices.length = 0;
        return n;
      };
    }),
  );
  const samples: RateSample[] = [];
  measure(
    'eventRate 1 ms period',
    kernelRun(() => {
      const state = new EventRateState(1000, 100, undefined, Number.POSITIVE_INFINITY);
      return (src) => {
        const n = eventRateInto(src, state, samples);
        samples.length = 0;
        return n;
      };
    }),
  );

  // The RxJS path: per-subscription state, builder take() per packet, emission.
  const viaRx = (op: () => import('rxjs').MonoTypeOperatorFunction<EventPacket>) => () => {
    let n = 0;
    from(packets)
      .pipe(op())
      .subscribe((pk) => {
        n += pk.length;
      });
    sink.value += n;
  };
  measure(
    'operator refractory (rxjs)',
    viaRx(() => refractory({ geometry: { width: W, height: H }, periodUs: 1000 })),
  );
  measure(
    'operator backgroundActivity (rxjs)',
    viaRx(() => backgroundActivity({ geometry: { width: W, height: H }, dtUs: 2000 })),
  );
  return rows;
}
