/**
 * Encoding and decoding of protocol messages (messages.ts) as msgpack or JSON.
 *
 * msgpack is written by msgpackr's plain `pack` (maps, never records or extensions) so any
 * msgpack library decodes it; typed-array columns of `events` messages are `bin` in little-endian
 * byte order whatever the host. Decoding works in Node and in browsers (no Buffer needed).
 */
import { pack, unpack } from 'msgpackr';
import {
  type ClientMessage,
  type ErrorCode,
  type EventsMessage,
  isTopic,
  type ServerMessage,
  type Topic,
  type WireFormat,
} from './messages.ts';

/** A message that does not follow the protocol; `code` goes into the `error` reply. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Column = Float64Array | Uint16Array | Uint8Array;

/** The first `count` elements of a column as little-endian bytes (a view when the host is LE). */
export function columnBytesLE(column: Column, count: number): Uint8Array {
  const size = column.BYTES_PER_ELEMENT;
  const view = new Uint8Array(column.buffer, column.byteOffset, count * size);
  if (HOST_IS_LITTLE_ENDIAN || size === 1) return view;
  const out = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = view[i + size - 1 - k];
  }
  return out;
}

interface ColumnCtor<T extends Column> {
  new (buffer: ArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** Little-endian bytes (any alignment) → a fresh, aligned typed array. */
export function columnFromBytesLE<T extends Column>(
  bytes: Uint8Array,
  ctor: ColumnCtor<T>,
  field: string,
): T {
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.length % size !== 0) {
    throw new ProtocolError(
      'E_BAD_MESSAGE',
      `events.${field}: ${bytes.length} bytes is not a multiple of ${size}`,
    );
  }
  const copy = new Uint8Array(bytes.length);
  if (HOST_IS_LITTLE_ENDIAN || size === 1) copy.set(bytes);
  else {
    for (let i = 0; i < bytes.length; i += size) {
      for (let k = 0; k < size; k++) copy[i + k] = bytes[i + size - 1 - k];
    }
  }
  return new ctor(copy.buffer);
}

function eventsToWire(msg: EventsMessage, format: WireFormat): Record<string, unknown> {
  const n = msg.count;
  const base = {
    type: msg.type,
    seq: msg.seq,
    width: msg.width,
    height: msg.height,
    startUs: msg.startUs,
    endUs: msg.endUs,
    received: msg.received,
    count: n,
  };
  if (format === 'json') {
    return {
      ...base,
      tUs: Array.from(msg.tUs.subarray(0, n)),
      x: Array.from(msg.x.subarray(0, n)),
      y: Array.from(msg.y.subarray(0, n)),
      p: Array.from(msg.p.subarray(0, n)),
    };
  }
  return {
    ...base,
    tUs: columnBytesLE(msg.tUs, n),
    x: columnBytesLE(msg.x, n),
    y: columnBytesLE(msg.y, n),
    p: columnBytesLE(msg.p, n),
  };
}

/** Encodes a server message: msgpack → bytes (binary frame), JSON → string (text frame). */
export function encodeServerMessage(msg: ServerMessage, format: 'msgpack'): Uint8Array;
export function encodeServerMessage(msg: ServerMessage, format: 'json'): string;
export function encodeServerMessage(msg: ServerMessage, format: WireFormat): Uint8Array | string;
export function encodeServerMessage(msg: ServerMessage, format: WireFormat): Uint8Array | string {
  const wire = msg.type === 'events' ? eventsToWire(msg, format) : msg;
  return format === 'json' ? JSON.stringify(wire) : pack(wire);
}

/** Encodes a client message the same way (the server accepts both frame kinds). */
export function encodeClientMessage(msg: ClientMessage, format: WireFormat): Uint8Array | string {
  return format === 'json' ? JSON.stringify(msg) : pack(msg);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function parseFrame(data: Uint8Array | string): unknown {
  try {
    if (typeof data === 'string') return JSON.parse(data);
    return unpack(data);
  } catch (err) {
    const kind = typeof data === 'string' ? 'JSON' : 'msgpack';
    const why = err instanceof Error ? err.message : String(err);
    throw new ProtocolError('E_BAD_MESSAGE', `not valid ${kind}: ${why}`);
  }
}

/**
 * Validates a frame a client sent (text = JSON, binary = msgpack).
 * @throws ProtocolError naming what is wrong.
 */
export function decodeClientMessage(data: Uint8Array | string): ClientMessage {
  const value = parseFrame(data);
  if (!isRecord(value)) throw new ProtocolError('E_BAD_MESSAGE', 'a message must be a map with a "type"');
  const type = value.type;
  if (type === 'subscribe') {
    const topics = value.topics;
    if (!Array.isArray(topics)) {
      throw new ProtocolError('E_BAD_MESSAGE', 'subscribe: "topics" must be an array of topic names');
    }
    const out: Topic[] = [];
    for (const t of topics) {
      if (!isTopic(t)) {
        throw new ProtocolError(
          'E_UNKNOWN_TOPIC',
          `subscribe: unknown topic ${JSON.stringify(t)}; known: predictions, metrics, events`,
        );
      }
      if (!out.includes(t)) out.push(t);
    }
    return { type: 'subscribe', topics: out };
  }
  if (type === 'ping') {
    const id = value.id;
    if (id === undefined || id === null) return { type: 'ping' };
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new ProtocolError('E_BAD_MESSAGE', 'ping: "id" must be a string or a number');
    }
    return { type: 'ping', id };
  }
  throw new ProtocolError(
    'E_UNKNOWN_TYPE',
    `unknown message type ${JSON.stringify(type ?? null)}; clients may send "subscribe" and "ping"`,
  );
}

function toBytes(value: unknown, field: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new ProtocolError('E_BAD_MESSAGE', `events.${field}: expected bin`);
}

function numberArray<T extends Column>(
  value: unknown,
  ctor: { from(a: ArrayLike<number>): T },
  field: string,
): T {
  if (!Array.isArray(value)) throw new ProtocolError('E_BAD_MESSAGE', `events.${field}: expected an array`);
  return ctor.from(value as number[]);
}

/**
 * Decodes a frame from the server (text = JSON, binary = msgpack). `events` columns come back
 * as typed arrays in both formats.
 */
export function decodeServerMessage(data: Uint8Array | string): ServerMessage {
  const value = parseFrame(data);
  if (!isRecord(value) || typeof value.type !== 'string') {
    throw new ProtocolError('E_BAD_MESSAGE', 'a message must be a map with a "type"');
  }
  if (value.type !== 'events') return value as unknown as ServerMessage;
  const json = typeof data === 'string';
  const tUs = json
    ? numberArray(value.tUs, Float64Array, 'tUs')
    : columnFromBytesLE(toBytes(value.tUs, 'tUs'), Float64Array, 'tUs');
  const x = json
    ? numberArray(value.x, Uint16Array, 'x')
    : columnFromBytesLE(toBytes(value.x, 'x'), Uint16Array, 'x');
  const y = json
    ? numberArray(value.y, Uint16Array, 'y')
    : columnFromBytesLE(toBytes(value.y, 'y'), Uint16Array, 'y');
  const p = json
    ? numberArray(value.p, Uint8Array, 'p')
    : columnFromBytesLE(toBytes(value.p, 'p'), Uint8Array, 'p');
  const count = Number(value.count);
  if (tUs.length !== count || x.length !== count || y.length !== count || p.length !== count) {
    throw new ProtocolError(
      'E_BAD_MESSAGE',
      `events: column lengths ${tUs.length}/${x.length}/${y.length}/${p.length} differ from count ${count}`,
    );
  }
  return { ...(value as unknown as EventsMessage), tUs, x, y, p };
}
