/**
 * An independent reference for the engine: integrates the CuBa LIF ODEs
 *   du/dt = −u/τ + I,  dI/dt = −I/τ_s,  an input adds w to I,  u ≥ θ → spike and u ← u − θ
 * with fixed-step classical Runge–Kutta (RK4), neuron by neuron. It shares no formula with the
 * engine: no closed form, no quadratic, no exponentials of time. Connectivity is built in the
 * "gather" direction (each output lists its inputs), the engine scatters.
 *
 * Threshold crossings are located by bisection on RK4 sub-steps from the step start; a crossing
 * hidden inside a step (u rises above θ and falls back) is caught by bisecting du/dt for the peak.
 */
import type { LayerSpec, NetworkSpec } from '../../src/snn/spec.ts';

export interface RefSpikes {
  times: number[];
  neurons: number[];
}

interface Incoming {
  /** input index → list of [target neuron, weight] */
  targets: [number, number][][];
  size: number;
  outShape: number[];
}

function pairOf(v: number | readonly [number, number] | undefined, d: number): [number, number] {
  if (v === undefined) return [d, d];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function connectivity(layer: LayerSpec, inShape: readonly number[]): Incoming {
  const inSize = inShape.reduce((p, q) => p * q, 1);
  const targets: [number, number][][] = Array.from({ length: inSize }, () => []);
  if (layer.type === 'dense') {
    for (let i = 0; i < layer.size; i++) {
      for (let j = 0; j < inSize; j++) targets[j].push([i, layer.weights[j * layer.size + i]]);
    }
    return { targets, size: layer.size, outShape: [layer.size] };
  }
  const [C, H, W] = inShape;
  if (layer.type === 'conv2d') {
    const [kh, kw] = pairOf(layer.kernel, 1);
    const [sy, sx] = pairOf(layer.stride, 1);
    const [py, px] = pairOf(layer.padding, 0);
    const OH = Math.floor((H + 2 * py - kh) / sy) + 1;
    const OW = Math.floor((W + 2 * px - kw) / sx) + 1;
    const O = layer.outChannels;
    for (let o = 0; o < O; o++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const n = (o * OH + oy) * OW + ox;
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const y = oy * sy - py + ky;
                const x = ox * sx - px + kx;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                const wgt = layer.weights[((o * C + c) * kh + ky) * kw + kx];
                targets[(c * H + y) * W + x].push([n, wgt]);
              }
            }
          }
        }
      }
    }
    return { targets, size: O * OH * OW, outShape: [O, OH, OW] };
  }
  const [kh, kw] = pairOf(layer.kernel, 1);
  const [sy, sx] = pairOf(layer.stride ?? layer.kernel, 1);
  const OH = Math.floor((H - kh) / sy) + 1;
  const OW = Math.floor((W - kw) / sx) + 1;
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            targets[(c * H + oy * sy + ky) * W + ox * sx + kx].push([(c * OH + oy) * OW + ox, 1]);
          }
        }
      }
    }
  }
  return { targets, size: C * OH * OW, outShape: [C, OH, OW] };
}

/** One RK4 step of length h from (u, I). */
function rk4(u: number, I: number, h: number, tau: number, tauS: number): [number, number] {
  const du = (uu: number, ii: number) => -uu / tau + ii;
  const dI = (ii: number) => -ii / tauS;
  const k1u = du(u, I);
  const k1i = dI(I);
  const k2u = du(u + (h / 2) * k1u, I + (h / 2) * k1i);
  const k2i = dI(I + (h / 2) * k1i);
  const k3u = du(u + (h / 2) * k2u, I + (h / 2) * k2i);
  const k3i = dI(I + (h / 2) * k2i);
  const k4u = du(u + h * k3u, I + h * k3i);
  const k4i = dI(I + h * k3i);
  return [u + (h / 6) * (k1u + 2 * k2u + 2 * k3u + k4u), I + (h / 6) * (k1i + 2 * k2i + 2 * k3i + k4i)];
}

/** Simulates one neuron over its incoming events; returns its spike times. */
function simulateNeuron(
  events: [number, number][],
  tauS: number,
  theta: number,
  maxSpikes: number,
  tEnd: number,
  h: number,
): number[] {
  const tau = 2 * tauS;
  const out: number[] = [];
  let u = 0;
  let I = 0;
  let t = events.length > 0 ? events[0][0] : tEnd;
  let e = 0;
  while (out.length < maxSpikes) {
    while (e < events.length && events[e][0] <= t) I += events[e++][1];
    const segEnd = e < events.length ? events[e][0] : tEnd;
    if (t >= tEnd && e >= events.length) break;
    // integrate [t, segEnd] in steps of at most h
    let spiked = false;
    while (t < segEnd && !spiked) {
      const step = Math.min(h, segEnd - t);
      const [u1, I1] = rk4(u, I, step, tau, tauS);
      let crossAt = -1;
      if (u1 >= theta) crossAt = step;
      else {
        const d0 = -u / tau + I;
        const d1 = -u1 / tau + I1;
        if (d0 > 0 && d1 < 0) {
          // a peak inside the step: find it, and test it
          let lo = 0;
          let hi = step;
          for (let it = 0; it < 60; it++) {
            const mid = (lo + hi) / 2;
            const [um, Im] = rk4(u, I, mid, tau, tauS);
            if (-um / tau + Im > 0) lo = mid;
            else hi = mid;
          }
          if (rk4(u, I, lo, tau, tauS)[0] >= theta) crossAt = lo;
        }
      }
      if (crossAt >= 0) {
        let lo = 0;
        let hi = crossAt;
        for (let it = 0; it < 80; it++) {
          const mid = (lo + hi) / 2;
          if (rk4(u, I, mid, tau, tauS)[0] >= theta) hi = mid;
          else lo = mid;
        }
        const [us, Is] = rk4(u, I, hi, tau, tauS);
        t += hi;
        if (t > tEnd) return out;
        out.push(t);
        u = us - theta;
        I = Is;
        spiked = true;
      } else {
        u = u1;
        I = I1;
        t += step;
      }
    }
    if (!spiked && t >= segEnd && e >= events.length) break;
  }
  return out;
}

/** Runs the whole network with the reference integrator; returns each layer's spikes sorted by time. */
export function referenceRun(spec: NetworkSpec, input: RefSpikes, tEnd: number, h: number): RefSpikes[] {
  let shape: readonly number[] = spec.inputShape;
  let current = input;
  const result: RefSpikes[] = [];
  for (const layer of spec.layers) {
    const conn = connectivity(layer, shape);
    const perNeuron: [number, number][][] = Array.from({ length: conn.size }, () => []);
    const order = current.times.map((_, k) => k).sort((p, q) => current.times[p] - current.times[q] || p - q);
    for (const k of order) {
      for (const [n, w] of conn.targets[current.neurons[k]]) perNeuron[n].push([current.times[k], w]);
    }
    const spikes: [number, number][] = [];
    for (let n = 0; n < conn.size; n++) {
      if (layer.type === 'pool') {
        for (const [t] of perNeuron[n]) spikes.push([t, n]);
      } else {
        const p = layer.neuron;
        for (const t of simulateNeuron(perNeuron[n], p.tauS, p.threshold, p.maxSpikes, tEnd, h))
          spikes.push([t, n]);
      }
    }
    spikes.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    current = { times: spikes.map((s) => s[0]), neurons: spikes.map((s) => s[1]) };
    result.push(current);
    shape = conn.outShape;
  }
  return result;
}
