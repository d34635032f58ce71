/** Runs the CLI in this process (fast) or as a child process (real), capturing its output. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.ts';

const exec = promisify(execFile);
export const BIN = join(import.meta.dirname, '../../bin/spikestream.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cliInProcess(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

export async function cliChild(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

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
