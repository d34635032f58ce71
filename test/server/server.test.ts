import { afterEach, describe, expect, it } from 'vitest';
import { packetFromArrays } from '../../src/events/packet.ts';
import { encodeClientMessage } from '../../src/protocol/codec.ts';
import type {
  ErrorMessage,
  EventsMessage,
  HelloMessage,
  MetricsMessage,
  PredictionMessage,
  ServerMessage,
} from '../../src/protocol/messages.ts';
import { StreamServer, type StreamServerOptions } from '../../src/server/server.ts';
import {
  makePrediction,
  type RawClient,
  rawClient,
  refusedStatus,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.ts';

const models: StreamServerOptions['models'] = [
  {
    summary: {
      name: 'test-model',
      method: 'ttfs',
      labels: ['0', '1', '2'],
      layerSizes: [4, 3],
      window: 'fixed 1000 µs',
      decision: 'first spike',
      costTable: 'cmos45nm',
      hasCard: true,
    },
    card: '# Test model\n\nA card.',
  },
];
const source = { uri: 'file:test.evt3', width: 34, height: 34, format: 'evt3' };

let ts: TestServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await ts?.server.close();
  ts = undefined;
});

function client(path: string, options?: Parameters<typeof rawClient>[1]): RawClient {
  if (!ts) throw new Error('no server');
  const c = rawClient(`${ts.wsUrl}${path}`, options);
  clients.push(c);
  return c;
}

const isType =
  <T extends ServerMessage['type']>(type: T) =>
  (m: ServerMessage): boolean =>
    m.type === type;

