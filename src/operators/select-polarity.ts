import type { MonoTypeOperatorFunction } from 'rxjs';
import type { EventPacket } from '../events/packet.ts';
import { selectPolarityInto } from './kernels/polarity.ts';
import { requireOneOf } from './options.ts';
import { packetOperator } from './packet-operator.ts';

/** Keeps only ON events (`'on'`, p = 1) or only OFF events (`'off'`, p = 0). */
export function selectPolarity(polarity: 'on' | 'off'): MonoTypeOperatorFunction<EventPacket> {
  const p = requireOneOf('polarity', polarity, ['on', 'off'] as const) === 'on' ? 1 : 0;
  return packetOperator(() => (src, out) => selectPolarityInto(src, p, out));
}
