/**
 * Generates (or verifies) the on-disk cache of an emulated event data set and prints its
 * statistics, so training runs do not pay for generation and docs can quote measured figures.
 *
 *   node --import tsx scripts/make-emulated-dataset.ts --dataset nmnist-emulated --split test
 *
 * Options: --dataset nmnist-emulated | fashion-nmnist-emulated | emulated:idx:DIR (required),
 * --split NAME (train), --limit N (all), --seed S (1), --workers N (min(2, CPUs)),
 * --cache-dir DIR (.cache/spikestream), --regenerate, --json.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isEventDatasetName, loadEventDataset } from '../src/datasets/index.ts';
import { parseSplit } from '../src/datasets/types.ts';
import { UsageError } from '../src/events/errors.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string' },
      split: { type: 'string', default: 'train' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string' },
      'cache-dir': { type: 'string' },
      regenerate: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.dataset) {
    process.stdout.write(
      'usage: node --import tsx scripts/make-emulated-dataset.ts --dataset NAME [--split train] [--limit N]\n' +
        '         [--seed 1] [--workers N] [--cache-dir DIR] [--regenerate] [--json]\n' +
        '       NAME: nmnist-emulated | fashion-nmnist-emulated | emulated:idx:DIR\n',
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (!isEventDatasetName(values.dataset)) throw new UsageError(`unknown event data set "${values.dataset}"`);
  const int = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} must be an integer ≥ 0, got "${raw}"`);
    return v;
  };
  const t0 = performance.now();
  // process.cpuUsage() counts every thread of the process, so worker threads are included.
  const cpu0 = process.cpuUsage();
  let lastPrint = 0;
  const ds = await loadEventDataset(values.dataset, {
    split: parseSplit(values.split),
    limit: int('limit', values.limit),
    seed: Number(values.seed),
    workers: int('workers', values.workers),
    cacheDir: values['cache-dir'],
    regenerate: values.regenerate,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - lastPrint < 500 && done < total) return;
      lastPrint = now;
      const s = (now - t0) / 1000;
      const eta = done > 0 ? (s / done) * (total - done) : 0;
      process.stderr.write(`\r${done}/${total} samples, ${s.toFixed(0)} s, ETA ${eta.toFixed(0)} s   `);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (ds.generated) process.stderr.write('\n');
  const counts: number[] = [];
  let events = 0;
  let on = 0;
  let maxT = 0;
  for (let i = 0; i < ds.count; i++) {
    const p = ds.sample(i);
    counts.push(p.length);
    events += p.length;
    for (let k = 0; k < p.length; k++) on += p.p[k];
    if (p.length > 0) maxT = Math.max(maxT, p.tUs[p.length - 1]);
  }
  ds.close();
  counts.sort((a, b) => a - b);
  const q = (f: number) => counts[Math.min(counts.length - 1, Math.floor(f * counts.length))] ?? 0;
  const bytes = statSync(ds.cachePath).size;
  const summary = {
    dataset: ds.name,
    split: ds.split,
    samples: ds.count,
    cache: ds.cachePath,
    generated: ds.generated,
    seconds: Number(seconds.toFixed(1)),
    cpuSeconds: Number(cpuSeconds.toFixed(1)),
    cpuMsPerSample: Number(((cpuSeconds * 1000) / Math.max(1, ds.count)).toFixed(2)),
    bytes,
    bytesPerEvent: Number((bytes / Math.max(1, events)).toFixed(2)),
    eventsPerSample: {
      min: counts[0] ?? 0,
      p5: q(0.05),
      median: q(0.5),
      mean: Math.round(events / Math.max(1, ds.count)),
      p95: q(0.95),
      max: counts[counts.length - 1] ?? 0,
    },
    onShare: Number((on / Math.max(1, events)).toFixed(3)),
    lastEventUs: maxT,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const e = summary.eventsPerSample;
    process.stdout.write(
      `${summary.dataset} ${summary.split}: ${summary.samples} samples ${summary.generated ? `generated in ${summary.seconds} s (CPU ${summary.cpuSeconds} s, ${summary.cpuMsPerSample} ms per sample, all threads)` : 'read from cache'}\n` +
        `  cache ${summary.cache} (${(bytes / 1e6).toFixed(1)} MB, ${summary.bytesPerEvent} B/event)\n` +
        `  events/sample min ${e.min}, p5 ${e.p5}, median ${e.median}, mean ${e.mean}, p95 ${e.p95}, max ${e.max}; ON share ${summary.onShare}\n`,
    );
  }
}

main().catch((err: Error) => {
  process.stderr.write(`make-emulated-dataset: ${err.message}\n`);
  process.exitCode = 1;
});
