/**
 * AEDAT decoding speed, M events/s (median of repeats), each next to a baseline measured in the
 * same run: a plain scan that reads every 32-bit word of the same bytes the decoder parses
 * (the decompressed payloads for compressed files), i.e. the cost of touching the data once.
 * For LZ4 also: our LZ4 frame decoder vs lz4js on the same frames (MB/s of output).
 * Times are CPU seconds of this process (see timeRepeats below).
 */
import { decompress as lz4jsDecompress } from 'lz4js';
import { packetFromArrays } from '../src/events/packet.ts';
import { makeStreamInfo } from '../src/events/stream-info.ts';
import type { EventPacket } from '../src/events/packet.ts';
import { createAedat2Decoder, createAedat2Encoder } from '../src/formats/aedat2/index.ts';
import { createAedat3Decoder, createAedat3Encoder } from '../src/formats/aedat3/index.ts';
import { createAedat4Decoder, createAedat4Encoder } from '../src/formats/aedat4/index.ts';
import type { EventDecoder, EventEncoder } from '../src/formats/types.ts';
import { lz4DecodeFrame, OutputBuffer } from '../src/formats/aedat4/lz4.ts';
import { WasmKernels } from '../src/formats/aedat4/wasm-kernels.ts';
import { type BenchRow, median, millionsPerSecond, sink } from './lib.ts';

/**
 * Like lib.ts timeRepeats, but in CPU seconds of this process (process.cpuUsage) rather than
 * wall seconds: the machine is shared by several jobs at once, and "M ev/s on one core" means
 * events per second of CPU the decoder actually got. Target and baseline use the same clock.
 */
function timeRepeats(fn: () => void, options: { repeats: number; warmup: number }): number[] {
  for (let i = 0; i < options.warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1e6);
  }
  return out;
}

const EVENTS = 1_000_000;

/** DV-like events: Unix-µs time with small steps, clustered coordinates on a 640×480 sensor. */
function makeEvents(n: number) {
  const t = new Float64Array(n);
  const x = new Uint16Array(n);
  const y = new Uint16Array(n);
  const p = new Uint8Array(n);
  let s = 12345;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  let time = 1_605_537_493_718_345;
  let cx = 320;
  let cy = 240;
  for (let i = 0; i < n; i++) {
    time += Math.floor(rnd() * 4);
    if (rnd() < 0.01) {
      cx = Math.floor(rnd() * 600) + 20;
      cy = Math.floor(rnd() * 440) + 20;
    }
    t[i] = time;
    x[i] = cx + Math.floor(rnd() * 40) - 20;
    y[i] = cy + Math.floor(rnd() * 40) - 20;
    p[i] = rnd() < 0.5 ? 1 : 0;
  }
  return packetFromArrays(t, x, y, p);
}

function encode(compression: 'none' | 'lz4' | 'zstd', perPacket: number): Uint8Array {
  const enc = createAedat4Encoder({ compression, maxPacketEvents: perPacket });
  const parts = [enc.begin(makeStreamInfo({ width: 640, height: 480, format: 'aedat4' }))];
  parts.push(enc.encode(makeEvents(EVENTS)), enc.end());
  const bytes = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const part of parts) {
    bytes.set(part, o);
    o += part.length;
  }
  for (const patch of enc.patches()) bytes.set(patch.bytes, patch.offset);
  return bytes;
}

/** The packets' payloads of an AEDAT 4 file (walks the packet headers; stops at the table). */
function payloads(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerSize = view.getUint32(14, true);
  const tablePos = Number(view.getBigInt64(14 + 4 + 28, true));
  const end = tablePos > 0 ? tablePos : file.length;
  const out: Uint8Array[] = [];
  for (let o = 18 + headerSize; o + 8 <= end; ) {
    const size = view.getInt32(o + 4, true);
    out.push(file.subarray(o + 8, o + 8 + size));
    o += 8 + size;
  }
  return out;
}

