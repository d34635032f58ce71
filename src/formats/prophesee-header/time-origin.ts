/**
 * Time origin of the Prophesee writers, with the project's `rebaseTime` convention (as the
 * N-MNIST and ES writers): 'never' writes times as they are (exact round trip); 'always' writes the
 * first event at 0; 'auto' (default) is 'never' unless the first time is at or past 2^32 µs
 * (71.6 min: absolute clocks such as AEDAT 4's Unix µs), then 'always'.
 */
import { AUTO_REBASE_THRESHOLD_US, type RebaseTime, validateRebase } from '../nmnist/encoder.ts';

export type { RebaseTime };

export class TimeOrigin {
  private readonly mode: RebaseTime;
  /** µs subtracted from every time; NaN until the first event is seen. */
  origin = Number.NaN;

  constructor(rebaseTime: unknown) {
    this.mode = validateRebase(rebaseTime);
  }

  /** Fixes the origin from the first event's time (call once per packet; cheap after the first). */
  see(firstT: number): void {
    if (!Number.isNaN(this.origin)) return;
    const rebase = this.mode === 'always' || (this.mode === 'auto' && firstT >= AUTO_REBASE_THRESHOLD_US);
    this.origin = rebase && Number.isFinite(firstT) ? firstT : 0;
  }
}
