import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../src/train/config.ts';
import { trainingCurvesChart } from '../../src/train/plot.ts';
import { initialisedFrom, train } from '../../src/train/train.ts';
import {
  readStageLogs,
  readTrainLog,
  stageLogFile,
  startStageLogs,
  TRAIN_LOG,
} from '../../src/train/training-log.ts';
import { quickYinYang, tempDirs } from './quick-training.ts';

const tmp = tempDirs('spikestream-trainlog-');
const quick = (overrides: Partial<TrainConfig> = {}): TrainConfig =>
  quickYinYang({ hidden: [12], epochs: 2, trainLimit: 150, validationLimit: 60, ...overrides });

const text = (path: string) => readFileSync(path, 'utf8');

describe('training logs across stages', () => {
  it('keeps every stage log beside a model trained in stages, also when a stage overwrites its source', async () => {
    const dir = tmp();
    await train({ config: quick({ epochs: 2 }), out: dir, command: 'one', progress: false });
    const stage1 = text(join(dir, TRAIN_LOG));
    // stage two writes into the directory it starts from: its source log becomes stage 1
    await train({ config: quick({ epochs: 3, initFrom: dir }), out: dir, command: 'two', progress: false });
    expect(text(join(dir, stageLogFile(1)))).toBe(stage1);
    const stage2 = text(join(dir, TRAIN_LOG));
    expect(readTrainLog(join(dir, TRAIN_LOG))).toHaveLength(3);

    // stage three elsewhere carries both earlier logs
    const third = tmp();
    const r3 = await train({
      config: quick({ epochs: 1, initFrom: dir }),
      out: third,
      command: 'three',
      progress: false,
    });
    expect(text(join(third, stageLogFile(1)))).toBe(stage1);
    expect(text(join(third, stageLogFile(2)))).toBe(stage2);
    const logs = readStageLogs(third, initialisedFrom(r3.model)?.stages ?? []);
    expect(logs.map((s) => [s.stage, s.epochs, s.records.length])).toEqual([
      [1, 2, 2],
      [2, 3, 3],
      [3, 1, 1],
    ]);

    // the curves run on one axis: 2 + 3 + 1 epochs, dashed lines where stages 2 and 3 began
    const svg = trainingCurvesChart('t', logs);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).toContain('>stage 3<');
    expect(svg).toContain('epoch (all stages)');

    // a stage-four run into `third` that stops after one epoch leaves a partial train-log.jsonl
    // there; started again, it still finds stage 3's log (the copy made at the first start)
    const stage3 = text(join(third, TRAIN_LOG));
    expect(startStageLogs(third, third)).toEqual([]);
    writeFileSync(join(third, TRAIN_LOG), '{"epoch":1,"validationAcc');
    expect(startStageLogs(third, third)).toEqual([]);
    expect(text(join(third, stageLogFile(3)))).toBe(stage3);
    expect(text(join(third, stageLogFile(1)))).toBe(stage1);

    // an earlier stage's log that lost records no longer matches the epochs the chain recorded
    writeFileSync(join(third, stageLogFile(2)), stage2.split('\n').slice(0, 2).join('\n'));
    expect(startStageLogs(third, third)).toEqual([2]);

    // a fresh run in the same directory is no longer staged: old stage logs go
    await train({ config: quick({ epochs: 1 }), out: third, progress: false });
    expect(existsSync(join(third, stageLogFile(1)))).toBe(false);
    expect(existsSync(join(third, stageLogFile(2)))).toBe(false);
  });

  it('does not take a log that does not belong to the starting model', async () => {
    const src = tmp();
    const { bestEpoch } = await train({ config: quick({ epochs: 2 }), out: src, progress: false });
    // as if a later run in the same directory had been stopped after one epoch
    const records = readTrainLog(join(src, TRAIN_LOG));
    writeFileSync(join(src, TRAIN_LOG), `${JSON.stringify(records[0])}\n`);
    const out = tmp();
    expect(startStageLogs(out, src)).toEqual([1]);
    expect(existsSync(join(out, stageLogFile(1)))).toBe(false);

    // a log of the right length whose selected epoch disagrees with the model is refused too
    const altered = records.map((r) =>
      r.epoch === bestEpoch ? { ...r, validationAccuracy: r.validationAccuracy / 2 } : r,
    );
    writeFileSync(join(src, TRAIN_LOG), altered.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(startStageLogs(out, src)).toEqual([1]);

    // the real log is taken
    writeFileSync(join(src, TRAIN_LOG), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(startStageLogs(out, src)).toEqual([]);
    expect(readTrainLog(join(out, stageLogFile(1)))).toEqual(records);
  });

  it('names the file and line of a damaged log record', () => {
    const dir = tmp();
    const path = join(dir, TRAIN_LOG);
    writeFileSync(path, '{"epoch":1}\n');
    appendFileSync(path, '{"epoch":2,\n');
    expect(() => readTrainLog(path)).toThrow(`${path}:2: not a JSON record`);
    expect(readTrainLog(join(dir, 'absent.jsonl'))).toEqual([]);
  });
});
