import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventPacket, packetToArrays } from '../../../src/events/packet.ts';
import { makeStreamInfo } from '../../../src/events/stream-info.ts';
import {
  type Aedat4Decoder,
  type Aedat4DecoderOptions,
  aedat4Format,
  createAedat4Decoder,
  createAedat4Encoder,
} from '../../../src/formats/aedat4/index.ts';
import { writeInfoNode } from '../../../src/formats/aedat4/info-node.ts';
import { writeEventPacketInto, writeIoHeader } from '../../../src/formats/aedat4/schema.ts';
import { concatBytes, decodeChunks, splitAt } from '../../helpers/decode.ts';
import { emptyTypedPacket, encodeFile, makeEvents, packetBytes, toPacket } from './helpers.ts';

const MAGIC = new TextEncoder().encode('#!AER-DAT4.0\r\n');

function run(
  decoder: Aedat4Decoder,
  chunks: readonly Uint8Array[],
): { packet: EventPacket; decoder: Aedat4Decoder } {
  return { packet: decodeChunks(decoder, chunks).packet, decoder };
}

function decodeAll(bytes: Uint8Array, options: Aedat4DecoderOptions = {}) {
  return run(createAedat4Decoder(options), [bytes]);
}

function headerWith(infoNode: string, compression = 0): Uint8Array {
  return concatBytes([MAGIC, writeIoHeader({ compression, dataTablePosition: -1, infoNode })]);
}

function eventPayload(e: ReturnType<typeof makeEvents>): Uint8Array {
  const pk = toPacket(e);
  const out = new Uint8Array(32 + 16 * pk.length);
  writeEventPacketInto(out, 0, pk.tUs, pk.x, pk.y, pk.p, 0, pk.length);
  return out;
}

describe('AEDAT 4 round trips', () => {
  for (const compression of ['none', 'lz4', 'zstd'] as const) {
    it(`decodes what the encoder writes (${compression})`, () => {
      const e = makeEvents(3000, 7);
      const bytes = encodeFile(e, { compression, perPacket: 700 });
      const { packet, decoder } = decodeAll(bytes, { origin: 'rec.aedat4' });
      expect(packetToArrays(packet)).toEqual(e);
      expect(decoder.stats.issueCount).toBe(0);
      expect(decoder.info).toMatchObject({ width: 640, height: 480, format: 'aedat4', origin: 'rec.aedat4' });
      expect(decoder.info?.geometrySource).toBe('header');
      expect(decoder.dataTable?.offsets).toBe('payload');
      expect(decoder.dataTable?.entries.map((x) => x.numElements)).toEqual([700, 700, 700, 700, 200]);
      expect(decoder.stats.bytes).toBe(bytes.length);
    });
  }

  it('detects the magic line', () => {
    const bytes = encodeFile(makeEvents(10));
    expect(aedat4Format.detect(bytes.subarray(0, 64))).toBe(1);
    expect(aedat4Format.detect(new TextEncoder().encode('#!AER-DAT2.0\r\n'))).toBe(0);
  });

  it('reads a streamed file whose header was never patched (table sniffed at the end)', () => {
    for (const compression of ['none', 'lz4'] as const) {
      const e = makeEvents(500, 3);
      const bytes = encodeFile(e, { compression, perPacket: 128, patch: false });
      const { packet, decoder } = decodeAll(bytes);
      expect(packetToArrays(packet)).toEqual(e);
      expect(decoder.stats.issueCount).toBe(0);
      expect(decoder.dataTable?.entries.length).toBe(4);
    }
  });

  it('reads files without a data table', () => {
    const e = makeEvents(400, 5);
    const bytes = encodeFile(e, { dataTable: false, perPacket: 100 });
    const { packet, decoder } = decodeAll(bytes);
    expect(packetToArrays(packet)).toEqual(e);
    expect(decoder.dataTable).toBeUndefined();
    expect(decoder.stats.issueCount).toBe(0);
  });

  it('flushEvents buffers across encode() calls and flush() writes the rest', () => {
    const e = makeEvents(25, 9);
    const enc = createAedat4Encoder({ compression: 'none', flushEvents: 10 });
    const head = enc.begin(makeStreamInfo({ width: 640, height: 480, format: 'aedat4' }));
    const pk = toPacket(e);
    const sizes: number[] = [];
    const parts = [head];
    for (let i = 0; i < 25; i += 3) {
      const b = enc.encode(
        toPacket({
          t: e.t.slice(i, i + 3),
          x: e.x.slice(i, i + 3),
          y: e.y.slice(i, i + 3),
          p: e.p.slice(i, i + 3),
        }),
      );
      sizes.push(b.length);
      parts.push(b);
    }
    // Packets of 10 events appear only once 10 are pending (after the 4th and 7th calls).
    expect(sizes.map((s) => s > 0)).toEqual([false, false, false, true, false, false, true, false, false]);
    parts.push(enc.flush(), enc.end());
    const { packet } = decodeAll(concatBytes(parts));
    expect(packet.length).toBe(pk.length);
    expect(packetToArrays(packet)).toEqual(e);
  });

  it('validates options eagerly', () => {
    expect(() => createAedat4Encoder({ compression: 'gzip' as never })).toThrow(/"compression"/);
    expect(() => createAedat4Encoder({ flushEvents: -1 })).toThrow(/"flushEvents"/);
    expect(() => createAedat4Decoder({ maxPacketBytes: 3 })).toThrow(/"maxPacketBytes"/);
    expect(() => createAedat4Decoder({ streamId: -2 })).toThrow(/"streamId"/);
  });
});

