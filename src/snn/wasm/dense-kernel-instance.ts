/**
 * Instantiates the dense-layer SIMD kernel (dense-kernel.wat) for one layer: one WebAssembly
 * memory holding a copy of the weights, the a/b state and the flagged-neuron list. Returns null
 * where WebAssembly SIMD is unavailable (the JavaScript path is then used).
 */
import { DENSE_KERNEL_WASM_BASE64 } from './dense-kernel.ts';

export interface DenseKernel {
  /** Weights [inputs][size] inside wasm memory (a copy: `syncWeights` refreshes it). */
  readonly weights: Float32Array;
  /** a, b state views (length size); the padding neuron (if size is odd) is kept at a = +∞. */
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** Indices flagged by the last `step`. */
  readonly flagged: Int32Array;
  /** Settles (xLo, X] and integrates input row `row`; returns the number of flagged neurons. */
  step(
    row: number,
    X: number,
    X2: number,
    cX2: number,
    twoCLo: number,
    twoCHi: number,
    fourC: number,
  ): number;
  /** Integrates input row `row` only. */
  integrate(row: number, X: number, X2: number): void;
  /** Copies `source` into the kernel's weights. */
  syncWeights(source: Float32Array): void;
  /** Sets the padding neuron to a = +∞ (after the state was cleared). */
  resetPadding(): void;
}

let cached: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = Buffer.from(DENSE_KERNEL_WASM_BASE64, 'base64');
    cached = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    cached = null;
  }
  return cached;
}

/** Whether this runtime can run the SIMD kernel. */
export function denseKernelAvailable(): boolean {
  return kernelModule() !== null;
}

type StepFn = (
  w: number,
  a: number,
  b: number,
  out: number,
  n: number,
  X: number,
  X2: number,
  cX2: number,
  lo: number,
  hi: number,
  fourC: number,
) => number;
type IntegrateFn = (w: number, a: number, b: number, n: number, X: number, X2: number) => void;

export function createDenseKernel(source: Float32Array, size: number): DenseKernel | null {
  const mod = kernelModule();
  if (!mod) return null;
  const padded = size + (size & 1);
  const wBytes = source.length * 4 + 16; // the last pair load may read 4 bytes past the end
  const aPtr = Math.ceil(wBytes / 16) * 16;
  const bPtr = aPtr + padded * 8;
  const outPtr = bPtr + padded * 8;
  const end = outPtr + padded * 4;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) });
  } catch {
    return null; // too large for a wasm memory here: the JS loops take over
  }
  const exports = new WebAssembly.Instance(mod, { env: { memory } }).exports as {
    step: StepFn;
    integrate: IntegrateFn;
  };
  const weights = new Float32Array(memory.buffer, 0, source.length);
  weights.set(source);
  const aAll = new Float64Array(memory.buffer, aPtr, padded);
  const a = aAll.subarray(0, size);
  const b = new Float64Array(memory.buffer, bPtr, size);
  const flagged = new Int32Array(memory.buffer, outPtr, padded);
  const rowBytes = size * 4;
  const { step, integrate } = exports;
  const kernel: DenseKernel = {
    weights,
    a,
    b,
    flagged,
    step: (row, X, X2, cX2, twoCLo, twoCHi, fourC) =>
      step(row * rowBytes, aPtr, bPtr, outPtr, size, X, X2, cX2, twoCLo, twoCHi, fourC),
    integrate: (row, X, X2) => integrate(row * rowBytes, aPtr, bPtr, size, X, X2),
    syncWeights: (src) => weights.set(src),
    resetPadding: () => {
      if (padded !== size) aAll[size] = Number.POSITIVE_INFINITY;
    },
  };
  kernel.resetPadding();
  return kernel;
}
