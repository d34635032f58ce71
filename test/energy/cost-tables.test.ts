import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COST_TABLES,
  estimateEnergy,
  resolveCostTable,
  toEnergyCounters,
} from '../../src/energy/cost-tables.ts';
import { compileNetwork } from '../../src/snn/network.ts';
import { randomDense, randomInput } from '../snn/random-nets.ts';

describe('cost tables', () => {
  const net = compileNetwork(
    randomDense(3, 8, [10, 4], () => ({ tauS: 0.13, threshold: 0.15, maxSpikes: 3 })),
  );
  const res = net.run(randomInput(4, 8, 20, 0.3));

  it('built-in figures: 45 nm CMOS 0.9 pJ/AC and 4.6 pJ/MAC, Loihi 23.6 pJ/SOP', () => {
    expect(COST_TABLES.cmos45nm.synOpJ).toBe(0.9e-12);
    expect(COST_TABLES.cmos45nm.macJ).toBe(4.6e-12);
    expect(COST_TABLES.loihi.synOpJ).toBe(23.6e-12);
  });

  it('energy = synaptic ops × cost per op, reported with the table name', () => {
    // synaptic ops: 20 input spikes × 10 + hidden spikes × 4
    expect(res.counters.synOps).toBe(20 * 10 + res.counters.layers[0].spikes * 4);
    const e = estimateEnergy(res.counters, resolveCostTable('loihi'));
    expect(e.costTable).toBe('loihi');
    expect(e.energyJ).toBeCloseTo(res.counters.synOps * 23.6e-12, 20);
    expect(e.denseEquivalentJ).toBeNull();
    const c = estimateEnergy(res.counters, resolveCostTable());
    expect(c.costTable).toBe('cmos45nm');
    expect(c.denseEquivalentJ).toBeCloseTo((8 * 10 + 10 * 4) * 4.6e-12, 20);
    const pred = toEnergyCounters(res.counters, resolveCostTable('loihi'));
    expect(pred).toMatchObject({ inputEvents: 20, synapticOps: res.counters.synOps, costTable: 'loihi' });
  });

  it('reads user tables from JSON and names bad fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikestream-cost-'));
    try {
      const good = join(dir, 'mine.json');
      writeFileSync(good, JSON.stringify({ name: 'mine', synOpJ: 1e-12, neuronUpdateJ: 2e-12 }));
      const t = resolveCostTable(good);
      expect(estimateEnergy(res.counters, t).energyJ).toBeCloseTo(
        res.counters.synOps * 1e-12 + res.counters.neuronUpdates * 2e-12,
        20,
      );
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'bad', synOpJ: -1 }));
      expect(() => resolveCostTable(bad)).toThrow(/bad\.json: synOpJ/);
      expect(() => resolveCostTable('nope')).toThrow(/unknown cost table "nope".*cmos45nm, loihi/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
