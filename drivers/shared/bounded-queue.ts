/**
 * A FIFO of packets bounded by the number of events it holds, so memory stays bounded when a
 * device bursts faster than the pipeline drains. What does not fit is dropped by policy and the
 * dropped events are counted; nothing is dropped silently.
 */
import { type EventPacket, slicePacket } from '../../src/events/packet.ts';

export type DropPolicy = 'drop-oldest' | 'drop-newest';

export const DROP_POLICIES: readonly DropPolicy[] = ['drop-oldest', 'drop-newest'];

export interface BoundedQueueOptions {
  /** Most events held at once. Default 1 048 576 (about 13 MiB of packet columns). */
  readonly maxEvents?: number;
  /**
   * What to drop when full: 'drop-oldest' (default; live consumers want the freshest data) or
   * 'drop-newest' (keep what arrived first, refuse the rest).
   */
  readonly policy?: DropPolicy;
}

export class BoundedPacketQueue {
  readonly maxEvents: number;
  readonly policy: DropPolicy;
  /** Events dropped so far because the queue was full. */
  droppedEvents = 0;
  private items: EventPacket[] = [];
  private head = 0;
  private held = 0;

  constructor(options: BoundedQueueOptions = {}) {
    const { maxEvents = 1 << 20, policy = 'drop-oldest' } = options;
    if (!Number.isInteger(maxEvents) || maxEvents < 1) {
      throw new RangeError(`"maxEvents" must be a positive integer, got ${maxEvents}`);
    }
    if (!DROP_POLICIES.includes(policy)) {
      throw new RangeError(`"policy" must be one of ${DROP_POLICIES.join(', ')}, got "${policy}"`);
    }
    this.maxEvents = maxEvents;
    this.policy = policy;
  }

  /** Events currently held. */
  get events(): number {
    return this.held;
  }

  /** Packets currently held. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds a packet; returns the number of events dropped to make it fit. */
  push(packet: EventPacket): number {
    const n = packet.length;
    if (n === 0) return 0;
    const before = this.droppedEvents;
    if (this.policy === 'drop-newest') {
      const room = this.maxEvents - this.held;
      if (room <= 0) {
        this.droppedEvents += n;
      } else if (n > room) {
        this.append(withArrival(slicePacket(packet, 0, room), packet.arrivalMs));
        this.droppedEvents += n - room;
      } else {
        this.append(packet);
      }
      return this.droppedEvents - before;
    }
    // drop-oldest: the newest events always fit, the oldest make room.
    let incoming = packet;
    if (n > this.maxEvents) {
      this.droppedEvents += n - this.maxEvents;
      incoming = withArrival(slicePacket(packet, n - this.maxEvents, n), packet.arrivalMs);
    }
    let excess = this.held + incoming.length - this.maxEvents;
    while (excess > 0) {
      const oldest = this.items[this.head];
      if (oldest.length <= excess) {
        this.shift();
        this.droppedEvents += oldest.length;
        excess -= oldest.length;
      } else {
        this.items[this.head] = withArrival(slicePacket(oldest, excess, oldest.length), oldest.arrivalMs);
        this.held -= excess;
        this.droppedEvents += excess;
        excess = 0;
      }
    }
    this.append(incoming);
    return this.droppedEvents - before;
  }

  /** Removes and returns the oldest packet, or undefined when empty. */
  shift(): EventPacket | undefined {
    if (this.head >= this.items.length) return undefined;
    const p = this.items[this.head];
    this.items[this.head] = undefined as unknown as EventPacket;
    this.head++;
    this.held -= p.length;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.held = 0;
  }

  private append(p: EventPacket): void {
    this.items.push(p);
    this.held += p.length;
  }
}

/** The same events with an arrival time attached (packets are immutable). */
export function withArrival(packet: EventPacket, arrivalMs: number | undefined): EventPacket {
  if (arrivalMs === undefined || packet.arrivalMs === arrivalMs) return packet;
  return { length: packet.length, tUs: packet.tUs, x: packet.x, y: packet.y, p: packet.p, arrivalMs };
}
