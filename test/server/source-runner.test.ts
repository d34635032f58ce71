import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedSource, SourceStatus } from '../../drivers/contract.ts';
import { emptySourceStats } from '../../drivers/contract.ts';
import { DecodeError, SpikestreamError } from '../../src/events/errors.ts';
import { type EventPacket, packetFromArrays } from '../../src/events/packet.ts';
import { makeStreamInfo } from '../../src/events/stream-info.ts';
import type { ModelSpec } from '../../src/model/schema.ts';
import { SourceRunner } from '../../src/server/source-runner.ts';
import { StreamServer } from '../../src/server/server.ts';
import type { MetricsMessage } from '../../src/protocol/messages.ts';
import { rawClient, waitFor } from './helpers.ts';

function model(): ModelSpec {
  const weights = new Float32Array(8 * 3);
  for (let j = 0; j < 8; j++) weights[j * 3 + (j % 3)] = 10;
  return {
    name: 'tiny',
    description: '',
    timeUnitUs: 1000,
    inputShape: [2, 2, 2],
    layers: [{ type: 'dense', size: 3, neuron: { tauS: 1, threshold: 1, maxSpikes: 1 }, weights }],
    inputMapping: { kind: 'events', sensorWidth: 2, sensorHeight: 2, polarity: 'split' },
    readout: { kind: 'first-spike', window: 1 },
    labels: ['a', 'b', 'c'],
  };
}

function fakeSource(): { source: OpenedSource; packets: Subject<EventPacket> } {
  const packets = new Subject<EventPacket>();
  const status = new Subject<SourceStatus>();
  return {
    packets,
    source: {
      uri: 'fake:x',
      info: makeStreamInfo({ width: 2, height: 2, format: 'fake' }),
      packets: packets.asObservable(),
      status: status.asObservable(),
      stats: emptySourceStats(),
      close: async () => {},
    },
  };
}

let runner: SourceRunner | undefined;
let server: StreamServer | undefined;
afterEach(async () => {
  await runner?.stop();
  await server?.close();
});

describe('SourceRunner', () => {
  it('feeds packets to the server and predictions out, then reopens a failed source with backoff', async () => {
    server = new StreamServer({ port: 0, log: () => {} });
    const opened: ReturnType<typeof fakeSource>[] = [];
    let attempts = 0;
    const logs: string[] = [];
    runner = new SourceRunner({
      uri: 'fake:x',
      server,
      classifiers: [{ model: model() }],
      initialBackoffMs: 10,
      log: (l) => logs.push(l),
      open: async () => {
        attempts++;
        if (attempts === 2) throw new SpikestreamError('E_GONE', 'device unplugged');
        const f = fakeSource();
        opened.push(f);
        return f.source;
      },
    });
    await runner.opened;
    expect(server.metrics.sourceState).toBe('open');
    opened[0].packets.next(packetFromArrays([0, 100, 5000], [0, 1, 0], [0, 0, 1], [1, 1, 1]));
    expect(server.metrics.eventsIn).toBe(3);
    expect(server.metrics.modelMetrics()[0].predictions).toBe(1);
    opened[0].packets.error(new SpikestreamError('E_IO', 'read failed'));
    await waitFor(() => opened.length === 2, 3000, 'the source to be reopened');
    expect(server.metrics.sourceState).toBe('open');
    expect(server.metrics.sourceReconnects).toBe(1);
    expect(logs.some((l) => /read failed; reopening/.test(l))).toBe(true);
    expect(logs.some((l) => /device unplugged; retrying/.test(l))).toBe(true);
  });

  it('reports a source that ends and does not replay it', async () => {
    server = new StreamServer({ port: 0, log: () => {} });
    let attempts = 0;
    const f = fakeSource();
    runner = new SourceRunner({
      uri: 'fake:x',
      server,
      classifiers: [{ model: model() }],
      log: () => {},
      open: async () => {
        attempts++;
        return f.source;
      },
    });
    await runner.opened;
    f.packets.complete();
    await runner.done;
    expect(server.metrics.sourceState).toBe('ended');
    expect(attempts).toBe(1);
  });

  it("exposes the live source's driver counters in /metrics and metrics messages, cumulative across reopenings", async () => {
    server = new StreamServer({ port: 0, log: () => {}, metricsIntervalMs: 20 });
    const opened: ReturnType<typeof fakeSource>[] = [];
    runner = new SourceRunner({
      uri: 'fake:x',
      server,
      classifiers: [{ model: model() }],
      initialBackoffMs: 10,
      log: () => {},
      open: async () => {
        const f = fakeSource();
        opened.push(f);
        return f.source;
      },
    });
    await runner.opened;
    const { url } = await server.listen();
    const scrape = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();

    // The driver updates its stats object in place while streaming.
    const first = opened[0].source.stats;
    first.bytes = 1000;
    first.events = 90;
    first.reconnects = 2;
    first.dropped['queue_full'] = 7;
    first.skipped['resync_bytes'] = 5;
    first.repaired['timestamp_backwards'] = 3;
    let text = await scrape();
    expect(text).toMatch(/^spikestream_source_bytes_total 1000$/m);
    expect(text).toMatch(/^spikestream_source_driver_reconnects_total 2$/m);
    expect(text).toMatch(/^spikestream_source_dropped_total\{reason="queue_full"\} 7$/m);
    expect(text).toMatch(/^spikestream_source_skipped_total\{kind="resync_bytes"\} 5$/m);
    expect(text).toMatch(/^spikestream_source_repaired_total\{kind="timestamp_backwards"\} 3$/m);
    expect(text).toMatch(/^# TYPE spikestream_source_dropped_total counter$/m);

    // The source fails and is reopened: the new source's counters add to the old ones.
    opened[0].packets.error(new SpikestreamError('E_IO', 'read failed'));
    await waitFor(() => opened.length === 2 && server?.metrics.sourceState === 'open', 3000, 'the reopen');
    const second = opened[1].source.stats;
    second.bytes = 10;
    second.dropped['queue_full'] = 1;
    second.dropped['filter'] = 4;
    text = await scrape();
    expect(text).toMatch(/^spikestream_source_bytes_total 1010$/m);
    expect(text).toMatch(/^spikestream_source_dropped_total\{reason="queue_full"\} 8$/m);
    expect(text).toMatch(/^spikestream_source_dropped_total\{reason="filter"\} 4$/m);
    expect(text).toMatch(/^spikestream_source_reconnects_total 1$/m);

    const client = rawClient(`${url.replace('http', 'ws')}/v1/stream?topics=metrics&format=json`);
    try {
      const msg = (await client.next(
        (m) => m.type === 'metrics' && m.source.stats?.bytes === 1010,
      )) as MetricsMessage;
      expect(msg.source.stats).toEqual({
        bytes: 1010,
        events: 90,
        reconnects: 2,
        dropped: { queue_full: 8, filter: 4 },
        skipped: { resync_bytes: 5 },
        repaired: { timestamp_backwards: 3 },
      });
      expect(msg.source.reconnects).toBe(1);
    } finally {
      client.ws.close();
      await client.closed;
    }
  });

  it('rejects at start for a source that cannot work (bad bytes), and gives up later on one', async () => {
    server = new StreamServer({ port: 0, log: () => {} });
    runner = new SourceRunner({
      uri: 'fake:x',
      server,
      classifiers: [{ model: model() }],
      log: () => {},
      open: async () => {
        throw new DecodeError('rec.bin', 12, 'header', 'bad magic');
      },
    });
    await expect(runner.opened).rejects.toThrow(/rec.bin: byte 12: header: bad magic/);
  });
});