describe('AEDAT 4 hand-built streams', () => {
  const info = (ids: [number, string][]): string =>
    `<dv version="2.0"><node name="outInfo" path="/outInfo/">${ids
      .map(
        ([id, type]) =>
          `<node name="${id}" path="/outInfo/${id}/"><attr key="typeIdentifier" type="string">${type}</attr>` +
          `<node name="info" path="/outInfo/${id}/info/"><attr key="sizeX" type="int">346</attr>` +
          `<attr key="sizeY" type="int">260</attr><attr key="source" type="string">DAVIS346_1</attr></node></node>`,
      )
      .join('')}</node></dv>`;

  it('follows sparse stream ids and skips frames, IMU and triggers by type', () => {
    const e = makeEvents(50, 11);
    const bytes = concatBytes([
      headerWith(
        info([
          [0, 'FRME'],
          [2, 'EVTS'],
          [5, 'IMUS'],
          [9, 'TRIG'],
        ]),
      ),
      packetBytes(0, emptyTypedPacket('FRME')),
      packetBytes(
        2,
        eventPayload({ t: e.t.slice(0, 20), x: e.x.slice(0, 20), y: e.y.slice(0, 20), p: e.p.slice(0, 20) }),
      ),
      packetBytes(5, emptyTypedPacket('IMUS')),
      packetBytes(9, emptyTypedPacket('TRIG')),
      packetBytes(
        2,
        eventPayload({ t: e.t.slice(20), x: e.x.slice(20), y: e.y.slice(20), p: e.p.slice(20) }),
      ),
      packetBytes(7, emptyTypedPacket('EVTS')),
    ]);
    const { packet, decoder } = decodeAll(bytes);
    expect(packetToArrays(packet)).toEqual(e);
    expect(decoder.info).toMatchObject({ width: 346, height: 260 });
    expect(decoder.info?.metadata?.source).toBe('DAVIS346_1');
    expect(decoder.stats.skipped).toEqual({
      frame_packets: 1,
      imu_packets: 1,
      trigger_packets: 1,
      undeclared_stream_packets: 1,
    });
  });

  it('decodes the stream chosen with streamId when a file has two cameras', () => {
    const a = makeEvents(5, 1);
    const b = makeEvents(7, 2);
    const bytes = concatBytes([
      headerWith(
        info([
          [1, 'EVTS'],
          [3, 'EVTS'],
        ]),
      ),
      packetBytes(1, eventPayload(a)),
      packetBytes(3, eventPayload(b)),
    ]);
    expect(packetToArrays(decodeAll(bytes).packet)).toEqual(a);
    const chosen = decodeAll(bytes, { streamId: 3 });
    expect(packetToArrays(chosen.packet)).toEqual(b);
    expect(chosen.decoder.stats.skipped.other_event_stream_packets).toBe(1);
  });

  it('reports a packet whose identifier contradicts its stream type, and goes on', () => {
    const e = makeEvents(4, 3);
    const bytes = concatBytes([
      headerWith(info([[0, 'EVTS']])),
      packetBytes(0, emptyTypedPacket('IMUS')),
      packetBytes(0, eventPayload(e)),
    ]);
    const { packet, decoder } = decodeAll(bytes);
    expect(packet.length).toBe(4);
    expect(decoder.stats.issues[0]).toMatchObject({ field: 'packet identifier', fatal: false });
  });

  it('repairs old writers’ −2^32 µs jumps and clamps other backward steps', () => {
    const t0 = 5_000_000_000;
    const e = {
      t: [t0, t0 + 10, t0 + 20 - 2 ** 32, t0 + 30 - 2 ** 32, t0 + 25 - 2 ** 32],
      x: [1, 2, 3, 4, 5],
      y: [0, 0, 0, 0, 0],
      p: [1, 0, 1, 0, 1],
    };
    const bytes = concatBytes([headerWith(info([[0, 'EVTS']])), packetBytes(0, eventPayload(e))]);
    const { packet, decoder } = decodeAll(bytes);
    expect(Array.from(packet.tUs)).toEqual([t0, t0 + 10, t0 + 20, t0 + 30, t0 + 30]);
    expect(decoder.stats.repaired).toEqual({ time_wrap_32: 1, time_backwards: 1 });
  });

  it('reads a jAER-style data table (header offsets, uncompressed) and says so', async () => {
    const { writeDataTable } = await import('../../../src/formats/aedat4/schema.ts');
    const e = makeEvents(30, 4);
    const head = headerWith(info([[0, 'EVTS']]), 1);
    const { PayloadCompressor } = await import('../../../src/formats/aedat4/compression.ts');
    const compressor = new PayloadCompressor();
    const compressPayload = (codec: number, b: Uint8Array) => compressor.compress(codec, b);
    const p1 = packetBytes(
      0,
      compressPayload(
        1,
        eventPayload({ t: e.t.slice(0, 10), x: e.x.slice(0, 10), y: e.y.slice(0, 10), p: e.p.slice(0, 10) }),
      ),
    );
    const p2 = packetBytes(
      0,
      compressPayload(
        1,
        eventPayload({ t: e.t.slice(10), x: e.x.slice(10), y: e.y.slice(10), p: e.p.slice(10) }),
      ),
    );
    const table = writeDataTable([
      {
        byteOffset: head.length,
        streamId: 0,
        size: p1.length - 8,
        numElements: 10,
        timestampStart: e.t[0],
        timestampEnd: e.t[9],
      },
      {
        byteOffset: head.length + p1.length,
        streamId: 0,
        size: p2.length - 8,
        numElements: 20,
        timestampStart: e.t[10],
        timestampEnd: e.t[29],
      },
    ]);
    const bytes = concatBytes([head, p1, p2, table]);
    // Patch dataTablePosition (int64 at 14 + 32).
    new DataView(bytes.buffer).setInt32(14 + 32, head.length + p1.length + p2.length, true);
    const { packet, decoder } = decodeAll(bytes);
    expect(packetToArrays(packet)).toEqual(e);
    expect(decoder.stats.issueCount).toBe(0);
    expect(decoder.dataTable?.offsets).toBe('header');
    expect(decoder.dataTable?.position).toBe(head.length + p1.length + p2.length);
  });

  it('reads an infoNode with another layout (no version, no paths)', () => {
    const xml =
      '<?xml version="1.0"?><dv><node name="outInfo"><!-- streams --><node name="4">' +
      '<attr key="typeIdentifier" type="string"> EVTS </attr><node name="info"><attr key="sizeX" type="int">640</attr>' +
      '<attr key=\'sizeY\' type=\'int\'>480</attr><attr key="source" type="string">A &amp; B</attr></node></node></node></dv>';
    const bytes = concatBytes([headerWith(xml), packetBytes(4, eventPayload(makeEvents(3)))]);
    const { packet, decoder } = decodeAll(bytes);
    expect(packet.length).toBe(3);
    expect(decoder.info).toMatchObject({ width: 640, height: 480 });
    expect(decoder.info?.metadata?.source).toBe('A & B');
  });

  it('writes an infoNode in DV’s layout', () => {
    const xml = writeInfoNode({
      streamId: 0,
      sizeX: 346,
      sizeY: 260,
      source: 'DAVIS346 <x>',
      tsOffset: 12,
      compression: 'LZ4',
      moduleName: 'm',
    });
    expect(xml).toContain('<node name="outInfo" path="/mainloop/output_file/outInfo/">');
    expect(xml).toContain('<attr key="typeIdentifier" type="string">EVTS</attr>');
    expect(xml).toContain('<attr key="sizeX" type="int">346</attr>');
    expect(xml).toContain('<attr key="tsOffset" type="long">12</attr>');
    expect(xml).toContain('DAVIS346 &lt;x&gt;');
  });
});

