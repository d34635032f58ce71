/**
 * `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (or those whose name contains a
 * filter), prints one table with medians, baselines, ratios and targets, and writes the rows to
 * bench/results/latest.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './lib.ts';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort();

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

const rows: BenchRow[] = [];
let failures = 0;
for (const file of files) {
  process.stderr.write(`bench: ${file} ...\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as {
      default: () => Promise<BenchRow[]>;
    };
    const got = await mod.default();
    rows.push(...got);
    for (const r of got) printRow(r);
  } catch (err) {
    failures++;
    process.stderr.write(
      `bench: ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
}

function printRow(r: BenchRow): void {
  const ratio = r.baseline ? r.value / r.baseline : undefined;
  let verdict = '';
  if (r.target !== undefined) {
    const ok = r.higherIsBetter === false ? r.value <= r.target : r.value >= r.target;
    verdict = ok ? 'meets target' : 'BELOW target';
    if (r.higherIsBetter === false && !ok) verdict = 'ABOVE target';
  }
  const parts = [
    `${r.group}/${r.name}`.padEnd(44),
    `${fmt(r.value)} ${r.unit}`.padStart(18),
    r.baseline !== undefined
      ? `baseline ${r.baselineName ?? ''} ${fmt(r.baseline)}`.padEnd(34)
      : ''.padEnd(34),
    ratio !== undefined ? `×${fmt(ratio)}`.padStart(8) : ''.padStart(8),
    r.target !== undefined
      ? `target ${r.higherIsBetter === false ? '≤' : '≥'} ${fmt(r.target)}  ${verdict}`
      : '',
    r.note ? `(${r.note})` : '',
  ];
  process.stdout.write(`${parts.join('  ').trimEnd()}\n`);
}

const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
);
if (failures > 0) process.exitCode = 1;
