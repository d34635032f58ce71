/**
 * An emulated microcontroller spike sensor on the device end of a pty pair: answers each
 * HelloRequest with Hello (after an optional boot delay) and writes the frames the test gives it.
 */
import { SerialPort } from 'serialport';
import { cobsDecode, FrameType, type SpikeframeEncoder } from '../../src/formats/spike-serial/index.ts';

export interface McuEmulatorOptions {
  /** The first this many Hello requests are ignored (the board is still booting). */
  readonly ignoreRequests?: number;
  /** Never answer HelloRequest. */
  readonly silent?: boolean;
}

export class McuEmulator {
  helloRequests = 0;
  private pending: number[] = [];

  private constructor(
    readonly port: SerialPort,
    readonly encoder: SpikeframeEncoder,
    private readonly options: McuEmulatorOptions,
  ) {
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => undefined);
  }

  static open(
    path: string,
    encoder: SpikeframeEncoder,
    options: McuEmulatorOptions = {},
  ): Promise<McuEmulator> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
      port.open((err) => (err ? reject(err) : resolve(new McuEmulator(port, encoder, options))));
    });
  }

  write(...parts: Uint8Array[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.concat(parts));
      this.port.drain((err) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) resolve();
      else this.port.close(() => resolve());
    });
  }

  private onData(chunk: Buffer): void {
    for (const b of chunk) {
      if (b !== 0) {
        this.pending.push(b);
        continue;
      }
      const frame = this.pending.length ? cobsDecode(Uint8Array.from(this.pending)) : undefined;
      this.pending = [];
      if (frame?.[0] === FrameType.HelloRequest) {
        this.helloRequests++;
        if (!this.options.silent && this.helloRequests > (this.options.ignoreRequests ?? 0)) {
          void this.write(this.encoder.hello());
        }
      }
    }
  }
}