describe('AEDAT 4 network mode', () => {
  function networkStream(
    e: ReturnType<typeof makeEvents>,
    compression: 'none' | 'lz4' = 'lz4',
  ): { header: Uint8Array; packets: Uint8Array } {
    const enc = createAedat4Encoder({ network: true, compression, maxPacketEvents: 64 });
    const header = enc.begin(makeStreamInfo({ width: 640, height: 480, format: 'aedat4' }));
    const packets = concatBytes([enc.encode(toPacket(e)), enc.end()]);
    return { header, packets };
  }

  it('reads the IOHeader without a magic line, then packets', () => {
    const e = makeEvents(300, 21);
    const { header, packets } = networkStream(e);
    expect(header[0]).not.toBe(0x23);
    const { packet, decoder } = run(createAedat4Decoder({ network: true }), [header, packets]);
    expect(packetToArrays(packet)).toEqual(e);
    expect(decoder.info).toMatchObject({ width: 640, height: 480 });
    expect(decoder.ioHeader?.dataTablePosition).toBe(-1);
    expect(decoder.stats.issueCount).toBe(0);
  });

  it('tolerates a repeated IOHeader mid-stream', () => {
    const e = makeEvents(200, 22);
    const { header, packets } = networkStream(e);
    const half = 8 + new DataView(packets.buffer, packets.byteOffset).getInt32(4, true);
    const bytes = concatBytes([header, packets.subarray(0, half), header, packets.subarray(half)]);
    const { packet, decoder } = decodeAll(bytes, { network: true });
    expect(packetToArrays(packet)).toEqual(e);
    expect(decoder.stats.skipped.repeated_io_headers).toBe(1);
    expect(decoder.stats.issueCount).toBe(0);
  });

  it('reads a DV < 1.6 stream with no IOHeader (uncompressed packets typed by identifier)', () => {
    const e = makeEvents(40, 23);
    const bytes = concatBytes([packetBytes(0, eventPayload(e)), packetBytes(1, emptyTypedPacket('IMUS'))]);
    const { packet, decoder } = decodeAll(bytes, { network: true, width: 346, height: 260 });
    expect(packetToArrays(packet)).toEqual(e);
    expect(decoder.ioHeader).toBeUndefined();
    expect(decoder.info).toMatchObject({ width: 346, height: 260, geometrySource: 'user' });
    expect(decoder.stats.skipped.imu_packets).toBe(1);
  });

  it('reports an impossible packet size as soon as its 8 bytes arrive, not when more follow', () => {
    const e = makeEvents(100, 24);
    const { header, packets } = networkStream(e, 'none');
    const decoder = createAedat4Decoder({ network: true });
    let events = decoder.push(header).length + decoder.push(packets).length;
    expect(decoder.stats.fatal).toBeUndefined();
    events += decoder.push(new Uint8Array([0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f])).length;
    expect(events).toBe(100);
    expect(decoder.stats.fatal).toMatchObject({
      field: 'packet header.size',
      byteOffset: header.length + packets.length + 4,
    });
    // an IOHeader's first 8 bytes are not mistaken for damage: a repeated header still decodes
    const again = createAedat4Decoder({ network: true });
    again.push(header);
    again.push(packets);
    again.push(header.subarray(0, 8));
    expect(again.stats.fatal).toBeUndefined();
  });

  it('a file decoder rejects a network stream at the magic line', () => {
    const { header } = networkStream(makeEvents(2));
    const { decoder } = decodeAll(header);
    expect(decoder.stats.fatal).toMatchObject({ byteOffset: 0, field: 'magic' });
  });
});

