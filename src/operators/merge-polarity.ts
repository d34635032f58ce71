import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { setPolarityInto } from './kernels/polarity.ts';
import { packetOperator } from './packet-operator.ts';

/** Merges both polarities into one: p := `polarity` (default 0, as Tonic MergePolarities). */
export function mergePolarity(polarity: 0 | 1 = 0): MonoTypeOperatorFunction<EventPacket> {
  if (polarity !== 0 && polarity !== 1) {
    throw new RangeError(`"polarity" must be 0 or 1, got ${String(polarity)}`);
  }
  return packetOperator(() => (src, out) => setPolarityInto(src, polarity, out));
}
