/** A one-line progress bar with rate and ETA on stderr (only when stderr is a terminal or forced). */
export class Progress {
  private readonly total: number;
  private readonly label: string;
  private readonly enabled: boolean;
  private readonly start = performance.now();
  private lastDraw = 0;

  constructor(label: string, total: number, enabled = process.stderr.isTTY === true) {
    this.label = label;
    this.total = total;
    this.enabled = enabled;
  }

  update(done: number, extra = ''): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 200 && done < this.total) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    process.stderr.write(
      `\r${this.label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ` +
        `${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)} ${extra}\x1b[K`,
    );
  }

  done(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (h > 0) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