describe('AEDAT 4 damage', () => {
  it('keeps every complete packet before a truncated one and names the offset', () => {
    const e = makeEvents(1000, 31);
    const bytes = encodeFile(e, { compression: 'lz4', perPacket: 250, dataTable: false });
    const cut = bytes.length - 100;
    const { packet, decoder } = decodeAll(bytes.subarray(0, cut));
    expect(packet.length).toBe(750);
    expect(packetToArrays(packet).t).toEqual(e.t.slice(0, 750));
    const fatal = decoder.stats.fatal!;
    expect(fatal.field).toBe('packet payload');
    expect(fatal.message).toMatch(/truncated/);
    expect(fatal.byteOffset).toBeGreaterThan(0);
  });

  it('rejects an implausible packet size as fatal, after the good packets', () => {
    const e = makeEvents(20, 1);
    const bytes = concatBytes([
      encodeFile(e, { compression: 'none', dataTable: false }),
      new Uint8Array([0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]),
    ]);
    const { packet, decoder } = decodeAll(bytes);
    expect(packet.length).toBe(20);
    expect(decoder.stats.fatal).toMatchObject({ field: 'packet header.size' });
  });

  it('reports a corrupt LZ4 payload and continues with the next packet', () => {
    const e = makeEvents(200, 2);
    const bytes = encodeFile(e, { compression: 'lz4', perPacket: 100, dataTable: false });
    // Corrupt the first packet's LZ4 block size (7 frame-header bytes after the 8-byte packet header).
    const headerLen = 14 + 4 + new DataView(bytes.buffer).getUint32(14, true);
    bytes[headerLen + 8 + 7 + 3] = 0x7f; // block size way over the maximum
    const { packet, decoder } = decodeAll(bytes);
    expect(packet.length).toBe(100);
    expect(decoder.stats.skipped.corrupt_packets).toBe(1);
    expect(decoder.stats.issues[0]).toMatchObject({
      field: 'packet payload',
      byteOffset: headerLen + 8,
      fatal: false,
    });
  });

  it('property: any split of the bytes decodes like the whole', () => {
    const e = makeEvents(600, 41);
    const files = [
      encodeFile(e, { compression: 'lz4', perPacket: 97 }),
      encodeFile(e, { compression: 'none', perPacket: 200, patch: false }),
    ];
    const whole = files.map((f) => decodeAll(f));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.nat(), { maxLength: 12 }), (which, cuts) => {
        const f = files[which];
        const got = run(
          createAedat4Decoder(),
          splitAt(
            f,
            cuts.map((c) => c % (f.length + 1)),
          ),
        );
        expect(packetToArrays(got.packet)).toEqual(packetToArrays(whole[which].packet));
        expect(got.decoder.stats.toJSON()).toEqual(whole[which].decoder.stats.toJSON());
        expect(got.decoder.dataTable).toEqual(whole[which].decoder.dataTable);
      }),
      { numRuns: 35 },
    );
  });

  it('property: network streams split anywhere decode like the whole', () => {
    const e = makeEvents(300, 42);
    const enc = createAedat4Encoder({ network: true, compression: 'lz4', maxPacketEvents: 50 });
    const bytes = concatBytes([
      enc.begin(makeStreamInfo({ width: 640, height: 480, format: 'aedat4' })),
      enc.encode(toPacket(e)),
      enc.end(),
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 10 }), (cuts) => {
        const got = run(createAedat4Decoder({ network: true }), splitAt(bytes, cuts));
        expect(packetToArrays(got.packet)).toEqual(e);
      }),
      { numRuns: 25 },
    );
  });

  it('property: corrupted bytes never throw, never hang, and keep time non-decreasing', () => {
    const e = makeEvents(300, 43);
    const files = [
      encodeFile(e, { compression: 'lz4', perPacket: 60 }),
      encodeFile(e, { compression: 'none', perPacket: 60 }),
      encodeFile(e, { compression: 'zstd', perPacket: 60 }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        (which, edits, network) => {
          const bytes = files[which].slice();
          for (const { at, value } of edits) bytes[at % bytes.length] = value;
          const { packet, decoder } = decodeAll(bytes, { network });
          for (let i = 1; i < packet.length; i++)
            expect(packet.tUs[i]).toBeGreaterThanOrEqual(packet.tUs[i - 1]);
          expect(decoder.stats.events).toBe(packet.length);
        },
      ),
      { numRuns: 90 },
    );
  });

  it('property: WebAssembly and TypeScript kernels give identical events and statistics', () => {
    const t0 = 5_000_000_000;
    const e = makeEvents(400, 44, t0);
    // A −2^32 jump and a small step back inside the data, so every repair path runs.
    e.t[100] -= 2 ** 32;
    for (let i = 101; i < 400; i++) e.t[i] -= 2 ** 32;
    e.t[200] -= 50;
    const files = [
      encodeFile(e, { compression: 'lz4', perPacket: 70 }),
      encodeFile(e, { compression: 'none', perPacket: 70 }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
        (which, edits) => {
          const bytes = files[which].slice();
          for (const { at, value } of edits) bytes[at % bytes.length] = value;
          const a = decodeAll(bytes, { kernels: 'wasm' });
          const b = decodeAll(bytes, { kernels: 'js' });
          expect(packetToArrays(a.packet)).toEqual(packetToArrays(b.packet));
          // Same issues at the same offsets; only LZ4 messages differ (the TypeScript decoder says where in the frame).
          const shape = (d: Aedat4Decoder) => {
            const j = d.stats.toJSON();
            return {
              ...j,
              issues: j.issues.map(({ byteOffset, field, fatal }) => ({ byteOffset, field, fatal })),
              fatal: j.fatal?.field,
            };
          };
          expect(shape(a.decoder)).toEqual(shape(b.decoder));
        },
      ),
      { numRuns: 40 },
    );
    const clean = decodeAll(files[0], { kernels: 'wasm' });
    expect(clean.decoder.stats.repaired).toEqual({ time_wrap_32: 1, time_backwards: 1 });
  });
});
