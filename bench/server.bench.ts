/**
 * Server and classifier benchmarks (issue 5), each next to a baseline measured in the same run:
 *
 * 1. Fan-out: one server (child process) sends predictions to 100 WebSocket clients (this
 *    process); delivery = client receive time − the message's sentAtMs (same machine clock).
 *    Baseline: the same with 1 client. Then the same 100 clients plus one stalled client (socket
 *    paused): the others' p99 should change by < 20 %.
 * 2. Replay to prediction at maximum speed: packets of 1024 events through the classifier with a
 *    2×34×34 → 400 → 10 relaxed network (100 ms windows), CPU time. Baseline: the same events fed
 *    straight into the network (no mapping, windows or decisions).
 * 3. pipelineUs at real time, 100 k events/s: 1 ms packets of 100 events paced by a timer, each
 *    stamped with arrivalMs, through a TTFS classifier on 10 ms windows. Baseline: wall time from
 *    arrival to the end of the push of the same packets through a mapping-only pass.
 *
 * Uses the shipped models (models/nmnist-emulated-relaxed, -ttfs) when they exist, else
 * networks of the same shape with seeded random weights (said in the row note).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { packetFromArrays, type EventPacket } from '../src/events/packet.ts';
import { loadModel } from '../src/model/loader.ts';
import type { ModelSpec } from '../src/model/schema.ts';
import { Classifier } from '../src/operators/classify/classifier.ts';
import { EventInputMapper } from '../src/model/input-mapping.ts';
import { decodeServerMessage } from '../src/protocol/codec.ts';
import { compileNetwork } from '../src/snn/network.ts';
import { type BenchRow, median, percentile } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticModel(kind: 'relaxed' | 'ttfs', seed: number): ModelSpec {
  const r = rng(seed);
  const w = (n: number, lo: number, hi: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
    return a;
  };
  const maxSpikes = kind === 'relaxed' ? 30 : 1;
  return {
    name: `synthetic-${kind}`,
    description: 'bench network',
    timeUnitUs: 1000,
    inputShape: [2, 34, 34],
    layers: [
      {
        type: 'dense',
        size: 400,
        neuron: { tauS: 10, threshold: 200, maxSpikes },
        weights: w(2312 * 400, -1, 1.2),
      },
      // A TTFS output layer with a lower threshold, so windows are decided by a first spike.
      {
        type: 'dense',
        size: 10,
        neuron: { tauS: 10, threshold: kind === 'ttfs' ? 10 : 150, maxSpikes },
        weights: w(4000, -1, 1.2),
      },
    ],
    inputMapping: { kind: 'events', sensorWidth: 34, sensorHeight: 34, polarity: 'split' },
    readout: kind === 'relaxed' ? { kind: 'spike-count', window: 100 } : { kind: 'first-spike', window: 10 },
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

function modelFor(kind: 'relaxed' | 'ttfs'): { model: ModelSpec; note: string } {
  const dir = join(root, 'models', `nmnist-emulated-${kind}`);
  if (existsSync(join(dir, 'model.json')))
    return { model: loadModel(dir), note: `models/nmnist-emulated-${kind}` };
  return {
    model: syntheticModel(kind, kind === 'relaxed' ? 2 : 3),
    note: 'synthetic 2x34x34-400-10 (no shipped model yet)',
  };
}

/** Digit-like events: a blob of active pixels on the 34×34 sensor, `rate` events/s of sensor time. */
function makeEvents(n: number, rate: number, seed: number): EventPacket {
  const r = rng(seed);
  const t = new Float64Array(n);
  const x = new Uint16Array(n);
  const y = new Uint16Array(n);
  const p = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    t[k] = Math.floor((k * 1e6) / rate);
    x[k] = 7 + Math.floor(r() * 20);
    y[k] = 7 + Math.floor(r() * 20);
    p[k] = r() < 0.5 ? 0 : 1;
  }
  return packetFromArrays(t, x, y, p);
}

