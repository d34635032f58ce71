/**
 * Energy estimates through named cost tables (DESIGN.md §4, snn-deployment.md §3). An estimate is
 * always reported with the table's name: it is a model-level figure (synaptic ops × energy per op),
 * not a measurement of this CPU.
 */
import { readFileSync } from 'node:fs';
import { SpikestreamError } from '../events/errors.ts';
import type { EnergyCounters } from '../protocol/prediction.ts';
import type { RunCounters } from '../snn/counters.ts';

export interface CostTable {
  /** Short name reported next to every estimate, e.g. "cmos45nm". */
  readonly name: string;
  readonly description: string;
  /** Where the figures come from. */
  readonly source: string;
  /** Joules per synaptic operation (one spike reaching one synapse: an accumulate). */
  readonly synOpJ: number;
  /** Joules per neuron state update (0 when the table has no figure). */
  readonly neuronUpdateJ: number;
  /** Joules per multiply-accumulate, for the dense (non-spiking) equivalent; absent when unknown. */
  readonly macJ?: number;
}

/** Built-in tables. Figures as cited in ../shared/reference/snn-deployment.md §3. */
export const COST_TABLES: Readonly<Record<string, CostTable>> = Object.freeze({
  cmos45nm: {
    name: 'cmos45nm',
    description: '45 nm CMOS, 0.9 V, 32-bit float: 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate',
    source: 'Horowitz, ISSCC 2014 "Computing\'s energy problem" (as cited, e.g. PMC8934428 Table 3)',
    synOpJ: 0.9e-12,
    neuronUpdateJ: 0,
    macJ: 4.6e-12,
  },
  loihi: {
    name: 'loihi',
    description: 'Intel Loihi (14 nm): 23.6 pJ per synaptic operation',
    source: 'Davies et al., IEEE Micro 2018, as cited by Tang et al. 2023 (PMC10326429, Table 3)',
    synOpJ: 23.6e-12,
    neuronUpdateJ: 0,
  },
});

/** Name of the table used when none is given. */
export const DEFAULT_COST_TABLE = 'cmos45nm';

export class CostTableError extends SpikestreamError {
  constructor(message: string) {
    super('E_COST_TABLE', message);
  }
}

/**
 * Validates a user table (parsed JSON). Fields: name (string), synOpJ (J, ≥ 0), optional
 * neuronUpdateJ (J, default 0), macJ (J), description, source. `origin` names the file in errors.
 */
export function parseCostTable(json: unknown, origin = '<cost table>'): CostTable {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CostTableError(`${origin}: must be a JSON object`);
  }
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.length === 0)
    throw new CostTableError(`${origin}: name: must be a non-empty string`);
  const num = (key: string, optional: boolean): number | undefined => {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new CostTableError(
        `${origin}: ${key}: must be a finite number ≥ 0 (joules), got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  const synOpJ = num('synOpJ', false) as number;
  const neuronUpdateJ = num('neuronUpdateJ', true) ?? 0;
  const macJ = num('macJ', true);
  return {
    name: o.name,
    description: typeof o.description === 'string' ? o.description : '',
    source: typeof o.source === 'string' ? o.source : origin,
    synOpJ,
    neuronUpdateJ,
    ...(macJ === undefined ? {} : { macJ }),
  };
}

/** A built-in table by name, or a JSON file path. */
export function resolveCostTable(nameOrFile: string = DEFAULT_COST_TABLE): CostTable {
  const builtin = COST_TABLES[nameOrFile];
  if (builtin) return builtin;
  if (!nameOrFile.endsWith('.json') && !nameOrFile.includes('/')) {
    throw new CostTableError(
      `unknown cost table "${nameOrFile}" (built in: ${Object.keys(COST_TABLES).join(', ')}; or a .json file)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (err) {
    throw new CostTableError(`${nameOrFile}: cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CostTableError(`${nameOrFile}: not JSON: ${(err as Error).message}`);
  }
  return parseCostTable(json, nameOrFile);
}

export interface EnergyEstimate {
  /** Name of the table the estimate uses. */
  readonly costTable: string;
  /** synOps·synOpJ + neuronUpdates·neuronUpdateJ, joules. */
  readonly energyJ: number;
  readonly synOpsJ: number;
  readonly neuronUpdatesJ: number;
  /** The same network run densely (denseMacs·macJ), joules; null when the table has no MAC figure. */
  readonly denseEquivalentJ: number | null;
}

export function estimateEnergy(counters: RunCounters, table: CostTable): EnergyEstimate {
  const synOpsJ = counters.synOps * table.synOpJ;
  const neuronUpdatesJ = counters.neuronUpdates * table.neuronUpdateJ;
  return {
    costTable: table.name,
    energyJ: synOpsJ + neuronUpdatesJ,
    synOpsJ,
    neuronUpdatesJ,
    denseEquivalentJ: table.macJ === undefined ? null : counters.denseMacs * table.macJ,
  };
}

/** The `energy` field of a Prediction (src/protocol/prediction.ts). */
export function toEnergyCounters(counters: RunCounters, table: CostTable): EnergyCounters {
  return {
    inputEvents: counters.inputSpikes,
    spikesPerLayer: counters.layers.map((l) => l.spikes),
    synapticOps: counters.synOps,
    neuronUpdates: counters.neuronUpdates,
    energyJ: estimateEnergy(counters, table).energyJ,
    costTable: table.name,
  };
}
