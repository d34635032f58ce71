import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { invertPolarityInto } from './kernels/polarity.ts';
import { packetOperator } from './packet-operator.ts';

/** Swaps ON and OFF: p := 1 − p (any non-zero polarity counts as ON). */
export function invertPolarity(): MonoTypeOperatorFunction<EventPacket> {
  return packetOperator(() => invertPolarityInto);
}
