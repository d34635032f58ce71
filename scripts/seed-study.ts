/**
 * Trains one model command with several seeds and reports test accuracy as mean ± std: the
 * headline numbers of docs/SEEDS.md. Each run is `spikestream train … --seed S --json` into
 * .cache/seeds/NAME/seed-S (not shipped); results accumulate in docs/seeds.json, one entry per
 * NAME, and docs/SEEDS.md is rewritten from all entries.
 *
 * Usage: node --import tsx scripts/seed-study.ts NAME SEEDS [--with-shipped] -- TRAIN-ARGS...
 *   e.g. scripts/seed-study.ts yinyang-ttfs 1,2,3 -- --method ttfs --dataset yinyang …
 * `--with-shipped` counts models/NAME as the seed-1 run (checked against its recorded command)
 * and trains only SEEDS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface StudyEntry {
  readonly name: string;
  readonly command: string;
  readonly seeds: readonly number[];
  readonly testAccuracy: readonly number[];
  readonly bestEpoch: readonly number[];
  readonly date: string;
}

const root = new URL('..', import.meta.url).pathname;
const sep = process.argv.indexOf('--');
const head = process.argv.slice(2, sep < 0 ? undefined : sep);
const withShipped = head.includes('--with-shipped');
const [name, seedList] = head.filter((a) => a !== '--with-shipped');
if (!name || !seedList || sep < 0) {
  process.stderr.write('usage: scripts/seed-study.ts NAME SEEDS [--with-shipped] -- TRAIN-ARGS...\n');
  process.exit(2);
}
const trainArgs = process.argv.slice(sep + 1);
if (
  trainArgs.some((a) => a === '--seed' || a === '--out' || a.startsWith('--seed=') || a.startsWith('--out='))
) {
  process.stderr.write('seed-study sets --seed and --out itself\n');
  process.exit(2);
}
const seeds = seedList.split(',').map(Number);
const accuracies: number[] = [];
const bestEpochs: number[] = [];
const allSeeds: number[] = [];
if (withShipped) {
  // The shipped model is the seed-1 run of the same command (scripts/train-models.sh): use its
  // test figures instead of training it again, after checking that it is that run.
  const shipped = JSON.parse(readFileSync(join(root, 'models', name, 'model.json'), 'utf8')) as {
    provenance?: { command?: string; seed?: number; bestEpoch?: number };
    metrics?: { testAccuracy?: number };
  };
  const want = `npx spikestream train ${trainArgs.join(' ')} --out models/${name}`;
  const p = shipped.provenance;
  if (p?.command !== want || p.seed !== 1 || shipped.metrics?.testAccuracy === undefined) {
    process.stderr.write(
      `models/${name} was not made by \`${want}\` with seed 1 (it says \`${p?.command}\`)\n`,
    );
    process.exit(2);
  }
  allSeeds.push(1);
  accuracies.push(shipped.metrics.testAccuracy);
  bestEpochs.push(p.bestEpoch ?? 0);
}
for (const seed of seeds) {
  allSeeds.push(seed);
  const out = join(root, '.cache', 'seeds', name, `seed-${seed}`);
  mkdirSync(out, { recursive: true });
  const stdout = execFileSync(
    process.execPath,
    [
      join(root, 'bin', 'spikestream.mjs'),
      'train',
      ...trainArgs,
      '--seed',
      String(seed),
      '--out',
      out,
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  const result = JSON.parse(stdout) as { bestEpoch: number; test: { accuracy: number } };
  accuracies.push(result.test.accuracy);
  bestEpochs.push(result.bestEpoch);
  process.stderr.write(`${name} seed ${seed}: test accuracy ${(100 * result.test.accuracy).toFixed(2)}%\n`);
}

const jsonPath = join(root, 'docs', 'seeds.json');
const entries: StudyEntry[] = existsSync(jsonPath)
  ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as StudyEntry[]).filter((e) => e.name !== name)
  : [];
entries.push({
  name,
  command: `node --import tsx scripts/seed-study.ts ${name} ${seedList}${withShipped ? ' --with-shipped' : ''} -- ${trainArgs.join(' ')}`,
  seeds: allSeeds,
  testAccuracy: accuracies,
  bestEpoch: bestEpochs,
  date: new Date().toISOString(),
});
entries.sort((a, b) => a.name.localeCompare(b.name));
writeFileSync(jsonPath, `${JSON.stringify(entries, null, 2)}\n`);

function meanStd(xs: readonly number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return [mean, Math.sqrt(variance)];
}

const pct = (x: number): string => (100 * x).toFixed(2);
const lines = [
  '# Test accuracy over seeds',
  '',
  'Each row trains the same command with different seeds (weight initialisation, shuffling and',
  'augmentation draws) and evaluates each final model once on the test split; std is the sample',
  'standard deviation. Made by `scripts/seed-study.ts` (the command per row is below the table);',
  'the raw numbers are in `docs/seeds.json`. The shipped models are the seed-1 runs of',
  '`scripts/train-models.sh`.',
  '',
  '| model | seeds | test accuracy, mean ± std | per seed |',
  '|---|---|---|---|',
];
for (const e of entries) {
  const [mean, std] = meanStd(e.testAccuracy);
  lines.push(
    `| ${e.name} | ${e.seeds.join(', ')} | ${pct(mean)} ± ${pct(std)} % | ${e.testAccuracy.map(pct).join(' / ')} |`,
  );
}
lines.push('', '## Commands', '');
for (const e of entries) lines.push(`- ${e.name}: \`${e.command}\``);
writeFileSync(join(root, 'docs', 'SEEDS.md'), `${lines.join('\n')}\n`);
const [mean, std] = meanStd(accuracies);
process.stdout.write(`${name}: ${pct(mean)} ± ${pct(std)} % over seeds ${allSeeds.join(', ')}\n`);