function slices(all: EventPacket, size: number): EventPacket[] {
  const out: EventPacket[] = [];
  for (let i = 0; i < all.length; i += size) {
    const e = Math.min(all.length, i + size);
    out.push({
      length: e - i,
      tUs: all.tUs.subarray(i, e),
      x: all.x.subarray(i, e),
      y: all.y.subarray(i, e),
      p: all.p.subarray(i, e),
    });
  }
  return out;
}

/** The machine's load, which decides wall-clock tails on shared machines. */
function load(): string {
  return `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;
}

function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

// ------------------------------------------------------------------------------------------------
// 1. Fan-out

/** Time between two predictions, ms (100 predictions/s: a busy multi-model server). */
const GAP_MS = 10;

const SERVER_SCRIPT = `
import { StreamServer } from ${JSON.stringify(join(root, 'src/server/server.ts'))};
import { createInterface } from 'node:readline';
const server = new StreamServer({ port: 0, heartbeatMs: 0, maxClients: 1000, log: () => {} });
const { port } = await server.listen();
process.stdout.write('port ' + port + '\\n');
const prediction = (i) => ({
  model: 'bench', label: String(i % 10), classIndex: i % 10, scores: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  scoreKind: 'spike-count', windowStartUs: i * 1000, windowEndUs: i * 1000 + 1000, decisionUs: 500,
  pipelineUs: 100, reason: 'window-end',
  energy: { inputEvents: 1000, spikesPerLayer: [300, 20], synapticOps: 400000, neuronUpdates: 400000, energyJ: 3.6e-7, costTable: 'cmos45nm' },
});
let seq = 0;
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, n, gapMs] = line.split(' ');
  if (cmd === 'burst') {
    let cpu = 0;
    for (let i = 0; i < Number(n); i++) {
      const c0 = process.cpuUsage();
      server.publishPrediction(prediction(seq++));
      const c = process.cpuUsage(c0);
      cpu += c.user + c.system;
      await new Promise((r) => setTimeout(r, Number(gapMs)));
    }
    process.stdout.write('done ' + server.metrics.clientsClosedSlow + ' ' + cpu / Number(n) + '\\n');
  } else if (cmd === 'quit') {
    await server.close();
    process.exit(0);
  }
});
`;

interface FanoutServer {
  child: ChildProcess;
  port: number;
  send(line: string): Promise<string>;
}

function startFanoutServer(): Promise<FanoutServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SERVER_SCRIPT], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let buf = '';
  const waiters: ((line: string) => void)[] = [];
  child.stdout?.on('data', (d) => {
    buf += d;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiters.shift()?.(line);
      nl = buf.indexOf('\n');
    }
  });
  const next = (): Promise<string> => new Promise((resolve) => waiters.push(resolve));
  return next().then((first) => ({
    child,
    port: Number(first.split(' ')[1]),
    send(line: string) {
      const p = next();
      child.stdin?.write(`${line}\n`);
      return p;
    },
  }));
}

async function connectClients(port: number, n: number, delays: number[]): Promise<WebSocket[]> {
  const url = `ws://127.0.0.1:${port}/v1/stream?topics=predictions&format=msgpack`;
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.binaryType = 'nodebuffer';
          ws.on('message', (data: Buffer) => {
            const now = performance.timeOrigin + performance.now();
            const m = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.length));
            if (m.type === 'prediction') delays.push(now - m.sentAtMs);
            else if (m.type === 'hello') resolve(ws);
          });
          ws.on('error', reject);
        }),
    ),
  );
}