describe('StreamServer WebSocket', () => {
  it('greets with hello naming protocol, models, source, topics and format', async () => {
    ts = await startServer({ models, source });
    const c = client('/v1/stream?topics=predictions,events&format=json');
    const hello = (await c.next(isType('hello'))) as HelloMessage;
    expect(hello).toMatchObject({
      protocol: 1,
      server: 'spikestream',
      topics: ['predictions', 'events'],
      format: 'json',
      source,
      eventsEncoding: { tUs: 'float64le', x: 'uint16le', y: 'uint16le', p: 'uint8' },
    });
    expect(hello.models[0].name).toBe('test-model');
    expect(typeof hello.serverVersion).toBe('string');
  });

  it('sends the same prediction content to JSON and msgpack clients, with send time', async () => {
    ts = await startServer({ models, source });
    const j = client('/v1/stream?format=json');
    const m = client('/v1/stream?format=msgpack');
    await Promise.all([j.next(isType('hello')), m.next(isType('hello'))]);
    const before = performance.timeOrigin + performance.now();
    ts.server.publishPrediction(makePrediction(3));
    const a = (await j.next(isType('prediction'))) as PredictionMessage;
    const b = (await m.next(isType('prediction'))) as PredictionMessage;
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      model: 'test-model',
      label: '3',
      seq: 1,
      scores: [3, null, 3],
      trueLabel: '3',
    });
    expect(a.sentAtMs).toBeGreaterThanOrEqual(before);
  });

  it('delivers only subscribed topics and lets a client change them', async () => {
    ts = await startServer({ models, source, metricsIntervalMs: 20 });
    const c = client('/v1/stream?topics=metrics&format=json');
    await c.next(isType('metrics'));
    ts.server.publishPrediction(makePrediction(1));
    c.ws.send(encodeClientMessage({ type: 'subscribe', topics: ['predictions'] }, 'json'));
    await c.next(isType('subscribed'));
    ts.server.publishPrediction(makePrediction(2));
    const p = (await c.next(isType('prediction'))) as PredictionMessage;
    expect(p.label).toBe('2');
    expect(c.messages.filter(isType('prediction'))).toHaveLength(1);
  });

  it('answers ping with pong carrying the id, in msgpack too', async () => {
    ts = await startServer();
    const c = client('/v1/stream');
    await c.next(isType('hello'));
    c.ws.send(encodeClientMessage({ type: 'ping', id: 'abc' }, 'msgpack'));
    expect(await c.next(isType('pong'))).toMatchObject({ type: 'pong', id: 'abc' });
  });

  it('answers malformed messages with a clear error, logs once, and keeps serving', async () => {
    ts = await startServer();
    const c = client('/v1/stream?format=json');
    await c.next(isType('hello'));
    c.ws.send('{not json');
    c.ws.send('{not json either');
    c.ws.send(JSON.stringify({ type: 'subscribe', topics: ['frames'] }));
    await waitFor(() => c.messages.filter(isType('error')).length === 3);
    const errors = c.messages.filter(isType('error')) as ErrorMessage[];
    expect(errors.map((e) => e.code)).toEqual(['E_BAD_MESSAGE', 'E_BAD_MESSAGE', 'E_UNKNOWN_TOPIC']);
    expect(errors[2].message).toMatch(/unknown topic "frames"/);
    expect(ts.logs.filter((l) => l.includes('E_BAD_MESSAGE'))).toHaveLength(1);
    ts.server.publishPrediction(makePrediction(5));
    expect(((await c.next(isType('prediction'))) as PredictionMessage).label).toBe('5');
    expect(ts.server.metrics.badMessages).toBe(3);
  });

  it('refuses unknown topics and formats in the URL with an error and close 1008', async () => {
    ts = await startServer();
    const a = client('/v1/stream?topics=predictions,frames');
    expect(((await a.next(isType('error'))) as ErrorMessage).message).toMatch(/unknown topic "frames"/);
    expect((await a.closed).code).toBe(1008);
    const b = client('/v1/stream?format=xml');
    expect((await b.closed).code).toBe(1008);
    expect(ts.server.metrics.rejected).toMatchObject({ topic: 1, format: 1 });
  });

  it('closes a client sending an oversized frame (1009) and keeps serving others', async () => {
    ts = await startServer({ maxPayloadBytes: 1024 });
    const big = client('/v1/stream?format=json');
    const ok = client('/v1/stream?format=json');
    await Promise.all([big.next(isType('hello')), ok.next(isType('hello'))]);
    big.ws.send('x'.repeat(5000));
    expect((await big.closed).code).toBe(1009);
    ts.server.publishPrediction(makePrediction(1));
    await ok.next(isType('prediction'));
  });

  it('streams decimated events with geometry, never more than the configured count', async () => {
    ts = await startServer({ source, eventsIntervalMs: 10, maxEventsPerMessage: 64 });
    const c = client('/v1/stream?topics=events&format=msgpack');
    await c.next(isType('hello'));
    await waitFor(() => ts?.server.clientCount === 1);
    const n = 1000;
    const t = Array.from({ length: n }, (_, i) => 5000 + i);
    ts.server.publishPacket(
      packetFromArrays(
        t,
        t.map((v) => v % 34),
        t.map((v) => v % 7),
        t.map((v) => v & 1),
      ),
    );
    const ev = (await c.next(isType('events'))) as EventsMessage;
    expect(ev).toMatchObject({ width: 34, height: 34, received: n, startUs: 5000, endUs: 6000 });
    expect(ev.count).toBeLessThanOrEqual(64);
    expect(ev.count).toBeGreaterThanOrEqual(32);
    // Kept events are real ones, in stream order, evenly spread.
    for (let i = 0; i < ev.count; i++) {
      expect(ev.x[i]).toBe(ev.tUs[i] % 34);
      if (i > 0) expect(ev.tUs[i]).toBeGreaterThan(ev.tUs[i - 1]);
    }
    expect(ev.tUs[ev.count - 1]).toBeGreaterThan(5000 + n / 2);
  });

  it('reports source errors to every client and counts them in metrics', async () => {
    ts = await startServer({ source, metricsIntervalMs: 20 });
    const c = client('/v1/stream?topics=metrics&format=json');
    await c.next(isType('hello'));
    ts.server.setSourceState('open');
    ts.server.publishPacket(packetFromArrays([1, 2], [0, 1], [0, 0], [1, 0]));
    ts.server.setSourceState('error', 'file:test.evt3: byte 40: header: bad magic');
    const err = (await c.next(isType('error'))) as ErrorMessage;
    expect(err).toMatchObject({ code: 'E_SOURCE', message: 'file:test.evt3: byte 40: header: bad magic' });
    const m = (await c.next((x) => x.type === 'metrics' && x.source.state === 'error')) as MetricsMessage;
    expect(m.source).toMatchObject({ eventsIn: 2, lastError: 'file:test.evt3: byte 40: header: bad magic' });
  });

  it('limits connections: the one over the limit is closed with 1013 and a reason', async () => {
    ts = await startServer({ maxClients: 2 });
    const a = client('/v1/stream');
    const b = client('/v1/stream');
    await Promise.all([a.next(isType('hello')), b.next(isType('hello'))]);
    const c = client('/v1/stream');
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1013, reason: 'server full: 2 clients connected' });
    expect(ts.server.clientCount).toBe(2);
  });

  it('closes every client with 1001 and a reason on shutdown', async () => {
    ts = await startServer();
    const a = client('/v1/stream');
    await a.next(isType('hello'));
    await ts.server.close('bye for now');
    expect(await a.closed).toEqual({ code: 1001, reason: 'bye for now' });
  });

  it('drops a peer that stops answering heartbeats', async () => {
    ts = await startServer({ heartbeatMs: 50 });
    const dead = client('/v1/stream');
    const alive = client('/v1/stream');
    await Promise.all([dead.next(isType('hello')), alive.next(isType('hello'))]);
    dead.ws.pause();
    await waitFor(() => ts?.server.clientCount === 1, 3000, 'the dead peer to be dropped');
    expect(ts.logs.some((l) => /no pong/.test(l))).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
  });
});

