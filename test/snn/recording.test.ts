import { describe, expect, it } from 'vitest';
import { compileNetwork } from '../../src/snn/network.ts';
import type { DenseLayerSpec } from '../../src/snn/spec.ts';
import { randomDense, randomInput } from './random-nets.ts';

describe('recorded gradient terms (aNorm, xNorm)', () => {
  it('give ∂t_k/∂w that matches finite differences for first spikes', () => {
    const tauS = 0.13;
    const tau = 2 * tauS;
    const theta = 0.15;
    const c = theta / tau;
    const spec = randomDense(31, 6, [5], () => ({ tauS, threshold: theta, maxSpikes: 1 }), 0.2, 1);
    const input = randomInput(32, 6, 12, 0.3);
    const layer = spec.layers[0] as DenseLayerSpec;
    const net = compileNetwork(spec, { record: true });
    const res = net.run(input);
    const out = res.layers[0];
    expect(out.count).toBeGreaterThan(2);
    let checked = 0;
    for (let k = 0; k < out.count; k++) {
      const i = out.neurons[k];
      const tk = out.times[k];
      const aN = out.aNorm![k];
      const xN = out.xNorm![k];
      const f1 = (tau / aN) * (1 + c / xN);
      const f2 = tau / xN;
      for (let j = 0; j < 6; j++) {
        let analytic = 0;
        for (let z = 0; z < input.times.length; z++) {
          if (input.indices[z] !== j || input.times[z] >= tk) continue;
          analytic +=
            f1 * Math.exp((input.times[z] - tk) / tauS) - f2 * Math.exp((input.times[z] - tk) / tau);
        }
        const at = j * 5 + i;
        const w0 = layer.weights[at];
        const h = 1 / 1024; // exact in float32 around these weights
        layer.weights[at] = w0 + h;
        const up = compileNetwork(spec).run(input).layers[0].firstSpikeTimes[i];
        layer.weights[at] = w0 - h;
        const down = compileNetwork(spec).run(input).layers[0].firstSpikeTimes[i];
        layer.weights[at] = w0;
        if (!Number.isFinite(up) || !Number.isFinite(down)) continue;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(analytic - numeric)).toBeLessThan(1e-3 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
