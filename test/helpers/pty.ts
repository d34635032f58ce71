/**
 * A pair of connected pseudo-terminals made by `socat -d -d pty,raw,echo=0 pty,raw,echo=0`.
 * One end plays the device, the other is opened by the driver under test. Optional `links`
 * give each end a stable symlink, so a test can kill the pair (a pulled plug) and start a new
 * one behind the same paths (the device coming back).
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface PtyPair {
  /** Path of end A (the symlink when given, else /dev/pts/N). */
  readonly a: string;
  readonly b: string;
  /** The real /dev/pts paths. */
  readonly ptsA: string;
  readonly ptsB: string;
  readonly process: ChildProcess;
  /** Kills socat (by its pid) and waits for it to exit. Idempotent. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Symlink to create for end A / end B. */
  readonly linkA?: string;
  readonly linkB?: string;
  /** Startup timeout in ms. Default 5000. */
  readonly timeoutMs?: number;
}

export function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const end = (link?: string): string => (link ? `pty,raw,echo=0,link=${link}` : 'pty,raw,echo=0');
  const child = spawn('socat', ['-d', '-d', end(options.linkA), end(options.linkB)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise<PtyPair>((resolve, reject) => {
    const paths: string[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat did not start within ${options.timeoutMs ?? 5000} ms: ${stderr}`));
    }, options.timeoutMs ?? 5000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr += text;
      for (const m of text.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) paths.push(m[1]);
      if (paths.length >= 2 && stderr.includes('starting data transfer loop')) {
        clearTimeout(timer);
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve({
          a: options.linkA ?? paths[0],
          b: options.linkB ?? paths[1],
          ptsA: paths[0],
          ptsB: paths[1],
          process: child,
          close,
        });
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (paths.length < 2) reject(new Error(`socat exited before both ptys were ready: ${stderr}`));
    });
  });
}
