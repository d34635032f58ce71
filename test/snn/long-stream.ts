import { expect } from 'vitest';
import type { InputSpikes, Network, RunResult } from '../../src/snn/network.ts';

/**
 * Feeds `input` again at each of `starts` (model time) into one window of `net` (reset at 0
 * before) and checks that layer `layer` answers each burst exactly as it did at t = 0 in `once`:
 * the check that re-referencing keeps the engine exact however long a window runs.
 */
export function expectSameResponseAt(
  net: Network,
  input: InputSpikes,
  once: RunResult,
  layer: number,
  starts: readonly number[],
): void {
  const indices = Int32Array.from(input.indices);
  const shifted = new Float64Array(input.times.length);
  for (const start of starts) {
    for (let k = 0; k < shifted.length; k++) shifted[k] = input.times[k] + start;
    const before = net.layerSpikes(layer).count;
    net.feed(shifted, indices);
    net.advance(start + 1);
    const v = net.layerSpikes(layer);
    expect(v.count - before).toBe(once.layers[layer].count);
    for (let k = before; k < v.count; k++) {
      expect(Math.abs(v.times[k] - start - once.layers[layer].times[k - before])).toBeLessThan(1e-9);
    }
  }
}