async function fanout(
  server: FanoutServer,
  clients: number,
  stalled: boolean,
  messages: number,
): Promise<{ p50: number; p99: number; closedSlow: string; publishCpuUs: number }> {
  const delays: number[] = [];
  const ws = await connectClients(server.port, clients, delays);
  let stall: WebSocket | undefined;
  if (stalled) {
    [stall] = await connectClients(server.port, 1, []);
    stall.pause();
  }
  const done = await server.send(`burst ${messages} ${GAP_MS}`);
  const deadline = Date.now() + 10_000;
  while (delays.length < clients * messages && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  for (const w of ws) w.terminate();
  stall?.terminate();
  await new Promise((r) => setTimeout(r, 100));
  const [, closedSlow, cpu] = done.split(' ');
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), closedSlow, publishCpuUs: Number(cpu) };
}

async function benchFanout(rows: BenchRow[]): Promise<void> {
  const server = await startFanoutServer();
  try {
    const repeats = 3;
    const one: number[] = [];
    const hundred: number[] = [];
    const hundredStalled: number[] = [];
    const p50s: number[] = [];
    const cpuOne: number[] = [];
    const cpuHundred: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const o = await fanout(server, 1, false, 150);
      one.push(o.p99);
      cpuOne.push(o.publishCpuUs);
      const h = await fanout(server, 100, false, 150);
      hundred.push(h.p99);
      p50s.push(h.p50);
      cpuHundred.push(h.publishCpuUs);
      hundredStalled.push((await fanout(server, 100, true, 150)).p99);
    }
    rows.push({
      group: 'server',
      name: 'fan-out 100 clients p99 delivery',
      value: median(hundred),
      unit: 'ms',
      baseline: median(one),
      baselineName: '1 client',
      target: 10,
      higherIsBetter: false,
      note: `150 predictions every ${GAP_MS} ms, msgpack, clients in one process; p50 ${median(p50s).toFixed(2)} ms; ${load()}`,
      samples: hundred,
    });
    rows.push({
      group: 'server',
      name: 'fan-out publish CPU per prediction, 100 clients',
      value: median(cpuHundred),
      unit: 'µs',
      baseline: median(cpuOne),
      baselineName: '1 client',
      higherIsBetter: false,
      note: 'server process CPU time of publishPrediction (encode once + one send per client); load-independent',
      samples: cpuHundred,
    });
    const change = (median(hundredStalled) / median(hundred) - 1) * 100;
    rows.push({
      group: 'server',
      name: 'fan-out 100 + 1 stalled client p99',
      value: median(hundredStalled),
      unit: 'ms',
      baseline: median(hundred),
      baselineName: 'no stalled client',
      target: median(hundred) * 1.2,
      higherIsBetter: false,
      note: `p99 change ${change.toFixed(1)} % (target < 20 %); ${load()}`,
      samples: hundredStalled,
    });
  } finally {
    server.child.stdin?.write('quit\n');
    await new Promise((r) => server.child.once('exit', r));
  }
}

// ------------------------------------------------------------------------------------------------
// 2. Replay to prediction at maximum speed

