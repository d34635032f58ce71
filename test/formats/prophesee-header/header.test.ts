import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodePercentHeader,
  headerMetadata,
  headerValue,
  MAX_HEADER_LINE_BYTES,
  PercentHeaderReader,
  parsePercentHeader,
} from '../../../src/formats/prophesee-header/header.ts';
import { interpretRawHeader } from '../../../src/formats/prophesee-header/raw-header.ts';
import { lookupSystemId } from '../../../src/formats/prophesee-header/system-id.ts';
import { WordAligner } from '../../../src/formats/prophesee-header/word-aligner.ts';
import { concatBytes, splitAt } from '../../helpers/decode.ts';
import { ascii } from './streams.ts';

const TEXT =
  '% date 2023-05-01 10:00:00\r\n% format EVT3;height=720;width=1280\n%comment without space\n% end\n';

function feedAll(reader: PercentHeaderReader, chunks: readonly Uint8Array[]): number {
  let offset = 0;
  for (const c of chunks) {
    const at = reader.feed(c);
    if (at >= 0) return offset + at;
    offset += c.length;
  }
  return -1;
}

describe('% header reader', () => {
  it('reads key/value lines up to % end, CRLF or not', () => {
    const bytes = concatBytes([ascii(TEXT), new Uint8Array([0x25, 0x00, 0x01])]);
    const h = parsePercentHeader(bytes)!;
    expect(h.endedBy).toBe('end-line');
    expect(h.byteLength).toBe(TEXT.length);
    expect(headerValue(h, 'date')).toBe('2023-05-01 10:00:00');
    expect(headerValue(h, 'FORMAT')).toBe('EVT3;height=720;width=1280');
    expect(h.lines[2]).toMatchObject({ key: '', value: 'comment without space' });
    expect(headerMetadata(h)).toEqual({ date: '2023-05-01 10:00:00', format: 'EVT3;height=720;width=1280' });
  });

  it('ends at the first byte that is not % when there is no % end', () => {
    const bytes = concatBytes([ascii('% evt 2.0\n'), new Uint8Array([0x00, 0x00, 0x00, 0x80])]);
    expect(parsePercentHeader(bytes)).toMatchObject({ endedBy: 'data', byteLength: 10 });
    expect(parsePercentHeader(new Uint8Array([1, 2]))).toMatchObject({
      endedBy: 'data',
      byteLength: 0,
      lines: [],
    });
  });

  it('finds the same end and lines under any split of the bytes', () => {
    const bytes = concatBytes([ascii(TEXT), new Uint8Array([9, 9, 9])]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 8 }), (cuts) => {
        const reader = new PercentHeaderReader();
        expect(feedAll(reader, splitAt(bytes, cuts))).toBe(TEXT.length);
        expect(reader.header?.lines.map((l) => [l.key, l.value, l.byteOffset])).toEqual(
          parsePercentHeader(bytes)!.lines.map((l) => [l.key, l.value, l.byteOffset]),
        );
      }),
    );
    const oneByOne = new PercentHeaderReader();
    expect(
      feedAll(
        oneByOne,
        Array.from(bytes, (b) => new Uint8Array([b])),
      ),
    ).toBe(TEXT.length);
  });

  it('handles a file that is only a header, with or without a final newline', () => {
    const r = new PercentHeaderReader();
    expect(r.feed(ascii('% evt 3.0\n% geometry 3x4'))).toBe(-1);
    r.finishAtEof();
    expect(r.header).toMatchObject({ endedBy: 'eof', byteLength: 24 });
    expect(headerValue(r.header!, 'geometry')).toBe('3x4');
  });

  it('stops with a problem instead of buffering an endless line', () => {
    const r = new PercentHeaderReader();
    const line = new Uint8Array(MAX_HEADER_LINE_BYTES + 10).fill(0x41);
    line[0] = 0x25;
    expect(r.feed(line)).toBe(-1);
    expect(r.problem).toMatchObject({ field: 'header', byteOffset: 0 });
  });

  it('writes headers it can read back and refuses multi-line values', () => {
    const bytes = encodePercentHeader([
      ['evt', '3.0'],
      ['serial_number', 'abc'],
    ]);
    expect(new TextDecoder().decode(bytes)).toBe('% evt 3.0\n% serial_number abc\n% end\n');
    expect(() => encodePercentHeader([['k', 'a\nb']])).toThrow(RangeError);
    expect(() => encodePercentHeader([['two words', 'x']])).toThrow(RangeError);
  });
});

describe('RAW header interpretation', () => {
  const header = (text: string) => parsePercentHeader(ascii(text))!;
  it('takes the geometry from format, then geometry, then system_ID, then the user', () => {
    expect(interpretRawHeader(header('% format EVT3;height=720;width=1280\n'), 'evt3')).toMatchObject({
      width: 1280,
      height: 720,
      geometrySource: 'header',
    });
    expect(interpretRawHeader(header('% evt 3.0\n% geometry 640x480\n'), 'evt3')).toMatchObject({
      width: 640,
      geometrySource: 'header',
    });
    const sys = interpretRawHeader(header('% system_ID 0x30\n'), 'evt3');
    expect(sys).toMatchObject({ format: 'evt3', width: 1280, height: 720, geometrySource: 'default' });
    expect(sys.metadata['spikestream_format_source']).toContain('Gen4.1');
    expect(interpretRawHeader(header('% evt 3.0\n'), 'evt3', { width: 10, height: 20 })).toMatchObject({
      width: 10,
      geometrySource: 'user',
    });
  });

  it('reports unknown geometry and unreadable fields without failing', () => {
    const r = interpretRawHeader(header('% evt 3.0\n% geometry big\n% system_ID 999\n'), 'evt3');
    expect(r).toMatchObject({ width: 0, height: 0, geometrySource: 'unknown' });
    expect(r.issues.map((i) => i.field)).toEqual(['geometry', 'geometry']);
    expect(r.issues.every((i) => !i.fatal)).toBe(true);
  });

  it('reads EVT 2.1 byte order from the format option or the endianness key', () => {
    expect(interpretRawHeader(header('% format EVT21;endianness=legacy\n'), 'evt21').endianness).toBe(
      'legacy',
    );
    expect(interpretRawHeader(header('% evt 2.1\n% endianness little\n'), 'evt21').endianness).toBe('little');
    const bad = interpretRawHeader(header('% evt 2.1\n% endianness middle\n'), 'evt21');
    expect(bad.issues[0]?.field).toBe('endianness');
  });

  it('knows the documented system_IDs', () => {
    expect(lookupSystemId('21')?.format).toBe('evt2');
    expect(lookupSystemId('49')).toMatchObject({ format: 'evt3', width: 1280 });
    expect(lookupSystemId('0x1E')?.camera).toBe('CCAM5 Gen4');
    expect(lookupSystemId('abc')).toBeUndefined();
  });
});

describe('WordAligner', () => {
  it('returns whole aligned words and carries the rest, on either host byte order', () => {
    for (const littleHost of [true, false]) {
      const a = new WordAligner(4, 4, littleHost);
      const bytes = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
      const got: number[] = [];
      for (const part of splitAt(bytes.subarray(1), [2, 7])) {
        const view = a.take(part);
        if (view.length > 0) expect(view.byteOffset % 4).toBe(0);
        const dv = new DataView(view.buffer, view.byteOffset, view.length);
        for (let i = 0; i < view.length; i += 4)
          got.push(littleHost ? dv.getUint32(i, true) : dv.getUint32(i, false));
      }
      expect(got).toEqual([0x02000000, 0x03000000]);
      expect(a.pending).toBe(3);
    }
  });
});
