/**
 * Serial sources: sustained decode rates of the eDVS E2 and spikeframe byte streams against a
 * plain byte scan of the same bytes, and the latency from a device's write to the packet
 * reaching a subscriber of the `edvs:` driver through a socat pseudo-terminal, against the raw
 * pty latency (write on one end, 'data' on the other) measured in the same run.
 */
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import { edvsDriver } from '../drivers/edvs/driver.ts';
import { packetFromArrays } from '../src/events/packet.ts';
import { createEdvsDecoder, createEdvsEncoder } from '../src/formats/edvs/index.ts';
import { createSpikeframeDecoder, createSpikeframeEncoder } from '../src/formats/spike-serial/index.ts';
import { EdvsEmulator } from '../test/drivers/edvs-emulator.ts';
import { openPtyPair } from '../test/helpers/pty.ts';
import { type BenchRow, median, millionsPerSecond, percentile, sink, timeRepeats } from './lib.ts';

const EVENTS = 2_000_000;
const CHUNK = 64 * 1024;

function syntheticEvents(n: number) {
  const t = new Float64Array(n);
  const x = new Uint16Array(n);
  const y = new Uint16Array(n);
  const p = new Uint8Array(n);
  let s = 12345;
  let time = 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    time += s % 7;
    t[i] = time;
    x[i] = (s >>> 8) & 127;
    y[i] = (s >>> 16) & 127;
    p[i] = s & 1;
  }
  return packetFromArrays(t, x, y, p);
}

/** The baseline: touch every byte once (what any decoder must at least do). */
function byteScan(bytes: Uint8Array): number {
  let acc = 0;
  for (let o = 0; o < bytes.length; o += CHUNK) {
    const end = Math.min(bytes.length, o + CHUNK);
    for (let i = o; i < end; i++) acc += bytes[i] >> 7;
  }
  return acc;
}

function decodeRates(): BenchRow[] {
  const events = syntheticEvents(EVENTS);
  const edvs = createEdvsEncoder({ format: 'E2' }).encode(events);
  const sfEnc = createSpikeframeEncoder({ channels: 128, eventsPerFrame: 200 });
  const sfFrames = [
    sfEnc.hello(),
    ...sfEnc.events(
      packetFromArrays(
        events.tUs,
        events.x,
        events.y.map(() => 0),
        events.p,
      ),
    ),
  ];
  let sfLen = 0;
  for (const f of sfFrames) sfLen += f.length;
  const spikeframe = new Uint8Array(sfLen);
  let o = 0;
  for (const f of sfFrames) {
    spikeframe.set(f, o);
    o += f.length;
  }

  const run = (bytes: Uint8Array, make: () => { push(c: Uint8Array): { length: number } }) => () => {
    const d = make();
    let n = 0;
    for (let i = 0; i < bytes.length; i += CHUNK) n += d.push(bytes.subarray(i, i + CHUNK)).length;
    if (n !== EVENTS) throw new Error(`decoded ${n} of ${EVENTS} events`);
    sink.value += n;
  };
  const opts = { repeats: 5, warmup: 1 };
  const scanE = millionsPerSecond(
    EVENTS,
    timeRepeats(() => (sink.value += byteScan(edvs)), opts),
  );
  const edvsRate = millionsPerSecond(
    EVENTS,
    timeRepeats(
      run(edvs, () => createEdvsDecoder({ format: 'E2' })),
      opts,
    ),
  );
  const scanS = millionsPerSecond(
    EVENTS,
    timeRepeats(() => (sink.value += byteScan(spikeframe)), opts),
  );
  const sfRate = millionsPerSecond(
    EVENTS,
    timeRepeats(
      run(spikeframe, () => createSpikeframeDecoder()),
      opts,
    ),
  );
  return [
    {
      group: 'serial',
      name: 'edvs E2 decode',
      value: median(edvsRate),
      unit: 'M ev/s',
      baseline: median(scanE),
      baselineName: 'byte scan',
      target: 3,
      higherIsBetter: true,
      note: `${EVENTS} events, 4 B each, ${CHUNK} B chunks; 12 Mbaud carries at most 0.3 M ev/s`,
      samples: edvsRate,
    },
    {
      group: 'serial',
      name: 'spikeframe decode',
      value: median(sfRate),
      unit: 'M ev/s',
      baseline: median(scanS),
      baselineName: 'byte scan',
      higherIsBetter: true,
      note: `${(spikeframe.length / EVENTS).toFixed(2)} B/event incl. COBS + CRC-16`,
      samples: sfRate,
    },
  ];
}