function benchThroughput(rows: BenchRow[]): void {
  const { model, note } = modelFor('relaxed');
  const all = makeEvents(150_000, 10_000, 7); // 15 s of sensor time at 10 k ev/s: 150 windows of 100 ms
  const packets = slices(all, 1024);
  const classifierRates: number[] = [];
  const networkRates: number[] = [];
  let predictions = 0;
  // same kernel as the classifier's networks, so the ratio compares like with like
  const net = compileNetwork(model, { kernel: 'auto' });
  const mapper = new EventInputMapper(
    model.inputMapping as ConstructorParameters<typeof EventInputMapper>[0],
  );
  const times = new Float64Array(all.length);
  const indices = new Int32Array(all.length);
  const windowUs = 100_000;
  for (let r = 0; r < 3; r++) {
    const c = new Classifier({ model, window: { kind: 'fixed', lengthUs: windowUs } });
    predictions = 0;
    const sec = cpuSeconds(() => {
      for (const p of packets) c.push(p, () => predictions++);
      c.flush(() => predictions++);
    });
    classifierRates.push(all.length / sec / 1e6);
    // Baseline: the same windows fed straight into the network, pre-mapped outside the timing.
    let w0 = all.tUs[0];
    let start = 0;
    const spans: [number, number, number][] = [];
    for (let i = 0; i <= all.length; i++) {
      if (i === all.length || all.tUs[i] >= w0 + windowUs) {
        spans.push([start, i, w0]);
        if (i < all.length) {
          w0 += windowUs;
          start = i;
        }
      }
    }
    for (const [s, e, origin] of spans)
      mapper.map(all, s, e, origin, model.timeUnitUs, times.subarray(s), indices.subarray(s));
    const secNet = cpuSeconds(() => {
      for (const [s, e] of spans) {
        net.reset(0);
        net.feed(times.subarray(s, e), indices.subarray(s, e), e - s);
        net.advance(windowUs / model.timeUnitUs);
      }
    });
    networkRates.push(all.length / secNet / 1e6);
  }
  rows.push({
    group: 'server',
    name: 'replay to prediction (relaxed, max speed)',
    value: median(classifierRates),
    unit: 'M events/s',
    baseline: median(networkRates),
    baselineName: 'network.feed alone',
    target: 1,
    higherIsBetter: true,
    note: `CPU time; ${note}; 1024-event packets, 100 ms windows, ${predictions} predictions`,
    samples: classifierRates,
  });
}

// ------------------------------------------------------------------------------------------------
// 3. pipelineUs at a real-time 100 k events/s

async function paced(packets: readonly EventPacket[], handle: (p: EventPacket) => void): Promise<void> {
  const t0 = performance.now();
  for (let k = 0; k < packets.length; k++) {
    const due = t0 + k; // one 1 ms packet per ms
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    while (performance.now() < due) {
      // spin the last half millisecond for an accurate arrival time
    }
    handle({ ...packets[k], arrivalMs: performance.now() });
  }
}

async function benchRealtimeLatency(rows: BenchRow[]): Promise<void> {
  const { model, note } = modelFor('ttfs');
  const all = makeEvents(200_000, 100_000, 11); // 2 s at 100 k ev/s
  const packets = slices(all, 100);
  const c = new Classifier({ model, window: { kind: 'fixed', lengthUs: 10_000 } });
  const pipeline: number[] = [];
  let early = 0;
  await paced(packets, (p) =>
    c.push(p, (pred) => {
      pipeline.push(pred.pipelineUs);
      if (pred.reason === 'first-spike') early++;
    }),
  );
  c.flush(() => {});
  const mapper = new EventInputMapper(
    model.inputMapping as ConstructorParameters<typeof EventInputMapper>[0],
  );
  const times = new Float64Array(100);
  const indices = new Int32Array(100);
  const floor: number[] = [];
  await paced(packets, (p) => {
    mapper.map(p, 0, p.length, 0, 1000, times, indices);
    floor.push((performance.now() - (p.arrivalMs ?? 0)) * 1000);
  });
  rows.push({
    group: 'server',
    name: 'pipelineUs p50 at 100 k ev/s (TTFS)',
    value: percentile(pipeline, 50),
    unit: 'µs',
    baseline: percentile(floor, 50),
    baselineName: 'mapping only',
    higherIsBetter: false,
    note: `${pipeline.length} predictions (${early} at a first spike), 10 ms windows, 1 ms packets; ${note}`,
  });
  rows.push({
    group: 'server',
    name: 'pipelineUs p99 at 100 k ev/s (TTFS)',
    value: percentile(pipeline, 99),
    unit: 'µs',
    baseline: percentile(floor, 99),
    baselineName: 'mapping only',
    target: 2000,
    higherIsBetter: false,
    note: `wall clock from packet arrival to prediction hand-off; ${load()}`,
  });
}

export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  await benchFanout(rows);
  benchThroughput(rows);
  await benchRealtimeLatency(rows);
  return rows;
}
