/**
 * `spikestream record --source URI --out FILE`: records a live (or any) source to a file,
 * AEDAT 4 by default or any writable format with --to.
 *
 * Durability: packets are gathered for --flush-ms and then encoded, appended and fsync'ed, so a
 * `kill -9` (or a power cut after the fsync) leaves a file that decodes every packet written
 * before the last flush. Header fields and tables that are only known at the end (AEDAT 4's
 * data table) are written on a clean stop only; readers do not need them.
 * --rotate starts a new, complete file every SIZE bytes or SECONDS seconds.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Subscription } from 'rxjs';
import type { OpenedSource, SourceStatus } from '../../../drivers/contract.ts';
import { openSource } from '../../../drivers/index.ts';
import { SpikestreamError, UsageError } from '../../events/errors.ts';
import { concatPackets, type EventPacket } from '../../events/packet.ts';
import type { StreamInfo } from '../../events/stream-info.ts';
import { FORMATS, getFormat } from '../../formats/registry.ts';
import type { EventEncoder, FormatSpec } from '../../formats/types.ts';
import type { CliCommand } from '../command.ts';
import { keyValueOptions, parseCliArgs } from './info.ts';

export interface RotatePolicy {
  readonly bytes?: number;
  readonly seconds?: number;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
const TIME_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, min: 60, h: 3600 };

/** Parses `--rotate`: a size with a unit (100MB, 64MiB, 5000B) or a time (30s, 10m, 1h). */
export function parseRotate(raw: string): RotatePolicy {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(raw.trim());
  if (m) {
    const v = Number(m[1]);
    const unit = m[2].toLowerCase();
    if (unit in SIZE_UNITS && v * SIZE_UNITS[unit] >= 1024)
      return { bytes: Math.round(v * SIZE_UNITS[unit]) };
    if (unit in TIME_UNITS && v * TIME_UNITS[unit] >= 0.1) return { seconds: v * TIME_UNITS[unit] };
  }
  throw new UsageError(
    `--rotate must be a size (e.g. 100MB, 64MiB; at least 1 KiB) or a time (e.g. 30s, 10m, 1h; at least 0.1 s), got "${raw}"`,
  );
}

/** File name of part `index` when rotating: rec.aedat4 → rec-0001.aedat4. */
export function rotatedName(out: string, index: number): string {
  const ext = extname(out);
  return join(dirname(out), `${basename(out, ext)}-${String(index).padStart(4, '0')}${ext}`);
}

function writableFormats(): FormatSpec[] {
  return FORMATS.filter((f) => f.createEncoder !== undefined);
}

/** One output file: header at open, appended + fsync'ed flushes, trailer and patches at close. */
class RecordingFile {
  readonly path: string;
  bytes = 0;
  events = 0;
  readonly openedMs = performance.now();
  private readonly fd: number;
  private readonly encoder: EventEncoder;
  private closed = false;

