/**
 * An emulated eDVS4337 on the device end of a pty pair: it answers the open sequence the way the
 * firmware does (echo on until `!U0`, a banner after `R`, the `??E` list, replies to `!E<n>`),
 * records every command line, and streams whatever bytes the test gives it after `E+`.
 */
import { SerialPort } from 'serialport';

export interface EdvsEmulatorOptions {
  /** Banner printed after `R`. Default an eDVS4337 banner. */
  readonly banner?: string;
  /** Delay before the banner, ms. Default 20. */
  readonly resetDelayMs?: number;
  /** Bytes of noise printed before the banner (boot garbage). Default a few. */
  readonly bootNoise?: Uint8Array;
}

export class EdvsEmulator {
  readonly commands: string[] = [];
  format = 'E2';
  streaming = false;
  private echo = true;
  private line = '';
  private startWaiters: Array<() => void> = [];

  private constructor(
    readonly port: SerialPort,
    private readonly options: EdvsEmulatorOptions,
  ) {
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => undefined);
  }

  static open(path: string, options: EdvsEmulatorOptions = {}): Promise<EdvsEmulator> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 12_000_000, autoOpen: false });
      port.open((err) => (err ? reject(err) : resolve(new EdvsEmulator(port, options))));
    });
  }

  /** Resolves when the host has sent `E+`. */
  started(): Promise<void> {
    if (this.streaming) return Promise.resolve();
    return new Promise((resolve) => this.startWaiters.push(resolve));
  }

  /** A spontaneous reset (brown-out, watchdog): streaming stops, echo is back on, banner printed. */
  async resetItself(): Promise<void> {
    this.streaming = false;
    this.echo = true;
    await this.write(this.options.bootNoise ?? Uint8Array.of(0x00, 0x13, 0x7f, 0x0d));
    await this.write(`\r\n${this.options.banner ?? 'EDVS-4337, V2.1 (emulated), Nov 2026'}\r\n`);
  }

  write(bytes: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
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
    for (const byte of chunk) {
      if (this.echo) void this.write(Uint8Array.of(byte));
      if (byte === 0x0a) {
        const cmd = this.line.replace(/\r$/, '');
        this.line = '';
        this.commands.push(cmd);
        void this.run(cmd);
      } else {
        this.line += String.fromCharCode(byte);
      }
    }
  }

  private async run(cmd: string): Promise<void> {
    if (cmd === 'R') {
      this.streaming = false;
      this.echo = true;
      await new Promise((r) => setTimeout(r, this.options.resetDelayMs ?? 20));
      await this.write(this.options.bootNoise ?? Uint8Array.of(0x00, 0x13, 0x7f, 0x0d));
      await this.write(`\r\n${this.options.banner ?? 'EDVS-4337, V2.1 (emulated), Nov 2026'}\r\n`);
    } else if (cmd === '!U0') {
      this.echo = false;
    } else if (cmd === '??E') {
      await this.write('E0 2-byte, E1 delta ts, E2 16-bit ts, E3 24-bit ts, E4 32-bit ts\r\n');
    } else if (/^!E[0-4]$/.test(cmd)) {
      this.format = cmd.slice(1);
      await this.write(`-${this.format}\r\n`);
    } else if (cmd === 'E+') {
      this.streaming = true;
      for (const w of this.startWaiters.splice(0)) w();
    } else if (cmd === 'E-') {
      this.streaming = false;
    }
  }
}
