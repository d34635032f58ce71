/**
 * Issue 6 acceptance, end to end: `spikestream serve --source edvs:/dev/pts/N --model …` run as a
 * real child process streams predictions from an emulated eDVS on the other end of a socat pty
 * pair, and shuts down cleanly on SIGTERM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SpikestreamClient } from '../../src/client/index.ts';
import { type EventPacket, slicePacket } from '../../src/events/packet.ts';
import { readRecording } from '../../src/formats/open.ts';
import { createEdvsEncoder } from '../../src/formats/edvs/index.ts';
import type { PredictionMessage } from '../../src/protocol/messages.ts';
import { EdvsEmulator } from '../drivers/edvs-emulator.ts';
import { openPtyPair } from '../helpers/pty.ts';
import { type ServeProcess, startServe } from './serve-cli.ts';

const MODEL_DIR = 'models/nmnist-emulated-relaxed';
const RECORDING = 'recordings/demo-nmnist.aedat4';
/** Device time covered by one written chunk, µs (well under E2's 65.536 ms wrap). */
const CHUNK_US = 10_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/**
 * Replays the shipped N-MNIST demo recording (34×34, real digits) through the emulated eDVS as E2
 * bytes, one 10 ms slice of device time every 10 ms of wall time, until stopped or played out.
 */
function paceEvents(emu: EdvsEmulator, events: EventPacket): { stop: () => Promise<void> } {
  const encoder = createEdvsEncoder({ format: 'E2' });
  let stopped = false;
  const loop = (async () => {
    let from = 0;
    for (let sliceEnd = CHUNK_US; !stopped && from < events.length; sliceEnd += CHUNK_US) {
      let to = from;
      while (to < events.length && events.tUs[to] - events.tUs[0] < sliceEnd) to++;
      if (to > from) {
        await emu.write(encoder.encode(slicePacket(events, from, to))).catch(() => undefined);
        from = to;
      }
      await new Promise((r) => setTimeout(r, CHUNK_US / 1000));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe('serve --source edvs: (issue 6 acceptance)', () => {
  it('streams predictions from an emulated eDVS over a pty to a WebSocket client and exits cleanly on SIGTERM', async () => {
    // The first two digits only: 0.68 s of device time.
    const recording = await readRecording(RECORDING);
    let n = 0;
    while (n < recording.packet.length && recording.packet.tUs[n] - recording.packet.tUs[0] < 700_000) n++;
    const digits = slicePacket(recording.packet, 0, n);
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const emu = await EdvsEmulator.open(pair.b);
    cleanups.push(() => emu.close());

    const servePromise = startServe([
      '--source',
      `edvs:${pair.a}?baud=4000000&format=E2&reset_ms=5000`,
      '--model',
      MODEL_DIR,
      '--window',
      'activity:20/2ms/315ms',
    ]);
    // The open sequence ends with E+; only then does the device stream. A serve that dies first
    // fails the test with its stderr instead of waiting for the timeout.
    await Promise.race([emu.started(), servePromise]);
    await emu.started();
    expect(emu.commands.slice(-2)).toEqual(['!E2', 'E+']);
    const pacer = paceEvents(emu, digits);
    cleanups.push(() => pacer.stop());
    const serve: ServeProcess = await servePromise;
    cleanups.push(async () => {
      if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
      await serve.exited;
    });

    const client = await SpikestreamClient.connect({
      url: serve.url.replace('http', 'ws'),
      reconnect: false,
    });
    cleanups.push(async () => client.close());
    expect(client.hello?.source).toMatchObject({
      uri: expect.stringMatching(/^edvs:/),
      width: 128,
      height: 128,
      format: 'edvs-e2',
    });
    expect(client.hello?.models.map((m) => m.name)).toEqual(['nmnist-emulated-relaxed']);

    const got: PredictionMessage[] = [];
    for await (const p of client.predictions()) {
      got.push(p);
      if (got.length === 2) break;
    }
    for (const p of got) {
      expect(p.model).toBe('nmnist-emulated-relaxed');
      expect(p.scores).toHaveLength(10);
      expect(p.classIndex).toBeGreaterThanOrEqual(0);
      expect(p.classIndex).toBeLessThan(10);
      expect(p.windowEndUs).toBeGreaterThan(p.windowStartUs);
    }
    // One activity window per digit: the second starts after the first one's 50 ms of quiet.
    expect(got[1].windowStartUs).toBeGreaterThan(got[0].windowEndUs);

    client.close();
    await pacer.stop();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(/SIGTERM: closing clients and the source/);
    // Closing the source stops the device's stream.
    expect(emu.commands).toContain('E-');
  }, 30_000);
});