  constructor(path: string, spec: FormatSpec, info: StreamInfo, encoderOptions: Record<string, unknown>) {
    this.path = path;
    this.encoder = spec.createEncoder!({ origin: path, ...encoderOptions });
    const header = this.encoder.begin(info);
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new UsageError(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.append(header);
    fsyncSync(this.fd);
  }

  /** Encodes, appends and fsyncs one packet (a flush). */
  write(packet: EventPacket): void {
    if (packet.length === 0) return;
    this.append(this.encoder.encode(packet));
    fsyncSync(this.fd);
    this.events += packet.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.append(this.encoder.end());
    for (const patch of this.encoder.patches?.() ?? []) {
      writeSync(this.fd, patch.bytes, 0, patch.bytes.length, patch.offset);
    }
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  private append(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off, null);
    this.bytes += bytes.length;
  }
}

function help(): string {
  const list = writableFormats()
    .map((f) => f.name)
    .join(', ');
  return `usage: spikestream record --source URI --out FILE [--duration S] [--rotate SIZE|TIME] [--to FORMAT]

Records a source (edvs:, serial:, dv://, udp://, emulate:, file:, …) to FILE, AEDAT 4 by default.
Stops after --duration seconds, when the source ends, or on Ctrl-C / SIGTERM (the file is then
finished cleanly). Packets are appended and fsync'ed every --flush-ms, so even a kill -9 leaves
a file holding everything up to the last flush.

options:
  --source URI       what to record (see docs/sources.md)
  --out FILE         output file; with --rotate, parts are FILE-0000.ext, FILE-0001.ext, …
  --duration S       seconds to record (default: until stopped)
  --rotate SPEC      start a new file every SIZE (e.g. 100MB, 64MiB) or TIME (e.g. 30s, 10m)
  --to FORMAT        output format (default aedat4); writable: ${list}
  --flush-ms MS      flush (append + fsync) interval in ms (default 500)
  --width W --height H  geometry for sources without one
  -O KEY=VALUE       encoder option, repeatable (e.g. -O compression=none)
  --quiet            no status lines on stderr
`;
}

export const command: CliCommand = {
  summary: 'record a live source to a file (AEDAT 4 by default), flushed and fsync-ed regularly',
  get help() {
    return help();
  },
  async run(argv) {
    const { values, positionals } = parseCliArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        out: { type: 'string' },
        duration: { type: 'string' },
        rotate: { type: 'string' },
        to: { type: 'string' },
        'flush-ms': { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        O: { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (see --help)`);
    if (!values.source) throw new UsageError('--source URI is required');
    if (!values.out) throw new UsageError('--out FILE is required');
    const duration = values.duration === undefined ? undefined : Number(values.duration);
    if (duration !== undefined && !(duration > 0 && Number.isFinite(duration))) {
      throw new UsageError(`--duration must be a positive number of seconds, got "${values.duration}"`);
    }
    const flushMs = values['flush-ms'] === undefined ? 500 : Number(values['flush-ms']);
    if (!(Number.isFinite(flushMs) && flushMs >= 1 && flushMs <= 3_600_000)) {
      throw new UsageError(`--flush-ms must be a number in [1, 3600000], got "${values['flush-ms']}"`);
    }
    const rotate = values.rotate === undefined ? undefined : parseRotate(values.rotate);
    const spec = getFormat(values.to ?? 'aedat4');
    if (!spec.createEncoder) {
      throw new UsageError(
        `format "${spec.name}" cannot be written; formats with an encoder: ${writableFormats()
          .map((f) => f.name)
          .join(', ')}`,
      );
    }
    const geometry = (name: 'width' | 'height'): number | undefined => {
      const raw = values[name];
      if (raw === undefined) return undefined;
      const v = Number(raw);
      if (!Number.isInteger(v) || v < 1 || v > 65535)
        throw new UsageError(`--${name} must be an integer in [1, 65535], got "${raw}"`);
      return v;
    };
    const encoderOptions = keyValueOptions(values.O, '-O');
    const quiet = values.quiet ?? false;
    const say = (line: string): void => {
      if (!quiet) process.stderr.write(`record: ${line}\n`);
    };

    const stopper = new AbortController();
    const source: OpenedSource = await openSource(values.source, {
      width: geometry('width'),
      height: geometry('height'),
      signal: stopper.signal,
    });
    const info = source.info;
    const meta = metadataSummary(info.metadata ?? {});

    let part = 0;
    const files: string[] = [];
    const newFile = (): RecordingFile => {
      const path = rotate ? rotatedName(values.out!, part++) : values.out!;
      files.push(path);
      return new RecordingFile(path, spec, info, encoderOptions);
    };
    let file = newFile();
    say(
      `recording ${source.uri} (${info.width}×${info.height}, ${info.format}${meta ? `; ${meta}` : ''}) as ${spec.name}`,
    );
    let pending: EventPacket[] = [];
    let pendingEvents = 0;
    let total = 0;
    const flush = (): void => {
      if (pendingEvents > 0) {
        file.write(concatPackets(pending));
        total += pendingEvents;
        pending = [];
        pendingEvents = 0;
      }
      if (
        rotate &&
        ((rotate.bytes && file.bytes >= rotate.bytes) ||
          (rotate.seconds && performance.now() - file.openedMs >= rotate.seconds * 1000))
      ) {
        file.close();
        say(`wrote ${file.path}: ${file.events} events, ${file.bytes} bytes`);
        file = newFile();
      }
    };

    let failure: SpikestreamError | undefined;
    let statusSub: Subscription | undefined;
    const exitCode = await new Promise<number>((resolve) => {
      let done = false;
      const finish = (code: number): void => {
        if (done) return;
        done = true;
        clearInterval(flushTimer);
        if (stopTimer) clearTimeout(stopTimer);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve(code);
      };
      const onSignal = (): void => finish(0);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const flushTimer = setInterval(flush, flushMs);
      const stopTimer = duration !== undefined ? setTimeout(() => finish(0), duration * 1000) : undefined;
      statusSub = source.status.subscribe((s: SourceStatus) => {
        if (s.state === 'reconnecting' || (s.state === 'open' && source.stats.reconnects > 0)) {
          say(`${source.uri}: ${s.state}${s.message ? ` (${s.message})` : ''}`);
        }
      });
      source.packets.subscribe({
        next: (p) => {
          pending.push(p);
          pendingEvents += p.length;
          if (pendingEvents >= 1 << 20) flush(); // bound memory in bursts
        },
        error: (err: unknown) => {
          failure = err instanceof SpikestreamError ? err : new SpikestreamError('E_SOURCE', String(err));
          finish(1);
        },
        complete: () => finish(0),
      });
    });
    statusSub?.unsubscribe();
    flush();
    file.close();
    stopper.abort();
    await source.close();
    const drops = Object.entries(source.stats.dropped)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    say(
      `done: ${total} events in ${files.length} file${files.length === 1 ? '' : 's'} (${files.join(', ')})` +
        `${drops ? `; dropped ${drops}` : ''}${source.stats.reconnects ? `; ${source.stats.reconnects} reconnects` : ''}`,
    );
    if (failure) throw failure;
    return exitCode;
  },
};

/** Longest metadata value shown whole in the status line (a label timeline can run to megabytes). */
const MAX_SHOWN_VALUE = 80;

/** `key=value, …` for a status line, with long values replaced by their size. */
export function metadataSummary(metadata: Readonly<Record<string, string>>): string {
  return Object.entries(metadata)
    .map(([k, v]) => (v.length > MAX_SHOWN_VALUE ? `${k}=(${v.length} characters)` : `${k}=${v}`))
    .join(', ');
}
