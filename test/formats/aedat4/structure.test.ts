import { decompress as fzstdDecompress } from 'fzstd';
import { decompress as lz4jsDecompress } from 'lz4js';
import { describe, expect, it } from 'vitest';
import { FlatView } from '../../../src/formats/aedat4/flatbuffers.ts';
import { parseInfoNode } from '../../../src/formats/aedat4/info-node.ts';
import { readDataTable, readIoHeader } from '../../../src/formats/aedat4/schema.ts';
import { zstdStoredFrame } from '../../../src/formats/aedat4/zstd.ts';
import { encodeFile, makeEvents } from './helpers.ts';

describe('AEDAT 4 writer: file structure as DV writes it', () => {
  it('magic, IOHeader, packets, and an LZ4 data table whose offsets point at payloads', () => {
    const e = makeEvents(1000, 12);
    const bytes = encodeFile(e, { compression: 'lz4', perPacket: 300 });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 14))).toBe('#!AER-DAT4.0\r\n');
    const headerSize = view.getUint32(14, true);
    const fb = new FlatView(bytes.subarray(18, 18 + headerSize));
    expect(fb.identifier()).toBe('IOHE');
    const header = readIoHeader(fb);
    expect(header.compression).toBe(1);
    const streams = parseInfoNode(header.infoNode);
    expect(streams).toEqual([
      expect.objectContaining({
        id: 0,
        typeIdentifier: 'EVTS',
        sizeX: 640,
        sizeY: 480,
        source: 'spikestream',
        tsOffset: 0,
      }),
    ]);
    expect(streams[0].attributes).toMatchObject({ compression: 'LZ4', originalOutputName: 'events' });
    // The data table, LZ4-compressed like DV's, at the patched position.
    const tablePos = header.dataTablePosition;
    expect(tablePos).toBeGreaterThan(18 + headerSize);
    const table = new Uint8Array(lz4jsDecompress(bytes.subarray(tablePos)));
    const entries = readDataTable(new FlatView(table.subarray(4)));
    expect(entries.map((x) => x.numElements)).toEqual([300, 300, 300, 100]);
    let expectedHeader = 18 + headerSize;
    for (const entry of entries) {
      expect(entry.byteOffset).toBe(expectedHeader + 8); // DV: ByteOffset points at the payload
      expect(view.getInt32(expectedHeader, true)).toBe(entry.streamId);
      expect(view.getInt32(expectedHeader + 4, true)).toBe(entry.size);
      expect(view.getUint32(entry.byteOffset, true)).toBe(0x184d2204); // an LZ4 frame
      const payload = new Uint8Array(
        lz4jsDecompress(bytes.subarray(entry.byteOffset, entry.byteOffset + entry.size)),
      );
      expect(new TextDecoder().decode(payload.subarray(8, 12))).toBe('EVTS');
      expectedHeader = entry.byteOffset + entry.size;
    }
    expect(expectedHeader).toBe(tablePos);
    expect(entries[0].timestampStart).toBe(e.t[0]);
    expect(entries[3].timestampEnd).toBe(e.t[999]);
  });
});

describe('stored zstd frames', () => {
  it('are read by fzstd, empty and across several 128 KiB raw blocks', () => {
    for (const n of [0, 1, 131072, 131073, 300000]) {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = (i * 31) & 0xff;
      const back = fzstdDecompress(zstdStoredFrame(data));
      expect(back.length).toBe(n);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    }
  });
});