/** Reads every 32-bit word of each buffer (the baseline scan). */
function scanWords(buffers: readonly Uint8Array[]): number {
  let acc = 0;
  for (const b of buffers) {
    const words = new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
    for (let i = 0; i < words.length; i++) acc = (acc + words[i]) | 0;
  }
  return acc;
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function encodeWith(encoder: EventEncoder, events: EventPacket, width: number, height: number): Uint8Array {
  const head = encoder.begin(makeStreamInfo({ width, height, format: 'x' }));
  return concatAll([head, encoder.encode(events), encoder.end()]);
}

/** Bytes of records after a `#` header: the baseline scans them. */
function afterHeader(file: Uint8Array, headerEnd: string): Uint8Array {
  const text = new TextDecoder('latin1').decode(file.subarray(0, 4096));
  const at = text.indexOf(headerEnd) + headerEnd.length;
  return file.slice(at, at + ((file.length - at) & ~3));
}

function decodeFile(file: Uint8Array, make: () => EventDecoder = createAedat4Decoder): number {
  const d = make();
  const chunk = 1 << 20;
  let n = 0;
  for (let o = 0; o < file.length; o += chunk) n += d.push(file.subarray(o, o + chunk)).length;
  n += d.end().length;
  if (n !== EVENTS) throw new Error(`decoded ${n} events, expected ${EVENTS}`);
  return n;
}

export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const opts = { repeats: 7, warmup: 4 };
  const lz4File = encode('lz4', 2048);
  const lz4Payloads = payloads(lz4File);
  const decompressed = lz4Payloads.map((p) => lz4jsDecompress(p));
  for (const codec of ['none', 'lz4', 'zstd'] as const) {
    const file = codec === 'lz4' ? lz4File : encode(codec, 2048);
    const raw = codec === 'lz4' ? decompressed : payloads(file).map((p) => p.slice());
    const target = codec === 'lz4' ? 50 : undefined;
    // Baseline first: the decoder's garbage is collected on helper threads whose CPU time would
    // otherwise be charged to the baseline.
    const base = millionsPerSecond(
      EVENTS,
      timeRepeats(() => {
        sink.value += scanWords(raw);
      }, opts),
    );
    const samples = millionsPerSecond(
      EVENTS,
      timeRepeats(() => {
        sink.value += decodeFile(file);
      }, opts),
    );
    rows.push({
      group: 'decode',
      name: `aedat4-${codec}`,
      value: median(samples),
      unit: 'M ev/s',
      baseline: median(base),
      baselineName: 'word scan',
      target,
      higherIsBetter: true,
      note: `${EVENTS} events, 2048/packet, ${(file.length / EVENTS).toFixed(1)} B/event`,
      samples,
    });
  }
  // AEDAT 2.0 (DAVIS346 layout) and AEDAT 3.1: same events, times made relative (32-bit formats).
  const events = makeEvents(EVENTS);
  const t0 = events.tUs[0];
  for (let i = 0; i < EVENTS; i++) (events.tUs as Float64Array)[i] -= t0;
  const legacy: [string, Uint8Array, () => EventDecoder, string][] = [
    [
      'aedat2',
      encodeWith(createAedat2Encoder(), events, 640, 480),
      createAedat2Decoder,
      '#End Of ASCII Header\r\n',
    ],
    [
      'aedat3',
      encodeWith(createAedat3Encoder({ maxPacketEvents: 4096 }), events, 640, 480),
      createAedat3Decoder,
      '#!END-HEADER\r\n',
    ],
  ];
  for (const [name, file, make, end] of legacy) {
    const raw = [afterHeader(file, end)];
    // Baseline first: the decoder's garbage is collected on helper threads whose CPU time would
    // otherwise be charged to the baseline.
    const base = millionsPerSecond(
      EVENTS,
      timeRepeats(() => {
        sink.value += scanWords(raw);
      }, opts),
    );
    const samples = millionsPerSecond(
      EVENTS,
      timeRepeats(() => {
        sink.value += decodeFile(file, make);
      }, opts),
    );
    rows.push({
      group: 'decode',
      name,
      value: median(samples),
      unit: 'M ev/s',
      baseline: median(base),
      baselineName: 'word scan',
      higherIsBetter: true,
      note: `${EVENTS} events, ${(file.length / EVENTS).toFixed(1)} B/event`,
      samples,
    });
  }
  // LZ4 alone: our decoder vs lz4js, MB/s of decompressed output.
  const outBytes = decompressed.reduce((a, b) => a + b.length, 0);
  const buffer = new OutputBuffer(1 << 16);
  const ours = timeRepeats(() => {
    for (const p of lz4Payloads) sink.value += lz4DecodeFrame(p, buffer);
  }, opts).map((s) => outBytes / s / 1e6);
  const theirs = timeRepeats(() => {
    for (const p of lz4Payloads) sink.value += lz4jsDecompress(p).length;
  }, opts).map((s) => outBytes / s / 1e6);
  const wasm = WasmKernels.create();
  if (wasm) {
    const wasmRates = timeRepeats(() => {
      for (const p of lz4Payloads) sink.value += wasm.decodeFrame(p).length;
    }, opts).map((s) => outBytes / s / 1e6);
    rows.push({
      group: 'decode',
      name: 'lz4-frame (ours, wasm)',
      value: median(wasmRates),
      unit: 'MB/s',
      baseline: median(theirs),
      baselineName: 'lz4js',
      higherIsBetter: true,
      note: `${lz4Payloads.length} DV-style frames, ${(outBytes / 1e6).toFixed(1)} MB out; used by the decoder`,
      samples: wasmRates,
    });
  }
  rows.push({
    group: 'decode',
    name: 'lz4-frame (ours, typescript)',
    value: median(ours),
    unit: 'MB/s',
    baseline: median(theirs),
    baselineName: 'lz4js',
    higherIsBetter: true,
    note: `${lz4Payloads.length} DV-style frames, ${(outBytes / 1e6).toFixed(1)} MB out; fallback without WebAssembly`,
    samples: ours,
  });
  return rows;
}
