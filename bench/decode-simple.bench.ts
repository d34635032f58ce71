/**
 * Decoding speed of the simple formats, M events/s (median of repeats, CPU seconds of this
 * process since the machine is shared), each next to a same-run baseline: a plain scan that
 * reads every byte of the same bytes once (the cost of touching the data), fed in the same
 * 1 MiB chunks the file reader uses.
 *
 *   npm run bench -- decode-simple
 */
import { packetFromArrays, type EventPacket } from '../src/events/packet.ts';
import { makeStreamInfo } from '../src/events/stream-info.ts';
import { CsvDecoder } from '../src/formats/csv/decoder.ts';
import { CsvEncoder } from '../src/formats/csv/encoder.ts';
import { EsDecoder } from '../src/formats/es/decoder.ts';
import { EsEncoder } from '../src/formats/es/encoder.ts';
import { NmnistDecoder } from '../src/formats/nmnist/decoder.ts';
import { NmnistEncoder } from '../src/formats/nmnist/encoder.ts';
import type { EventDecoder, EventEncoder } from '../src/formats/types.ts';
import { type BenchRow, median, millionsPerSecond, sink } from './lib.ts';

const CHUNK = 1 << 20;

/** CPU seconds per repeat (process.cpuUsage): what the code got of a shared machine. */
function cpuRepeats(fn: () => void, repeats: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1e6);
  }
  return out;
}

/** Saccade-like events: small time steps, coordinates within width×height. */
function makeEvents(n: number, width: number, height: number): EventPacket {
  const t = new Float64Array(n);
  const x = new Uint16Array(n);
  const y = new Uint16Array(n);
  const p = new Uint8Array(n);
  let s = 987654321;
  let time = 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = s >>> 0;
    time += r & 3;
    t[i] = time;
    x[i] = (r >>> 8) % width;
    y[i] = (r >>> 18) % height;
    p[i] = (r >>> 30) & 1;
  }
  return packetFromArrays(t, x, y, p);
}

function encode(enc: EventEncoder, packet: EventPacket, width: number, height: number): Uint8Array {
  const parts = [
    enc.begin(makeStreamInfo({ width, height, format: 'bench' })),
    enc.encode(packet),
    enc.end(),
  ];
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function decodeAll(make: () => EventDecoder, bytes: Uint8Array): number {
  const d = make();
  let n = 0;
  for (let o = 0; o < bytes.length; o += CHUNK) n += d.push(bytes.subarray(o, o + CHUNK)).length;
  n += d.end().length;
  if (d.stats.fatal) throw new Error(`bench input failed to decode: ${d.stats.fatal.message}`);
  return n;
}

/** Reads every byte once, chunk by chunk (the baseline). */
function scanAll(bytes: Uint8Array): number {
  let acc = 0;
  for (let o = 0; o < bytes.length; o += CHUNK) {
    const c = bytes.subarray(o, o + CHUNK);
    for (let i = 0; i < c.length; i++) acc = (acc + c[i]) | 0;
  }
  return acc;
}

interface Case {
  name: string;
  events: number;
  width: number;
  height: number;
  encoder: () => EventEncoder;
  decoder: () => EventDecoder;
  target?: number;
}

export default async function (): Promise<BenchRow[]> {
  const cases: Case[] = [
    {
      name: 'nmnist',
      events: 4_000_000,
      width: 34,
      height: 34,
      encoder: () => new NmnistEncoder(),
      decoder: () => new NmnistDecoder(),
      target: 150,
    },
    {
      name: 'es',
      events: 4_000_000,
      width: 346,
      height: 260,
      encoder: () => new EsEncoder(),
      decoder: () => new EsDecoder(),
    },
    {
      name: 'csv',
      events: 1_000_000,
      width: 640,
      height: 480,
      encoder: () => new CsvEncoder(),
      decoder: () => new CsvDecoder(),
    },
  ];
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const packet = makeEvents(c.events, c.width, c.height);
    const bytes = encode(c.encoder(), packet, c.width, c.height);
    const repeats = 9;
    const dec = cpuRepeats(
      () => {
        sink.value += decodeAll(c.decoder, bytes);
      },
      repeats,
      2,
    );
    const scan = cpuRepeats(
      () => {
        sink.value += scanAll(bytes);
      },
      repeats,
      2,
    );
    const decRates = millionsPerSecond(c.events, dec);
    const scanRates = millionsPerSecond(c.events, scan);
    rows.push({
      group: 'decode',
      name: c.name,
      value: median(decRates),
      unit: 'M ev/s',
      baseline: median(scanRates),
      baselineName: 'byte scan',
      target: c.target,
      higherIsBetter: true,
      note: `${c.events / 1e6} M events, ${(bytes.length / 1e6).toFixed(1)} MB in 1 MiB chunks, CPU time`,
      samples: decRates,
    });
  }
  return rows;
}
