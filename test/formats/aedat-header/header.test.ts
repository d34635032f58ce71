import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AedatHeaderError,
  AedatHeaderReader,
  chipGeometry,
  formatAedatHeader,
  sniffAedatVersion,
} from '../../../src/formats/aedat-header/index.ts';
import { concatBytes, splitAt } from '../../helpers/decode.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Feeds chunks until the header completes; returns it with every data byte after it. */
function readHeader(chunks: readonly Uint8Array[]) {
  const r = new AedatHeaderReader();
  const rest: Uint8Array[] = [];
  let header: ReturnType<AedatHeaderReader['end']>['header'] | undefined;
  for (const c of chunks) {
    if (header) {
      rest.push(c);
      continue;
    }
    const p = r.push(c);
    if (p.done) {
      header = p.header;
      rest.push(p.rest);
    }
  }
  if (!header) header = r.end().header;
  return { header, rest: concatBytes(rest) };
}

describe('AEDAT # header', () => {
  it('reads a jAER 2.0 header with CRLF lines, fields and an explicit end line', () => {
    const text =
      '#!AER-DAT2.0\r\n# This is a raw AE data file\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n' +
      '# Creation time: System.currentTimeMillis() 1234\r\n#End Of ASCII Header\r\n';
    const data = new Uint8Array([0x23, 0x00, 0x01, 0x02, 0, 0, 0, 5]); // data starting with '#'
    const { header, rest } = readHeader([concatBytes([enc(text), data])]);
    expect(header.version).toBe('2.0');
    expect(header.fields['AEChip']).toBe('ch.unizh.ini.jaer.chip.retina.DVS128');
    expect(header.fields['Creation time']).toBe('System.currentTimeMillis() 1234');
    expect(header.length).toBe(text.length);
    expect(header.endedBy).toBe('end-line');
    expect(rest).toEqual(data);
  });

  it('accepts LF-only headers and ends at the first non-# byte', () => {
    const text =
      '#!AER-DAT2.0\n# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\n#End of Preferences for this AEChip\n';
    const data = new Uint8Array([0x00, 0x11, 0x22, 0x33]);
    const { header, rest } = readHeader([enc(text), data]);
    expect(header.lines).toEqual([
      '#!AER-DAT2.0',
      '# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C',
      '#End of Preferences for this AEChip',
    ]);
    expect(header.endedBy).toBe('data');
    expect(rest).toEqual(data);
  });

  it('does not swallow binary data that starts with "#" when there is no end line', () => {
    const text = '#!AER-DAT2.0\r\n# AEChip: DVS128\r\n';
    const data = new Uint8Array([0x23, 0x45, 0x00, 0x01, 0x00, 0x00, 0x10, 0x0a, 9, 9]);
    const { header, rest } = readHeader([enc(text), data.subarray(0, 3), data.subarray(3)]);
    expect(header.length).toBe(text.length);
    expect(rest).toEqual(data);
  });

  it('ends a 3.1 header at #!END-HEADER; version 1.0 without a version line', () => {
    const v31 =
      '#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-01-01 10:00:00 (TZ+0100)\r\n#!END-HEADER\r\n';
    const a = readHeader([enc(`${v31}#binary`)]);
    expect(a.header.version).toBe('3.1');
    expect(a.header.fields['Source 1']).toBe('DVS128');
    expect(new TextDecoder().decode(a.rest)).toBe('#binary');
    const b = readHeader([enc('# AEChip: DVS128\n'), new Uint8Array([1, 2])]);
    expect(b.header.version).toBe('1.0');
  });

  it('reads a 300 kB header split anywhere (property)', () => {
    const prefs = Array.from(
      { length: 3000 },
      (_, i) => `#<entry key="pref${i}" value="${'v'.repeat(i % 90)}"/>`,
    );
    const bytes = concatBytes([
      formatAedatHeader(['#!AER-DAT2.0', '# AEChip: DVS128', ...prefs, '#End Of ASCII Header']),
      new Uint8Array([0x23, 1, 2, 3]),
    ]);
    expect(bytes.length).toBeGreaterThan(150_000);
    const whole = readHeader([bytes]);
    expect(whole.header.lines.length).toBe(3003);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 20 }), (cuts) => {
        const got = readHeader(splitAt(bytes, cuts));
        expect(got.header.length).toBe(whole.header.length);
        expect(got.header.lines).toEqual(whole.header.lines);
        expect(got.rest).toEqual(whole.rest);
      }),
      { numRuns: 15 },
    );
  });

  it('raises past maxBytes and names the offset', () => {
    const r = new AedatHeaderReader({ maxBytes: 100 });
    expect(() => r.push(enc(`#${'x'.repeat(200)}\n`))).toThrow(AedatHeaderError);
    expect(() => new AedatHeaderReader({ maxBytes: 0 })).toThrow(/"maxBytes"/);
  });

  it('keeps a header-only stream (end of stream ends the header)', () => {
    const r = new AedatHeaderReader();
    expect(r.push(enc('#!AER-DAT2.0\r\n# AEChip: DVS128')).done).toBe(false);
    const { header, rest } = r.end();
    expect(header.endedBy).toBe('end-of-stream');
    expect(header.lines).toEqual(['#!AER-DAT2.0', '# AEChip: DVS128']);
    expect(rest.length).toBe(0);
  });

  it('sniffs versions and knows common chips', () => {
    expect(sniffAedatVersion(enc('#!AER-DAT3.1\r\n'))).toBe('3.1');
    expect(sniffAedatVersion(enc('#!AER-DAT4.0\r\n'))).toBe('4.0');
    expect(sniffAedatVersion(enc('# AEChip: x'))).toBeUndefined();
    expect(chipGeometry('eu.seebetter.ini.chips.davis.DAVIS240C')).toMatchObject({
      width: 240,
      height: 180,
      family: 'davis',
    });
    expect(chipGeometry('DAVIS346B')).toMatchObject({ width: 346, height: 260 });
    expect(chipGeometry('ch.unizh.ini.jaer.chip.retina.DVS128')).toMatchObject({
      width: 128,
      family: 'dvs128',
    });
    expect(chipGeometry('spikestream 300x200')).toMatchObject({ width: 300, height: 200 });
    expect(chipGeometry('SomethingElse')).toBeUndefined();
    expect(() => formatAedatHeader(['no hash'])).toThrow(RangeError);
  });
});
