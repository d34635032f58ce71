import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { SpikestreamClient, streamUrl } from '../../src/client/index.ts';
import { packetFromArrays } from '../../src/events/packet.ts';
import { StreamServer } from '../../src/server/server.ts';
import { makePrediction, startServer, type TestServer, waitFor } from '../server/helpers.ts';

let ts: TestServer | undefined;
const extra: StreamServer[] = [];
const clients: SpikestreamClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await ts?.server.close();
  for (const s of extra.splice(0)) await s.close();
  ts = undefined;
});

async function connect(options: Partial<Parameters<typeof SpikestreamClient.connect>[0]> = {}) {
  if (!ts) throw new Error('no server');
  const c = await SpikestreamClient.connect({ url: ts.wsUrl, ...options });
  clients.push(c);
  return c;
}

describe('streamUrl', () => {
  it('adds the stream path, topics, format and token', () => {
    expect(streamUrl('http://127.0.0.1:8080', ['predictions', 'events'], 'json', 'a b')).toBe(
      'ws://127.0.0.1:8080/v1/stream?topics=predictions%2Cevents&format=json&token=a+b',
    );
  });
});

describe('SpikestreamClient', () => {
  it.each(['msgpack', 'json'] as const)(
    'connects, gets hello, and iterates predictions (%s)',
    async (format) => {
      ts = await startServer();
      const c = await connect({ format });
      expect(c.hello?.format).toBe(format);
      const it = c.predictions();
      ts.server.publishPrediction(makePrediction(1));
      ts.server.publishPrediction(makePrediction(2));
      const a = await it.next();
      const b = await it.next();
      expect([a.value?.label, b.value?.label]).toEqual(['1', '2']);
      expect(a.value?.scores).toEqual([1, null, 3]);
      expect(await c.ping()).toBeGreaterThanOrEqual(0);
    },
  );

  it('decodes events into typed arrays and can change topics', async () => {
    ts = await startServer({
      eventsIntervalMs: 10,
      source: { uri: 'x', width: 8, height: 8, format: 'csv' },
    });
    const c = await connect({ topics: ['predictions'] });
    const got = new Promise<Uint16Array>((resolve) => c.on('events', (e) => resolve(e.x)));
    c.subscribe(['events']);
    await waitFor(() => (ts?.server.metrics.clientsConnected ?? 0) === 1);
    await new Promise((r) => setTimeout(r, 30));
    ts.server.publishPacket(packetFromArrays([1, 2, 3], [7, 6, 5], [0, 0, 0], [1, 0, 1]));
    const x = await got;
    expect(x).toBeInstanceOf(Uint16Array);
    expect(Array.from(x)).toEqual([7, 6, 5]);
  });

  it('rejects when the server refuses the connection (wrong token)', async () => {
    ts = await startServer({ token: 'right' });
    await expect(SpikestreamClient.connect({ url: ts.wsUrl, token: 'wrong' })).rejects.toThrow(
      /could not connect/,
    );
    const ok = await connect({ token: 'right' });
    expect(ok.hello?.protocol).toBe(1);
  });

  it('reconnects with backoff after the server restarts, and the iterator keeps going', async () => {
    ts = await startServer();
    const port = Number(new URL(ts.url).port);
    const c = await connect({ initialBackoffMs: 20, maxBackoffMs: 100 });
    const closes: number[] = [];
    c.on('close', (e) => closes.push(e.code));
    const it = c.predictions();
    ts.server.publishPrediction(makePrediction(1));
    expect((await it.next()).value?.label).toBe('1');
    await ts.server.close();
    ts = undefined;
    const again = new StreamServer({ port, log: () => {} });
    extra.push(again);
    await new Promise((r) => setTimeout(r, 100));
    await again.listen();
    await waitFor(() => again.clientCount === 1, 5000, 'the client to reconnect');
    again.publishPrediction(makePrediction(2));
    expect((await it.next()).value?.label).toBe('2');
    expect(closes[0]).toBe(1001);
  });

  it('ends iterators on close()', async () => {
    ts = await startServer();
    const c = await connect();
    const it = c.predictions();
    const pending = it.next();
    c.close();
    expect((await pending).done).toBe(true);
  });
});

function runProcess(cmd: string, args: string[], onStarted: () => void) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  onStarted();
  return {
    child,
    done: new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, out, err })),
    ),
  };
}

async function feedUntilExit(server: StreamServer, done: Promise<unknown>): Promise<void> {
  let i = 0;
  let finished = false;
  done.then(() => {
    finished = true;
  });
  while (!finished) {
    if (server.clientCount > 0) server.publishPrediction(makePrediction(i++));
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('clients in other processes', () => {
  it('the Python example (websockets + msgpack) receives hello, predictions and events', async () => {
    ts = await startServer({
      token: 'tok',
      eventsIntervalMs: 10,
      source: { uri: 'file:x', width: 34, height: 34, format: 'csv' },
    });
    const proc = runProcess(
      '/usr/bin/python3',
      [
        'examples/python-client/client.py',
        '--url',
        ts.wsUrl,
        '--token',
        'tok',
        '--count',
        '3',
        '--topics',
        'predictions,events',
      ],
      () => {},
    );
    const server = ts.server;
    const feeder = (async () => {
      let t = 0;
      let finished = false;
      proc.done.then(() => {
        finished = true;
      });
      while (!finished) {
        server.publishPacket(packetFromArrays([t, t + 1], [3, 4], [5, 6], [1, 0]));
        t += 2;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await Promise.all([feedUntilExit(server, proc.done), feeder]);
    const { code, out, err } = await proc.done;
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'hello', protocol: 1, topics: ['predictions', 'events'] });
    const preds = lines.filter((l) => l.type === 'prediction');
    expect(preds).toHaveLength(3);
    expect(preds[0]).toMatchObject({
      model: 'test-model',
      scores: [expect.any(Number), null, 3],
      reason: 'first-spike',
    });
    expect(preds[0].deliveryMs).toBeLessThan(1000);
    const events = lines.filter((l) => l.type === 'events');
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ width: 34, height: 34 });
    expect(events[0].firstEvent.slice(1)).toEqual([3, 5, 1]);
  });

  it('the Python example exits 1 with the reason when the token is wrong', async () => {
    ts = await startServer({ token: 'right' });
    const proc = runProcess(
      '/usr/bin/python3',
      ['examples/python-client/client.py', '--url', ts.wsUrl, '--token', 'wrong'],
      () => {},
    );
    const { code, err } = await proc.done;
    expect(code).toBe(1);
    expect(err).toMatch(/connection refused: .*401/);
  });

  it('the Node example prints predictions as JSON lines', async () => {
    ts = await startServer();
    const proc = runProcess(
      'node',
      ['--import', 'tsx', 'examples/node-client/client.ts', '--url', ts.wsUrl, '--count', '2'],
      () => {},
    );
    await feedUntilExit(ts.server, proc.done);
    const { code, out } = await proc.done;
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ type: 'prediction', model: 'test-model' });
    expect(typeof lines[0].deliveryMs).toBe('number');
  });
});
