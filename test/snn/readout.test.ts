import { describe, expect, it } from 'vitest';
import { decide } from '../../src/snn/readout.ts';

const inf = Number.POSITIVE_INFINITY;

describe('decide', () => {
  it('first-spike: the earliest first spike wins; ties go to the lowest index and are flagged', () => {
    expect(decide('first-spike', [0.3, 0.1, inf], [1, 1, 0])).toEqual({
      classIndex: 1,
      scores: [0.3, 0.1, inf],
      tie: false,
    });
    expect(decide('first-spike', [0.2, 0.1, 0.1], [1, 1, 1]).classIndex).toBe(1);
    expect(decide('first-spike', [0.2, 0.1, 0.1], [1, 1, 1]).tie).toBe(true);
  });

  it('spike-count: the most spikes win; ties to the lowest index', () => {
    expect(decide('spike-count', [0, 0, 0], [3, 5, 5])).toMatchObject({
      classIndex: 1,
      tie: true,
      scores: [3, 5, 5],
    });
    expect(decide('spike-count', [0, 0, 0], [7, 5, 5])).toMatchObject({ classIndex: 0, tie: false });
  });

  it('every output silent: no winner (−1), unlike BATS which answers class 0', () => {
    expect(decide('first-spike', [inf, inf], [0, 0]).classIndex).toBe(-1);
    expect(decide('spike-count', [inf, inf], [0, 0]).classIndex).toBe(-1);
  });
});