const LAT_EVENTS = 1000;
const LAT_REPEATS = 3;

/** Writes one event per ~1 ms on `write`, returns the write times (ms) by event index. */
async function paced(write: (i: number) => void): Promise<Float64Array> {
  const sent = new Float64Array(LAT_EVENTS);
  for (let i = 0; i < LAT_EVENTS; i++) {
    sent[i] = performance.now();
    write(i);
    await new Promise((r) => setTimeout(r, 1));
  }
  return sent;
}

/** Baseline: raw pty, 4-byte writes on the device end, 'data' on the host end; latencies in µs. */
async function rawPtyLatency(): Promise<number[]> {
  const raw = await openPtyPair();
  const lat: number[] = [];
  try {
    const host = new SerialPort({ path: raw.a, baudRate: 12_000_000 });
    const dev = new SerialPort({ path: raw.b, baudRate: 12_000_000 });
    await Promise.all([host, dev].map((p) => new Promise((r) => p.once('open', r))));
    const got: number[] = [];
    host.on('data', (c: Buffer) => {
      const now = performance.now();
      for (let k = 0; k + 3 < c.length; k += 4) got.push(now);
    });
    const msg = Buffer.from([0x80, 0x00, 0x00, 0x00]);
    const sent = await paced(() => dev.write(msg));
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < Math.min(got.length, LAT_EVENTS); i++) lat.push((got[i] - sent[i]) * 1000);
    await Promise.all([host, dev].map((p) => new Promise((r) => p.close(r))));
  } finally {
    await raw.close();
  }
  return lat;
}

/** Target: the edvs: driver (decoder, queue, Observable) after its open sequence; µs. */
async function edvsLatency(): Promise<number[]> {
  const pair = await openPtyPair();
  const lat: number[] = [];
  try {
    const emu = await EdvsEmulator.open(pair.b);
    const src = await edvsDriver.open(new URL(`edvs:${pair.a}?reset_ms=500`));
    await emu.started();
    const recv = new Float64Array(LAT_EVENTS).fill(Number.NaN);
    const sub = src.packets.subscribe((p) => {
      const now = performance.now();
      for (let k = 0; k < p.length; k++) recv[p.tUs[k]] = now; // t carries the event index
    });
    const enc = createEdvsEncoder({ format: 'E2' });
    const sent = await paced((i) => {
      void emu.write(enc.encode(packetFromArrays([i], [i & 127], [0], [1])));
    });
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < LAT_EVENTS; i++) if (!Number.isNaN(recv[i])) lat.push((recv[i] - sent[i]) * 1000);
    sub.unsubscribe();
    await src.close();
    await emu.close();
  } finally {
    await pair.close();
  }
  return lat;
}

async function latency(): Promise<BenchRow[]> {
  // Baseline and target alternate, so a burst of load on a shared machine hits both.
  const raw50: number[] = [];
  const raw99: number[] = [];
  const drv50: number[] = [];
  const drv99: number[] = [];
  let received = 0;
  for (let r = 0; r < LAT_REPEATS; r++) {
    const raw = await rawPtyLatency();
    raw50.push(percentile(raw, 50));
    raw99.push(percentile(raw, 99));
    const drv = await edvsLatency();
    drv50.push(percentile(drv, 50));
    drv99.push(percentile(drv, 99));
    received += drv.length;
  }
  const note = `median of ${LAT_REPEATS} runs × ${LAT_EVENTS} events paced ~1/ms through a socat pty; received ${received}/${LAT_REPEATS * LAT_EVENTS}`;
  return [
    {
      group: 'serial',
      name: 'edvs pty→packet latency p50',
      value: median(drv50),
      unit: 'µs',
      baseline: median(raw50),
      baselineName: 'raw pty p50',
      higherIsBetter: false,
      note,
      samples: drv50,
    },
    {
      group: 'serial',
      name: 'edvs pty→packet latency p99',
      value: median(drv99),
      unit: 'µs',
      baseline: median(raw99),
      baselineName: 'raw pty p99',
      target: 5000,
      higherIsBetter: false,
      note,
      samples: drv99,
    },
  ];
}

export default async function (): Promise<BenchRow[]> {
  return [...decodeRates(), ...(await latency())];
}
