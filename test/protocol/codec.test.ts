import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  columnBytesLE,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  ProtocolError,
} from '../../src/protocol/codec.ts';
import {
  type EventsMessage,
  type PredictionMessage,
  parseTopics,
  predictionFromMessage,
  predictionMessage,
} from '../../src/protocol/messages.ts';
import type { Prediction } from '../../src/protocol/prediction.ts';

const prediction: Prediction = {
  model: 'nmnist-ttfs',
  label: '7',
  classIndex: 7,
  scores: [Number.POSITIVE_INFINITY, 1200.5, 3000, Number.POSITIVE_INFINITY, 1, 2, 3, 1100, 9, 9],
  scoreKind: 'first-spike-time-us',
  windowStartUs: 1_000_000,
  windowEndUs: 1_100_000,
  decisionUs: 1100,
  pipelineUs: 153.25,
  reason: 'first-spike',
  energy: {
    inputEvents: 812,
    spikesPerLayer: [120, 1],
    synapticOps: 12345,
    neuronUpdates: 12345,
    energyJ: 1.1e-8,
    costTable: 'cmos45nm',
  },
  trueLabel: '7',
};

function eventsMessage(t: number[], x: number[], y: number[], p: number[]): EventsMessage {
  return {
    type: 'events',
    seq: 3,
    width: 34,
    height: 34,
    startUs: t[0] ?? 0,
    endUs: (t[t.length - 1] ?? 0) + 1,
    received: t.length * 2,
    count: t.length,
    tUs: Float64Array.from(t),
    x: Uint16Array.from(x),
    y: Uint16Array.from(y),
    p: Uint8Array.from(p),
  };
}

describe('prediction messages', () => {
  it('carry the same content in JSON and msgpack, with never-fired scores as null', () => {
    const msg = predictionMessage(prediction, 41, 1234.5);
    const fromJson = decodeServerMessage(encodeServerMessage(msg, 'json'));
    const fromPack = decodeServerMessage(encodeServerMessage(msg, 'msgpack'));
    expect(fromJson).toEqual(fromPack);
    expect(fromJson).toEqual(msg);
    expect((fromJson as PredictionMessage).scores[0]).toBeNull();
    expect(predictionFromMessage(msg)).toEqual(prediction);
  });

  it('omit trueLabel when the source does not know it (no undefined on the wire)', () => {
    const { trueLabel: _, ...unlabelled } = prediction;
    const msg = predictionMessage(unlabelled, 1, 0);
    expect('trueLabel' in msg).toBe(false);
    const bytes = encodeServerMessage(msg, 'msgpack');
    // msgpack fixext 1 (0xd4) is what msgpackr writes for undefined; no extension may appear.
    expect(decodeServerMessage(bytes)).toEqual(msg);
  });
});

describe('events messages', () => {
  it('travel as little-endian bin columns in msgpack and as arrays in JSON', () => {
    const msg = eventsMessage([10, 20, 1e12], [1, 2, 65535], [3, 4, 5], [1, 0, 1]);
    const packed = encodeServerMessage(msg, 'msgpack');
    const json = JSON.parse(encodeServerMessage(msg, 'json'));
    expect(json.tUs).toEqual([10, 20, 1e12]);
    expect(json.x).toEqual([1, 2, 65535]);
    // The x column's bytes appear verbatim, little-endian, in the msgpack frame.
    const xBytes = Buffer.from([1, 0, 2, 0, 0xff, 0xff]);
    expect(Buffer.from(packed).includes(Buffer.concat([Buffer.from([0xc4, 6]), xBytes]))).toBe(true);
    const back = decodeServerMessage(packed) as EventsMessage;
    expect(back.tUs).toBeInstanceOf(Float64Array);
    expect(Array.from(back.tUs)).toEqual([10, 20, 1e12]);
    expect(Array.from(back.y)).toEqual([3, 4, 5]);
  });

  it('round-trip any events identically in both formats (property)', () => {
    const event = fc.tuple(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 1 }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (evs) => {
        const msg = eventsMessage(
          evs.map((e) => e[0]),
          evs.map((e) => e[1]),
          evs.map((e) => e[2]),
          evs.map((e) => e[3]),
        );
        const a = decodeServerMessage(encodeServerMessage(msg, 'msgpack')) as EventsMessage;
        const b = decodeServerMessage(encodeServerMessage(msg, 'json')) as EventsMessage;
        expect(a).toEqual(b);
        expect(Array.from(a.tUs)).toEqual(evs.map((e) => e[0]));
        expect(Array.from(a.p)).toEqual(evs.map((e) => e[3]));
      }),
    );
  });

  it('encodes only the first `count` elements of larger columns', () => {
    const col = Uint16Array.from([1, 2, 3, 4]);
    expect(Array.from(columnBytesLE(col, 2))).toEqual([1, 0, 2, 0]);
  });

  it('rejects columns whose length disagrees with count', () => {
    const bad = JSON.stringify({ type: 'events', count: 2, tUs: [1], x: [1, 2], y: [1, 2], p: [1, 1] });
    expect(() => decodeServerMessage(bad)).toThrow(/column lengths/);
  });
});

describe('client messages', () => {
  it('accept subscribe and ping in both frame kinds', () => {
    const sub = { type: 'subscribe', topics: ['predictions', 'events', 'predictions'] } as const;
    expect(decodeClientMessage(encodeClientMessage(sub, 'json'))).toEqual({
      type: 'subscribe',
      topics: ['predictions', 'events'],
    });
    expect(decodeClientMessage(encodeClientMessage({ type: 'ping', id: 7 }, 'msgpack'))).toEqual({
      type: 'ping',
      id: 7,
    });
  });

  it.each([
    ['not json {', 'E_BAD_MESSAGE', /not valid JSON/],
    ['[1,2]', 'E_BAD_MESSAGE', /must be a map/],
    ['{"type":"dance"}', 'E_UNKNOWN_TYPE', /unknown message type "dance"/],
    ['{"type":"subscribe","topics":"predictions"}', 'E_BAD_MESSAGE', /must be an array/],
    ['{"type":"subscribe","topics":["spikes"]}', 'E_UNKNOWN_TOPIC', /unknown topic "spikes"/],
    ['{"type":"ping","id":{}}', 'E_BAD_MESSAGE', /"id"/],
  ])('rejects %s with a clear error', (frame, code, message) => {
    try {
      decodeClientMessage(frame);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(code);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('rejects garbage binary frames', () => {
    expect(() => decodeClientMessage(new Uint8Array([0xc1]))).toThrow(ProtocolError);
  });
});

describe('parseTopics', () => {
  it('parses a comma list and names the first unknown topic', () => {
    expect(parseTopics('predictions, metrics,,predictions')).toEqual({
      ok: true,
      topics: ['predictions', 'metrics'],
    });
    expect(parseTopics('predictions,frames')).toEqual({ ok: false, unknown: 'frames' });
  });
});
