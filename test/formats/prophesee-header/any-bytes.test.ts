/**
 * Properties every Prophesee decoder keeps on arbitrary (mostly invalid) input: it never throws,
 * time never goes back, and any split of the bytes decodes exactly like the whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetToArrays } from '../../../src/events/packet.ts';
import { DatDecoder } from '../../../src/formats/dat/index.ts';
import { Evt2Decoder } from '../../../src/formats/evt2/index.ts';
import { Evt21Decoder } from '../../../src/formats/evt21/index.ts';
import { Evt3Decoder } from '../../../src/formats/evt3/index.ts';
import type { EventDecoder } from '../../../src/formats/types.ts';
import { concatBytes, decodeChunks, splitAt } from '../../helpers/decode.ts';
import { ascii } from './streams.ts';

const CASES: [string, () => EventDecoder, string][] = [
  ['evt2', () => new Evt2Decoder(), '% evt 2.0\n% geometry 640x480\n% end\n'],
  ['evt21', () => new Evt21Decoder(), '% format EVT21;width=640;height=480\n% end\n'],
  ['evt3', () => new Evt3Decoder(), '% format EVT3;width=640;height=480\n% end\n'],
  ['dat', () => new DatDecoder(), '% Data file containing Event2D events.\n% Width 640\n% Height 480\n'],
];

/** Bytes biased towards meaningful words: time words and CD words mixed with noise. */
const body = fc
  .array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 16 }),
      fc.constantFrom(
        new Uint8Array([0x00, 0x80]),
        new Uint8Array([0xff, 0x8f]),
        new Uint8Array([0x05, 0x00, 0x00, 0x80]),
        new Uint8Array([0x00, 0x00, 0x00, 0x10]),
        new Uint8Array([0, 8]),
      ),
    ),
    { maxLength: 200 },
  )
  .map((parts) => concatBytes(parts));

describe('Prophesee decoders on arbitrary bytes', () => {
  for (const [name, make, header] of CASES) {
    it(`${name}: never throws, keeps time monotonic, and any split equals the whole`, () => {
      fc.assert(
        fc.property(fc.boolean(), body, fc.array(fc.nat(), { maxLength: 5 }), (withHeader, data, cuts) => {
          const bytes = withHeader ? concatBytes([ascii(header), data]) : data;
          const whole = decodeChunks(make(), [bytes]);
          const ev = packetToArrays(whole.packet);
          for (let i = 1; i < ev.t.length; i++) expect(ev.t[i]).toBeGreaterThanOrEqual(ev.t[i - 1]);
          expect(whole.decoder.stats.events).toBe(ev.t.length);
          const split = decodeChunks(
            make(),
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          );
          expect(packetToArrays(split.packet)).toEqual(ev);
          expect(split.decoder.stats.toJSON()).toEqual(whole.decoder.stats.toJSON());
        }),
        { numRuns: 120 },
      );
    });
  }
});