describe('StreamServer slow clients', () => {
  it('drops events then closes a stalled client while a healthy one gets every prediction', async () => {
    ts = await startServer({
      source,
      eventsQueueLimitBytes: 16 * 1024,
      hardQueueLimitBytes: 256 * 1024,
      eventsIntervalMs: 5,
      maxEventsPerMessage: 4096,
      heartbeatMs: 0,
    });
    const healthy = client('/v1/stream?topics=predictions,events');
    const stalled = client('/v1/stream?topics=predictions,events');
    await Promise.all([healthy.next(isType('hello')), stalled.next(isType('hello'))]);
    stalled.ws.pause();
    const n = 4096;
    const t = Array.from({ length: n }, (_, i) => i);
    const packet = packetFromArrays(
      t,
      t.map((v) => v % 34),
      t.map((v) => v % 34),
      t.map((v) => v & 1),
    );
    const delays: number[] = [];
    healthy.ws.on('message', () => {});
    let sent = 0;
    const deadline = Date.now() + 15_000;
    while (ts.server.metrics.clientsClosedSlow === 0 && Date.now() < deadline) {
      for (let i = 0; i < 50; i++) ts.server.publishPrediction(makePrediction(sent++));
      ts.server.publishPacket(packet);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(ts.server.metrics.clientsClosedSlow).toBe(1);
    expect(ts.server.metrics.dropped.events).toBeGreaterThan(0);
    expect(ts.logs.some((l) => /client too slow: \d+ bytes queued > 262144; closed with 1013/.test(l))).toBe(
      true,
    );
    // The healthy client keeps receiving everything, in order, with a small delivery delay.
    for (let i = 0; i < 50; i++) ts.server.publishPrediction(makePrediction(sent++));
    await waitFor(
      () => healthy.messages.filter(isType('prediction')).length === sent,
      10_000,
      'all predictions',
    );
    const preds = healthy.messages.filter(isType('prediction')) as PredictionMessage[];
    preds.forEach((p, i) => {
      expect(p.seq).toBe(i + 1);
    });
    for (const p of preds.slice(-50)) delays.push(performance.timeOrigin + performance.now() - p.sentAtMs);
    expect(Math.min(...delays)).toBeLessThan(1000);
    await waitFor(() => ts?.server.clientCount === 1, 3000, 'the stalled client to go');
  }, 60_000);
});

describe('StreamServer auth and origin', () => {
  it('requires the token when configured, from the query or a Bearer header', async () => {
    ts = await startServer({ token: 's3cret' });
    expect(await refusedStatus(`${ts.wsUrl}/v1/stream`)).toBe(401);
    expect(await refusedStatus(`${ts.wsUrl}/v1/stream?token=wrong`)).toBe(401);
    const q = client('/v1/stream?token=s3cret');
    await q.next(isType('hello'));
    const h = client('/v1/stream', { headers: { authorization: 'Bearer s3cret' } });
    await h.next(isType('hello'));
    expect(ts.server.metrics.rejected.token).toBe(2);
    expect(ts.logs.filter((l) => l.includes('wrong token'))).toHaveLength(1);
  });

  it('accepts browsers from its own origin and the allow-list only', async () => {
    ts = await startServer({ allowedOrigins: ['http://app.example'] });
    const own = client('/v1/stream', { origin: ts.url });
    await own.next(isType('hello'));
    const listed = client('/v1/stream', { origin: 'http://app.example' });
    await listed.next(isType('hello'));
    expect(await refusedStatus(`${ts.wsUrl}/v1/stream`, { origin: 'http://evil.example' })).toBe(403);
  });

  it('refuses upgrades on other paths with 404', async () => {
    ts = await startServer();
    expect(await refusedStatus(`${ts.wsUrl}/stream`)).toBe(404);
  });
});

describe('StreamServer HTTP', () => {
  it('serves healthz, the dashboard, models, cards and 404/405', async () => {
    ts = await startServer({ models, source });
    const health = await fetch(`${ts.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', clients: 0 });
    const page = await fetch(`${ts.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<canvas id="events"/);
    expect((await fetch(`${ts.url}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    const api = await (await fetch(`${ts.url}/api/models`)).json();
    expect(api).toMatchObject({ models: [{ name: 'test-model' }], source });
    expect(await (await fetch(`${ts.url}/api/models/test-model/card`)).text()).toBe(
      '# Test model\n\nA card.',
    );
    expect((await fetch(`${ts.url}/api/models/nope/card`)).status).toBe(404);
    expect((await fetch(`${ts.url}/nope`)).status).toBe(404);
    expect((await fetch(`${ts.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('exposes Prometheus text with events, predictions, latency buckets, spikes, drops and clients', async () => {
    ts = await startServer({ models, source });
    const c = client('/v1/stream');
    await c.next(isType('hello'));
    ts.server.publishPacket(packetFromArrays([1, 2, 3], [0, 1, 2], [0, 0, 0], [1, 1, 0]));
    ts.server.publishPrediction(makePrediction(1));
    ts.server.publishPrediction({ ...makePrediction(2), pipelineUs: 3000 });
    const res = await fetch(`${ts.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE spikestream_events_in_total counter\nspikestream_events_in_total 3\n');
    expect(text).toContain('spikestream_predictions_total{model="test-model",reason="first-spike"} 2');
    expect(text).toContain('spikestream_pipeline_latency_seconds_bucket{model="test-model",le="0.0001"} 1');
    expect(text).toContain('spikestream_pipeline_latency_seconds_bucket{model="test-model",le="0.005"} 2');
    expect(text).toContain('spikestream_pipeline_latency_seconds_bucket{model="test-model",le="+Inf"} 2');
    expect(text).toContain('spikestream_pipeline_latency_seconds_count{model="test-model"} 2');
    expect(text).toContain('spikestream_layer_spikes_total{model="test-model",layer="1"} 2');
    expect(text).toContain(
      'spikestream_energy_joules_total{model="test-model",cost_table="cmos45nm"} 1.8e-9',
    );
    expect(text).toContain('spikestream_clients 1');
    expect(text).toContain('spikestream_messages_dropped_total{topic="events"} 0');
    // Every sample line is NAME{labels} VALUE.
    for (const line of text.trim().split('\n')) {
      if (!line.startsWith('#')) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [-+0-9.eInfNa]+$/);
    }
  });

  it('measures agreement between models on overlapping windows', async () => {
    ts = await startServer({ metricsIntervalMs: 20 });
    const a = (i: number, label: string, start: number, end: number) => ({
      ...makePrediction(i, 'ttfs'),
      label,
      windowStartUs: start,
      windowEndUs: end,
    });
    ts.server.publishPrediction(a(1, '3', 0, 100));
    ts.server.publishPrediction({ ...a(2, '3', 0, 1000), model: 'relaxed' }); // overlaps, agrees
    ts.server.publishPrediction(a(3, '4', 900, 1000)); // overlaps relaxed's, disagrees
    ts.server.publishPrediction({ ...a(4, '5', 5000, 6000), model: 'relaxed' }); // no overlap
    expect(ts.server.metrics.message().agreement).toEqual([
      { models: ['relaxed', 'ttfs'], compared: 2, agreed: 1, rate: 0.5 },
    ]);
    const text = await (await fetch(`${ts.url}/metrics`)).text();
    expect(text).toContain('spikestream_model_pairs_compared_total{model_a="relaxed",model_b="ttfs"} 2');
    expect(text).toContain('spikestream_model_pairs_agreed_total{model_a="relaxed",model_b="ttfs"} 1');
  });

  it('guards /metrics and /api with the token but leaves healthz and the dashboard open', async () => {
    ts = await startServer({ token: 'tok', models });
    expect((await fetch(`${ts.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${ts.url}/api/models`)).status).toBe(401);
    expect((await fetch(`${ts.url}/metrics`, { headers: { authorization: 'Bearer tok' } })).status).toBe(200);
    expect((await fetch(`${ts.url}/api/models?token=tok`)).status).toBe(200);
    expect((await fetch(`${ts.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${ts.url}/`)).status).toBe(200);
  });

  it('validates options eagerly, naming the option and value', () => {
    expect(() => new StreamServer({ port: 70000 })).toThrow(
      /"port" must be an integer in \[0, 65535\], got 70000/,
    );
    expect(() => new StreamServer({ maxClients: 0 })).toThrow(/"maxClients" must be an integer >= 1, got 0/);
    expect(() => new StreamServer({ token: '' })).toThrow(/"token" must not be empty/);
    expect(() => new StreamServer({ eventsQueueLimitBytes: 10, hardQueueLimitBytes: 5 })).toThrow(
      /hardQueueLimitBytes/,
    );
  });
});
