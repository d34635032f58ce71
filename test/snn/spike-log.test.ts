import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpikeLog } from '../../src/snn/spike-log.ts';

describe('SpikeLog.sortFrom', () => {
  it('sorts a segment by time, stably, moving every column together (short and long segments)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 300 }),
        (prefix, times) => {
          const log = new SpikeLog(4, true);
          prefix.forEach((t, k) => {
            log.pushRecorded(t, -k - 1, 0, 0);
          });
          const start = log.count;
          times.forEach((t, k) => {
            log.pushRecorded(t, k, 2 * k, 3 * k);
          });
          log.sortFrom(start);
          const want = times.map((t, k) => [t, k] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
          for (let k = 0; k < prefix.length; k++) expect(log.neurons[k]).toBe(-k - 1);
          want.forEach(([t, n], k) => {
            expect(log.times[start + k]).toBe(t);
            expect(log.neurons[start + k]).toBe(n);
            expect(log.aNorm?.[start + k]).toBe(2 * n);
            expect(log.xNorm?.[start + k]).toBe(3 * n);
          });
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('SpikeLog.sortFrom with clustered times', () => {
  it('falls back to a merge sort when times crowd one bucket, still stable', () => {
    const log = new SpikeLog(4);
    // 200 spikes within 1e-9 of each other plus one far outlier: every bucket pass is crowded
    for (let k = 0; k < 200; k++) log.push(1 + ((k * 7919) % 200) * 1e-11, k);
    log.push(0, 999);
    log.push(5, 1000);
    log.sortFrom(0);
    expect(log.neurons[0]).toBe(999);
    expect(log.neurons[201]).toBe(1000);
    for (let k = 1; k < log.count; k++) expect(log.times[k]).toBeGreaterThanOrEqual(log.times[k - 1]);
  });
});
