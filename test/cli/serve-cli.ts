/** Starts `spikestream serve` as a child process for tests that talk to it over the network. */
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from '../helpers/cli.ts';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Starts `spikestream serve ARGS --port 0` and resolves once it printed its address. */
export function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 40_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /dashboard\s+(http:\/\/\S+?)\/\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, url: m[1], exited, stderr: () => err });
      }
    });
    exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}
