/** Training worker thread: a LocalRunner over shared weights, driven by BatchRunner. */
import { parentPort, workerData } from 'node:worker_threads';
import { type RunnerSetup, LocalRunner } from './batch-runner.ts';
import { loadDataset, SampleEncoder } from './data.ts';

interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly indices: Int32Array;
  readonly withGradient: boolean;
  readonly epoch: number;
}

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const { setup, gradBuffers } = workerData as { setup: RunnerSetup; gradBuffers: SharedArrayBuffer[] };
try {
  const ds = await loadDataset(setup.dataset);
  const runner = new LocalRunner(setup, new SampleEncoder(ds, setup.mapping, setup.timeUnitUs), gradBuffers);
  port.on('message', (m: RunMessage) => {
    try {
      const stats = runner.run(m.indices, m.withGradient, m.epoch);
      port.postMessage({ type: 'done', id: m.id, stats });
    } catch (err) {
      port.postMessage({
        type: 'error',
        id: m.id,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
