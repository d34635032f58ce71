/** Test helpers: a server on port 0, raw ws clients that collect decoded messages, predictions. */
import { WebSocket } from 'ws';
import { decodeServerMessage } from '../../src/protocol/codec.ts';
import type { ServerMessage } from '../../src/protocol/messages.ts';
import type { Prediction } from '../../src/protocol/prediction.ts';
import { StreamServer, type StreamServerOptions } from '../../src/server/server.ts';

export interface TestServer {
  server: StreamServer;
  url: string;
  wsUrl: string;
  logs: string[];
}

export async function startServer(options: StreamServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const server = new StreamServer({ port: 0, log: (l) => logs.push(l), ...options });
  const { url } = await server.listen();
  return { server, url, wsUrl: url.replace('http', 'ws'), logs };
}

export interface RawClient {
  ws: WebSocket;
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message matching `pred` (already received or future). */
  next(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
}

export function rawClient(url: string, options?: ConstructorParameters<typeof WebSocket>[2]): RawClient {
  const ws = new WebSocket(url, options);
  const messages: ServerMessage[] = [];
  const waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  ws.on('message', (data, isBinary) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const msg = decodeServerMessage(isBinary ? new Uint8Array(buf) : buf.toString('utf8'));
    messages.push(msg);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(msg)) {
        waiters[i].resolve(msg);
        waiters.splice(i, 1);
      }
    }
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return {
    ws,
    messages,
    closed,
    next(pred, timeoutMs = 3000) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      });
    },
  };
}

/** Status of a refused upgrade (the `unexpected-response` event). */
export function refusedStatus(
  url: string,
  options?: ConstructorParameters<typeof WebSocket>[2],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('connection was accepted'));
    });
    ws.on('error', () => {});
  });
}

export function makePrediction(i: number, model = 'test-model'): Prediction {
  return {
    model,
    label: String(i % 10),
    classIndex: i % 10,
    scores: [i, Number.POSITIVE_INFINITY, 3],
    scoreKind: 'first-spike-time-us',
    windowStartUs: i * 1000,
    windowEndUs: i * 1000 + 1000,
    decisionUs: 250 + i,
    pipelineUs: 80,
    reason: 'first-spike',
    energy: {
      inputEvents: 100,
      spikesPerLayer: [10, 1],
      synapticOps: 1000,
      neuronUpdates: 1000,
      energyJ: 9e-10,
      costTable: 'cmos45nm',
    },
    trueLabel: String(i % 10),
  };
}

export function waitFor(cond: () => boolean, timeoutMs = 3000, label = 'condition'): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) {
        resolve();
        return;
      }
      if (Date.now() - t0 > timeoutMs) {
        reject(new Error(`timed out waiting for ${label}`));
        return;
      }
      setTimeout(tick, 5);
    };
    tick();
  });
}
