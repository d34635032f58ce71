import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileNetwork } from '../../src/snn/network.ts';
import { denseKernelAvailable } from '../../src/snn/wasm/dense-kernel-instance.ts';
import { randomDense, randomInput } from './random-nets.ts';

const hasWabt = spawnSync('wat2wasm', ['--version']).status === 0;

describe('dense WebAssembly SIMD kernel', () => {
  it('is available on this Node', () => {
    expect(denseKernelAvailable()).toBe(true);
    const net = compileNetwork(
      randomDense(1, 3, [16], () => ({ tauS: 1, threshold: 1, maxSpikes: 1 })),
      { kernel: 'wasm' },
    );
    expect(net.kernel).toBe('wasm');
  });

  for (const [label, caps, sizes] of [
    ['TTFS, odd sizes', [1, 1], [31, 17]],
    ['relaxed, even sizes', [9, 12], [40, 16]],
    ['relaxed, odd sizes', [5, 5], [33, 19]],
  ] as const) {
    it(`gives bit-identical spikes to the JS loops (${label})`, () => {
      for (const seed of [1, 2, 3]) {
        const spec = randomDense(seed, 25, sizes, (l) => ({
          tauS: 0.13,
          threshold: 0.1 + 0.05 * l,
          maxSpikes: caps[l],
        }));
        const input = randomInput(seed + 7, 25, 80, 0.5);
        const js = compileNetwork(spec, { kernel: 'js' }).run(input, { windowEnd: 1.5 });
        const wasm = compileNetwork(spec, { kernel: 'wasm' }).run(input, { windowEnd: 1.5 });
        expect(js.counters.spikes).toBeGreaterThan(10);
        wasm.layers.forEach((l, i) => {
          expect(Array.from(l.neurons)).toEqual(Array.from(js.layers[i].neurons));
          expect(Array.from(l.times)).toEqual(Array.from(js.layers[i].times));
        });
        expect(wasm.counters).toEqual(js.counters);
      }
    });
  }

  it('holds a copy of the weights: edits need syncWeights()', () => {
    const spec = randomDense(4, 10, [20], () => ({ tauS: 0.13, threshold: 0.1, maxSpikes: 3 }));
    const input = randomInput(5, 10, 30, 0.5);
    const net = compileNetwork(spec, { kernel: 'wasm' });
    const before = net.run(input).counters.spikes;
    const w = spec.layers[0].type === 'dense' ? spec.layers[0].weights : new Float32Array();
    w.fill(0);
    expect(net.run(input).counters.spikes).toBe(before);
    net.syncWeights();
    expect(net.run(input).counters.spikes).toBe(0);
  });

  it.skipIf(!hasWabt)('the embedded binary matches dense-kernel.wat (needs wat2wasm from wabt)', () => {
    execFileSync(process.execPath, [
      join(import.meta.dirname, '../../scripts/build-snn-wasm.mjs'),
      '--check',
    ]);
  });
});
