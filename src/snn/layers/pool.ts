/**
 * Spike-aggregation pooling (BATS): output unit (c, py, px) emits every spike of every input in its
 * window, at the same time. Stateless apart from the output log; no synapses, so no synaptic ops.
 */
import { SpikeLog } from '../spike-log.ts';
import type { PoolLayerSpec } from '../spec.ts';
import { pair } from './conv2d.ts';

export class PoolLayer {
  readonly kind = 'pool';
  readonly size: number;
  readonly inputSize: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly log: SpikeLog;
  readonly spikeCounts: Int32Array;
  readonly firstSpikeTimes: Float64Array;
  synOps = 0;
  neuronUpdates = 0;
  /** Per input position: offsets into `targets` (length H·W + 1). */
  private readonly targetStart: Int32Array;
  /** Output positions py·outW + px reached by each input position. */
  private readonly targets: Int32Array;
  private readonly inHW: number;

  constructor(spec: PoolLayerSpec, inputShape: readonly number[]) {
    const [kh, kw] = pair(spec.kernel, 1);
    const [sy, sx] = pair(spec.stride ?? spec.kernel, 1);
    const [channels, h, w] = inputShape;
    this.channels = channels;
    this.outHeight = Math.floor((h - kh) / sy) + 1;
    this.outWidth = Math.floor((w - kw) / sx) + 1;
    this.size = channels * this.outHeight * this.outWidth;
    this.inputSize = channels * h * w;
    this.inHW = h * w;
    this.log = new SpikeLog(Math.max(64, this.size));
    this.spikeCounts = new Int32Array(this.size);
    this.firstSpikeTimes = new Float64Array(this.size).fill(Number.POSITIVE_INFINITY);
    this.targetStart = new Int32Array(h * w + 1);
    const list: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        this.targetStart[y * w + x] = list.length;
        for (let py = 0; py < this.outHeight; py++) {
          if (y < py * sy || y >= py * sy + kh) continue;
          for (let px = 0; px < this.outWidth; px++) {
            if (x < px * sx || x >= px * sx + kw) continue;
            list.push(py * this.outWidth + px);
          }
        }
      }
    }
    this.targetStart[h * w] = list.length;
    this.targets = Int32Array.from(list);
  }

  reset(_windowStart: number): void {
    this.log.clear();
    this.spikeCounts.fill(0);
    this.firstSpikeTimes.fill(Number.POSITIVE_INFINITY);
    this.synOps = 0;
    this.neuronUpdates = 0;
  }

  consume(times: Float64Array, indices: Int32Array, from: number, to: number): void {
    const outHW = this.outHeight * this.outWidth;
    const log = this.log;
    for (let k = from; k < to; k++) {
      const j = indices[k];
      const ch = (j / this.inHW) | 0;
      const p = j - ch * this.inHW;
      const t = times[k];
      for (let q = this.targetStart[p]; q < this.targetStart[p + 1]; q++) {
        const n = ch * outHW + this.targets[q];
        log.push(t, n);
        if (this.spikeCounts[n] === 0) this.firstSpikeTimes[n] = t;
        this.spikeCounts[n]++;
      }
    }
  }

  advanceTo(_T: number): void {}

  silentNeurons(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.spikeCounts[i] === 0) n++;
    return n;
  }
}
