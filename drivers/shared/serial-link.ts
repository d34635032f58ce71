/**
 * A serial port opened through node-serialport 13 for a live driver: a text phase for the
 * device's handshake (write a command, wait for a reply), then a streaming phase that forwards
 * every chunk, with its arrival time, to the live-source life cycle and reports a pulled plug.
 */
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import type { LinkHandlers } from './live-source.ts';
import { SourceLostError, SourceOpenError } from './live-source.ts';

export interface SerialLinkOptions {
  /** Device path, e.g. /dev/ttyUSB0. */
  readonly path: string;
  /** Baud rate (ptys ignore it; USB-serial bridges need the device's rate). */
  readonly baudRate: number;
  /** RTS/CTS hardware flow control. Default false. */
  readonly rtscts?: boolean;
  /** Aborts opening. */
  readonly signal?: AbortSignal;
}

/** Most bytes kept while waiting for a handshake reply (a device spewing garbage cannot grow it). */
const MAX_CAPTURE_BYTES = 64 * 1024;

export class SerialLink {
  private captured: Uint8Array[] = [];
  private capturedBytes = 0;
  private handlers: LinkHandlers | undefined;
  private waiter: (() => void) | undefined;
  private closed = false;
  private lostError: Error | undefined;

  private constructor(
    readonly port: SerialPort,
    readonly path: string,
  ) {
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (!this.closed) this.onLost(err ?? new SourceLostError(`${path}: port closed`));
    });
    port.on('error', (err: Error) => {
      if (!this.closed) this.onLost(err);
    });
  }

  static open(options: SerialLinkOptions): Promise<SerialLink> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new SourceOpenError(`${options.path}: aborted`));
        return;
      }
      const port = new SerialPort({
        path: options.path,
        baudRate: options.baudRate,
        rtscts: options.rtscts ?? false,
        autoOpen: false,
      });
      port.open((err) => {
        if (err) {
          reject(new SourceOpenError(`cannot open ${options.path}: ${err.message}`, { cause: err }));
          return;
        }
        resolve(new SerialLink(port, options.path));
      });
    });
  }

  /** Writes and waits until the bytes left the process. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || !this.port.isOpen) {
        reject(new SourceLostError(`${this.path}: port is closed`));
        return;
      }
      this.port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data));
      this.port.drain((err) => (err ? reject(err) : resolve()));
    });
  }

  /** Discards bytes the OS holds for the port, and everything captured so far. */
  flush(): Promise<void> {
    this.takeCaptured();
    return new Promise((resolve, reject) => this.port.flush((err) => (err ? reject(err) : resolve())));
  }

  /** Returns and forgets the bytes received since the last call (handshake phase). */
  takeCaptured(): Uint8Array {
    const out = Buffer.concat(this.captured);
    this.captured = [];
    this.capturedBytes = 0;
    return out;
  }

  /**
   * Waits until the captured bytes satisfy `done` (checked on each arrival) or `timeoutMs`
   * passes; returns the captured bytes either way (the caller decides what a timeout means).
   */
  async waitFor(
    done: (captured: Uint8Array) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.lostError) throw this.lostError;
      const bytes = Buffer.concat(this.captured);
      if (done(bytes)) return bytes;
      const left = deadline - performance.now();
      if (left <= 0 || signal?.aborted) return bytes;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, left);
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiter = finish;
      });
      this.waiter = undefined;
    }
  }

  /** Waits `ms` while capturing. */
  settle(ms: number): Promise<Uint8Array> {
    return this.waitFor(() => false, ms);
  }

  /** Switches to streaming: forwards what was captured since the last take, then every chunk. */
  stream(handlers: LinkHandlers): void {
    this.handlers = handlers;
    const pending = this.takeCaptured();
    if (pending.length > 0) handlers.data(new Uint8Array(pending), performance.now());
    if (this.lostError) handlers.lost(this.lostError);
  }

  /** Closes the port; `goodbye` is written first when the port is still open (e.g. "E-\n"). */
  async close(goodbye?: string): Promise<void> {
    if (this.closed) return;
    if (goodbye && this.port.isOpen && !this.lostError) {
      await Promise.race([
        this.write(goodbye).catch(() => undefined),
        new Promise((r) => setTimeout(r, 200)),
      ]);
    }
    this.closed = true;
    this.handlers = undefined;
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private onData(chunk: Buffer): void {
    const arrival = performance.now();
    if (this.handlers) {
      this.handlers.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), arrival);
      return;
    }
    this.captured.push(Buffer.from(chunk));
    this.capturedBytes += chunk.length;
    while (this.capturedBytes > MAX_CAPTURE_BYTES && this.captured.length > 1) {
      this.capturedBytes -= this.captured.shift()!.length;
    }
    this.waiter?.();
  }

  private onLost(err: Error): void {
    if (this.lostError) return;
    this.lostError = new SourceLostError(`${this.path}: device gone (${err.message})`, { cause: err });
    this.waiter?.();
    this.handlers?.lost(this.lostError);
  }
}
