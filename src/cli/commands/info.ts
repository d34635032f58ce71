/**
 * `spikestream info FILE`: what a recording holds — format, geometry, event count, time range,
 * polarity balance, and what the decoder skipped, repaired or found damaged (with byte offsets).
 * Reads the file in chunks (bounded memory); on fatal damage it still prints what was good and
 * exits 1 with one line naming the file, byte offset and field.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DecodeError, UsageError } from '../../events/errors.ts';
import type { DecodeIssue } from '../../events/decode-stats.ts';
import { openRecording, type Recording } from '../../formats/open.ts';
import type { CliCommand } from '../command.ts';

const HELP = `usage: spikestream info FILE [--json] [--format NAME] [--width W --height H]

Decodes a recording and reports its format, geometry (and where it came from: header, user,
format default), event count, ON/OFF counts, first and last timestamp (µs), records skipped and
timestamps repaired, and any damage with its byte offset.

options:
  --json            one JSON object on stdout (an "error" field on fatal damage)
  --format NAME     force the format instead of detecting it from the content
                    (needed for headerless files that detection cannot place)
  --width W         sensor width for headerless formats (N-MNIST default 34, CSV)
  --height H        sensor height for headerless formats
  --chunk BYTES     bytes read at a time (default 1048576)
  -I KEY=VALUE      format-specific decoder option, repeatable (e.g. -I columns=x,y,p,t)

exit codes: 0 ok, 1 fatal damage (counts of the good part are still printed), 2 bad usage.`;

/** Parses an integer option value, naming the option when it is not one. */
export function intOption(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return v;
}

/** `KEY=VALUE` pairs (values parsed as JSON when they are JSON: numbers, true/false, null). */
export function keyValueOptions(pairs: readonly string[] | undefined, flag: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(raw)) value = JSON.parse(raw);
    out[key] = value;
  }
  return out;
}

/** Wraps util.parseArgs errors as UsageError. */
export function parseCliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Progress on stderr, only when stderr is a terminal; throttled to 4 updates a second. */
export function startProgress(label: string, total: number): { update(done: number): void; stop(): void } {
  const stream = process.stderr;
  if (!stream.isTTY || total <= 0) return { update() {}, stop() {} };
  let last = 0;
  let shown = false;
  return {
    update(done: number) {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      const pct = Math.min(100, (100 * done) / total).toFixed(1);
      stream.write(`\r${label}: ${pct}% (${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`);
    },
    stop() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

export interface RecordingSummary {
  file: string;
  format: string;
  width: number | null;
  height: number | null;
  geometrySource: string | null;
  metadata: Record<string, string>;
  bytes: number;
  events: number;
  on: number;
  off: number;
  firstUs: number | null;
  lastUs: number | null;
  durationUs: number | null;
  skipped: Record<string, number>;
  repaired: Record<string, number>;
  issueCount: number;
  issues: DecodeIssue[];
  error: { message: string; byteOffset: number; field: string } | null;
}

/** Decodes the whole recording, counting as it goes; never throws for damage (see `error`). */
export async function summarize(
  rec: Recording,
  onProgress?: (bytes: number) => void,
): Promise<RecordingSummary> {
  let events = 0;
  let on = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let error: RecordingSummary['error'] = null;
  try {
    for await (const pk of rec) {
      const n = pk.length;
      if (Number.isNaN(first)) first = pk.tUs[0];
      last = pk.tUs[n - 1];
      events += n;
      const p = pk.p;
      let ons = 0;
      for (let i = 0; i < n; i++) ons += p[i];
      on += ons;
      onProgress?.(rec.bytesRead);
    }
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    error = { message: err.message, byteOffset: err.byteOffset, field: err.field };
  }
  const info = rec.info;
  const stats = rec.stats;
  return {
    file: rec.path,
    format: rec.format.name,
    width: info?.width ?? null,
    height: info?.height ?? null,
    geometrySource: info?.geometrySource ?? null,
    metadata: { ...(info?.metadata ?? {}) },
    bytes: stats.bytes,
    events,
    on,
    off: events - on,
    firstUs: events > 0 ? first : null,
    lastUs: events > 0 ? last : null,
    durationUs: events > 0 ? last - first : null,
    skipped: { ...stats.skipped },
    repaired: { ...stats.repaired },
    issueCount: stats.issueCount,
    issues: [...stats.issues],
    error,
  };
}

function counts(c: Record<string, number>): string {
  const entries = Object.entries(c);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

export function formatSummary(s: RecordingSummary, description: string): string {
  const lines = [
    `file:       ${s.file}`,
    `format:     ${s.format} (${description})`,
    `geometry:   ${s.width === null ? 'unknown' : `${s.width}×${s.height} (${s.geometrySource})`}`,
    `events:     ${s.events} (ON ${s.on}, OFF ${s.off})`,
    `time:       ${
      s.firstUs === null
        ? 'no events'
        : `${s.firstUs} .. ${s.lastUs} µs (duration ${((s.durationUs ?? 0) / 1e6).toFixed(6)} s)`
    }`,
    `bytes:      ${s.bytes}`,
    `skipped:    ${counts(s.skipped)}`,
    `repaired:   ${counts(s.repaired)}`,
  ];
  for (const [k, v] of Object.entries(s.metadata)) lines.push(`meta:       ${k} = ${v}`);
  lines.push(`issues:     ${s.issueCount}`);
  for (const i of s.issues) {
    lines.push(`  byte ${i.byteOffset}: ${i.field}: ${i.message}${i.fatal ? ' (fatal)' : ''}`);
  }
  if (s.issueCount > s.issues.length) lines.push(`  … ${s.issueCount - s.issues.length} more`);
  return lines.join('\n');
}

export const command: CliCommand = {
  summary: 'describe a recording: format, geometry, events, time range, damage',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseCliArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        format: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        chunk: { type: 'string' },
        I: { type: 'string', short: 'I', multiple: true },
      },
    });
    if (positionals.length !== 1)
      throw new UsageError('expects exactly one FILE (see spikestream info --help)');
    const file = positionals[0];
    const rec = await openRecording(file, {
      format: values.format,
      width: intOption('width', values.width, 1, 65535),
      height: intOption('height', values.height, 1, 65535),
      chunkBytes: intOption('chunk', values.chunk, 1, 1 << 30),
      decoderOptions: keyValueOptions(values.I, '-I'),
    });
    const progress = startProgress(`info ${file}`, rec.size);
    let summary: RecordingSummary;
    try {
      summary = await summarize(rec, (b) => progress.update(b));
    } finally {
      progress.stop();
      await rec.close();
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(`${formatSummary(summary, rec.format.description)}\n`);
    }
    if (summary.error) {
      process.stderr.write(`spikestream info: ${summary.error.message}\n`);
      return 1;
    }
    return 0;
  },
};
