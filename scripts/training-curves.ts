/**
 * Redraws models/NAME/training-curves.svg from the model's training logs (every stage), as
 * `spikestream train` draws it at the end of a run.
 *
 *   node --import tsx scripts/training-curves.ts NAME [NAME…]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../src/model/loader.ts';
import { trainingCurvesChart } from '../src/train/plot.ts';
import { initialisedFrom } from '../src/train/train.ts';
import { readStageLogs } from '../src/train/training-log.ts';

const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('usage: node --import tsx scripts/training-curves.ts NAME [NAME…]\n');
  process.exit(2);
}
for (const name of names) {
  const dir = join('models', name);
  const model = loadModel(dir);
  const stages = readStageLogs(dir, initialisedFrom(model)?.stages ?? []);
  writeFileSync(
    join(dir, 'training-curves.svg'),
    trainingCurvesChart(`${model.name}: accuracy per epoch`, stages),
  );
  const drawn = stages.map((s) => `${s.records.length}/${s.epochs}`).join(' + ');
  process.stdout.write(`${dir}/training-curves.svg: epochs drawn per stage ${drawn}\n`);
}
