/** Window-end readout of an output layer: first spike (TTFS) or spike count (relaxed). */

export interface Decision {
  /** Winning output neuron, or −1 when every output is silent. */
  readonly classIndex: number;
  /** First-spike times (Infinity when silent) or spike counts, per output neuron. */
  readonly scores: readonly number[];
  /** Whether another output had the same score as the winner (the lowest index wins). */
  readonly tie: boolean;
}

/**
 * `first-spike`: the earliest first spike wins; `spike-count`: the most spikes win. Ties go to the
 * lowest index (as BATS); when every output is silent there is no winner (classIndex −1), unlike
 * BATS, which would silently answer class 0.
 */
export function decide(
  kind: 'first-spike' | 'spike-count',
  firstSpikeTimes: ArrayLike<number>,
  spikeCounts: ArrayLike<number>,
): Decision {
  const n = spikeCounts.length;
  let best = -1;
  let tie = false;
  if (kind === 'first-spike') {
    for (let i = 0; i < n; i++) {
      const t = firstSpikeTimes[i];
      if (!Number.isFinite(t)) continue;
      if (best < 0 || t < firstSpikeTimes[best]) {
        best = i;
        tie = false;
      } else if (t === firstSpikeTimes[best]) tie = true;
    }
    return { classIndex: best, scores: Array.from(firstSpikeTimes), tie };
  }
  for (let i = 0; i < n; i++) {
    const c = spikeCounts[i];
    if (c === 0) continue;
    if (best < 0 || c > spikeCounts[best]) {
      best = i;
      tie = false;
    } else if (c === spikeCounts[best]) tie = true;
  }
  return { classIndex: best, scores: Array.from(spikeCounts), tie };
}
