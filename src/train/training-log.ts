/**
 * The per-epoch training logs of a model directory: `train-log.jsonl` for the run that wrote the
 * model and, for a warm-started model, `train-log.stageN.jsonl` for each earlier stage (N = 1 is
 * the first), so the whole history of a model trained in stages stays beside it.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../model/loader.ts';
import type { ModelSpec } from '../model/schema.ts';
import { type EpochRecord, initialisedFrom, type TrainingStage } from './train.ts';

export const TRAIN_LOG = 'train-log.jsonl';

/** The file holding the log of earlier stage `stage` (1-based). */
export function stageLogFile(stage: number): string {
  return `train-log.stage${stage}.jsonl`;
}

const STAGE_LOG = /^train-log\.stage(\d+)\.jsonl$/;

/** The records of one log file; [] when the file does not exist. */
export function readTrainLog(path: string): EpochRecord[] {
  if (!existsSync(path)) return [];
  const records: EpochRecord[] = [];
  for (const [i, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as EpochRecord);
    } catch (err) {
      throw new Error(`${path}:${i + 1}: not a JSON record (${(err as Error).message})`);
    }
  }
  return records;
}

/** One stage of a model's history, earliest first; `records` is empty when its log is missing. */
export interface StageLog {
  readonly stage: number;
  /** Epochs the stage trained, as the provenance records them (else the log's length). */
  readonly epochs: number;
  readonly records: readonly EpochRecord[];
}

/**
 * Every stage's log in `dir`: the earlier stages recorded in `stages` (provenance, earliest first),
 * then the run that wrote the model (`train-log.jsonl`).
 */
export function readStageLogs(dir: string, stages: readonly TrainingStage[]): StageLog[] {
  const out: StageLog[] = stages.map((s, i) => {
    const records = readTrainLog(join(dir, stageLogFile(i + 1)));
    return { stage: i + 1, epochs: s.epochs ?? records.length, records };
  });
  const own = readTrainLog(join(dir, TRAIN_LOG));
  out.push({ stage: stages.length + 1, epochs: own.length, records: own });
  return out;
}

/** A damaged log (a run killed mid-write) counts as no log here: it cannot belong to a finished model. */
function readTrainLogIfWhole(path: string): EpochRecord[] {
  try {
    return readTrainLog(path);
  } catch {
    return [];
  }
}

/** Whether `records` are the log of the run that wrote `model` (length and selected accuracy agree). */
function logBelongsTo(records: readonly EpochRecord[], model: ModelSpec): boolean {
  const best = records[Number(model.provenance?.bestEpoch ?? 0) - 1];
  if (!best || records.length !== model.metrics?.epochs) return false;
  return (
    Math.max(best.validationAccuracy, best.averageValidationAccuracy ?? -1) ===
    model.metrics?.validationAccuracy
  );
}

/**
 * Called when a run starts afresh in `outDir`: removes stage logs left there by an earlier model,
 * then, for a run warm-started from the model in `fromDir`, copies the logs that made that model
 * (its own stage logs and its `train-log.jsonl`) in as this run's earlier stages. A log is copied
 * only when it belongs to the model: as many records as the model's epochs, and the selected
 * epoch's accuracy equal to the model's (an earlier stage's log: as many records as the model's
 * provenance gives that stage), so a partial log of a stopped run is never taken for the finished
 * one. Reads everything before writing, so `fromDir` may be `outDir`.
 * Returns the stage numbers whose logs were not available.
 */
export function startStageLogs(outDir: string, fromDir?: string): number[] {
  const carried = new Map<number, string>();
  const missing: number[] = [];
  if (fromDir) {
    const source = loadModel(fromDir);
    const earlier = initialisedFrom(source)?.stages ?? [];
    for (const [i, { epochs }] of earlier.entries()) {
      const path = join(fromDir, stageLogFile(i + 1));
      const records = readTrainLogIfWhole(path);
      // the source's record of that stage's epochs is all there is to check an earlier log against
      if (records.length > 0 && (epochs === null || records.length === epochs))
        carried.set(i + 1, readFileSync(path, 'utf8'));
      else missing.push(i + 1);
    }
    // the model's own log; after a stopped run that wrote into the model's directory, that run's
    // partial log has replaced it there, but the copy this function made when the run started remains
    const ownStage = earlier.length + 1;
    const ownLog = [TRAIN_LOG, stageLogFile(ownStage)]
      .map((f) => join(fromDir, f))
      .find((path) => logBelongsTo(readTrainLogIfWhole(path), source));
    if (ownLog) carried.set(ownStage, readFileSync(ownLog, 'utf8'));
    else missing.push(ownStage);
  }
  for (const f of readdirSync(outDir)) if (STAGE_LOG.test(f)) rmSync(join(outDir, f));
  for (const [stage, text] of carried) writeFileSync(join(outDir, stageLogFile(stage)), text);
  return missing;
}

/** Where each stage starts on an epoch axis that runs on across stages (0 for the first). */
export function stageOffsets(stages: readonly StageLog[]): number[] {
  let offset = 0;
  return stages.map((stage) => {
    const start = offset;
    offset += stage.epochs;
    return start;
  });
}
