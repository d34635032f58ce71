/**
 * True labels of a recorded stream: intervals of sensor time with a label, as written by the demo
 * recording script and the emulator (`{"labels": [{"startUs", "endUs", "label"}]}`). A window's
 * true label is the label of the interval that overlaps it most (none when nothing overlaps).
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../events/errors.ts';

export interface LabelInterval {
  readonly startUs: number;
  readonly endUs: number;
  readonly label: string;
}

export class LabelTimeline {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly labels: readonly string[];
  /** maxEnd[k] = max(ends[0..k]): lets the backward scan stop early. */
  private readonly maxEnd: Float64Array;

  constructor(intervals: readonly LabelInterval[]) {
    const sorted = [...intervals].sort((a, b) => a.startUs - b.startUs);
    this.starts = Float64Array.from(sorted, (i) => i.startUs);
    this.ends = Float64Array.from(sorted, (i) => i.endUs);
    this.labels = sorted.map((i) => i.label);
    this.maxEnd = new Float64Array(this.ends.length);
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < this.ends.length; k++) {
      m = Math.max(m, this.ends[k]);
      this.maxEnd[k] = m;
    }
  }

  get size(): number {
    return this.labels.length;
  }

  /** Label of the interval overlapping [startUs, endUs) the most, or undefined. */
  labelFor(startUs: number, endUs: number): string | undefined {
    // First interval that could overlap: binary search on starts for the last start < endUs.
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < endUs) lo = mid + 1;
      else hi = mid;
    }
    let best: string | undefined;
    let bestOverlap = 0;
    for (let k = lo - 1; k >= 0 && this.maxEnd[k] > startUs; k--) {
      const overlap = Math.min(endUs, this.ends[k]) - Math.max(startUs, this.starts[k]);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        best = this.labels[k];
      }
    }
    return best;
  }

  /**
   * Label lookup for a recording replayed in a loop, where each pass continues the timeline
   * `periodUs` later (file replay: last − first event + 1 µs): windows are folded back onto the
   * first pass before the lookup.
   */
  looped(firstUs: number, periodUs: number): (startUs: number, endUs: number) => string | undefined {
    if (!(periodUs > 0)) throw new RangeError(`"periodUs" must be > 0, got ${periodUs}`);
    return (startUs, endUs) => {
      const k = Math.floor((startUs - firstUs) / periodUs);
      const shift = k > 0 ? k * periodUs : 0;
      return this.labelFor(startUs - shift, endUs - shift);
    };
  }

  /** Reads `{"labels": [{"startUs", "endUs", "label"}]}` from a file; errors name the file and entry. */
  static fromFile(path: string): LabelTimeline {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`${path}: cannot read labels: ${(err as Error).message}`);
    }
    return LabelTimeline.fromJson(text, path);
  }

  /**
   * Parses label timeline JSON (the sidecar format, also StreamInfo.metadata.labelTimeline of
   * labelled sources). `origin` names the file or source in errors.
   */
  static fromJson(text: string, origin: string): LabelTimeline {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${origin}: labels are not JSON: ${(err as Error).message}`);
    }
    const list = (json as { labels?: unknown })?.labels;
    if (!Array.isArray(list)) throw new UsageError(`${origin}: labels: expected {"labels": [...]}`);
    const out: LabelInterval[] = [];
    list.forEach((e: unknown, i: number) => {
      const o = e as Partial<LabelInterval>;
      if (
        typeof o?.startUs !== 'number' ||
        typeof o.endUs !== 'number' ||
        !(o.endUs >= o.startUs) ||
        (typeof o.label !== 'string' && typeof o.label !== 'number')
      ) {
        throw new UsageError(`${origin}: labels[${i}]: expected {startUs, endUs >= startUs, label}`);
      }
      out.push({ startUs: o.startUs, endUs: o.endUs, label: String(o.label) });
    });
    return new LabelTimeline(out);
  }
}
