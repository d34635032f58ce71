/**
 * Decimates the event stream for display: collects events between two flushes into a frame of at
 * most `maxEvents`, keeping every k-th event in stream order. k starts at 1 and doubles whenever
 * the frame fills (the frame is compacted to every other event), so a frame is an even sample of
 * the span whatever the rate. No allocation per event or per packet.
 */
import type { EventPacket } from '../events/packet.ts';

export interface DisplayFrame {
  readonly startUs: number;
  readonly endUs: number;
  /** Events that arrived in the span. */
  readonly received: number;
  readonly count: number;
  readonly tUs: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  readonly p: Uint8Array;
}

export class EventDecimator {
  private readonly capacity: number;
  private tUs: Float64Array;
  private x: Uint16Array;
  private y: Uint16Array;
  private p: Uint8Array;
  private count = 0;
  private stride = 1;
  /** Events seen since the last kept one (phase of the stride). */
  private skip = 0;
  private received = 0;
  private startUs = Number.NaN;
  private endUs = Number.NaN;

  constructor(maxEvents: number) {
    if (!Number.isInteger(maxEvents) || maxEvents < 2) {
      throw new RangeError(`"maxEvents" must be an integer >= 2, got ${maxEvents}`);
    }
    this.capacity = maxEvents;
    this.tUs = new Float64Array(maxEvents);
    this.x = new Uint16Array(maxEvents);
    this.y = new Uint16Array(maxEvents);
    this.p = new Uint8Array(maxEvents);
  }

  add(packet: EventPacket): void {
    const n = packet.length;
    if (n === 0) return;
    if (this.received === 0) this.startUs = packet.tUs[0];
    this.endUs = packet.tUs[n - 1] + 1;
    this.received += n;
    const { tUs, x, y, p } = packet;
    for (let i = 0; i < n; i++) {
      if (this.skip > 0) {
        this.skip--;
        continue;
      }
      if (this.count === this.capacity) this.compact();
      const k = this.count;
      this.tUs[k] = tUs[i];
      this.x[k] = x[i];
      this.y[k] = y[i];
      this.p[k] = p[i];
      this.count = k + 1;
      this.skip = this.stride - 1;
    }
  }

  /** True when events arrived since the last take(). */
  get pending(): boolean {
    return this.received > 0;
  }

  /** Hands out the frame (fresh arrays; the decimator keeps its own) and starts the next. */
  take(): DisplayFrame {
    const n = this.count;
    const frame: DisplayFrame = {
      startUs: this.startUs,
      endUs: this.endUs,
      received: this.received,
      count: n,
      tUs: this.tUs.slice(0, n),
      x: this.x.slice(0, n),
      y: this.y.slice(0, n),
      p: this.p.slice(0, n),
    };
    this.count = 0;
    this.stride = 1;
    this.skip = 0;
    this.received = 0;
    return frame;
  }

  /** Keeps every other event and doubles the stride. */
  private compact(): void {
    const half = this.count >> 1;
    for (let j = 0; j < half; j++) {
      const i = 2 * j;
      this.tUs[j] = this.tUs[i];
      this.x[j] = this.x[i];
      this.y[j] = this.y[i];
      this.p[j] = this.p[i];
    }
    this.count = half;
    this.stride *= 2;
  }
}
