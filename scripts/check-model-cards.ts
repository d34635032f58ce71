/**
 * Checks that `spikestream eval` on each shipped model reproduces the "Test figures" table of its
 * model card: evaluates the test split of the card's data set with eval's defaults and compares
 * the table rows, as the card renders them, line by line.
 *
 * Usage: node --import tsx scripts/check-model-cards.ts [NAME...]   (default: every models/*)
 * Exit code 1 when any card differs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../src/model/loader.ts';
import { loadDataset, trainedDataset } from '../src/train/data.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { testFiguresTable } from '../src/train/model-card.ts';

/** The rows of the card's "Test figures" table. */
function cardTable(card: string): string[] {
  const lines = card.split('\n');
  const start = lines.indexOf('## Test figures');
  if (start < 0) return [];
  const rows: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i].startsWith('|')) rows.push(lines[i]);
    else if (rows.length > 0) break;
  }
  return rows;
}

const names =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync('models').filter((n) => existsSync(join('models', n, 'model.json')));
let failures = 0;
for (const name of names) {
  const dir = join('models', name);
  const model = loadModel(dir);
  const dataset = trainedDataset(model);
  if (dataset === undefined) {
    process.stdout.write(`${name}: no data set in model.json provenance.config; skipped\n`);
    failures++;
    continue;
  }
  const test = await loadDataset({ name: dataset, split: 'test', limit: 0, validationFraction: 0.1 });
  const report = evaluate(model, test);
  const want = cardTable(readFileSync(join(dir, 'README.md'), 'utf8'));
  const got = testFiguresTable(report);
  const differing = got.filter((row, i) => row !== want[i]);
  if (differing.length === 0 && got.length === want.length) {
    process.stdout.write(
      `${name}: card reproduced (${got.length - 2} figures, ${report.samples} test samples)\n`,
    );
  } else {
    failures++;
    process.stdout.write(`${name}: card differs\n`);
    for (let i = 0; i < Math.max(got.length, want.length); i++) {
      if (got[i] !== want[i])
        process.stdout.write(`  card: ${want[i] ?? '(none)'}\n  eval: ${got[i] ?? '(none)'}\n`);
    }
  }
}
process.exitCode = failures > 0 ? 1 : 0;
