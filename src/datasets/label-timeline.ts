/**
 * Label timelines for labelled streams: which class is on show from when to when (sensor µs).
 * Written by the `emulate:saccade` source (StreamInfo.metadata.labelTimeline) and by
 * scripts/make-demo-recording.ts (a `<recording>.labels.json` sidecar), read by whoever scores
 * predictions against ground truth. Both use the same JSON:
 *
 *   { "classNames": ["0", …], "labels": [ { "startUs": 0, "endUs": 315000, "label": "7", "classIndex": 7 }, … ] }
 *
 * Segments are sorted, half-open [startUs, endUs), and do not overlap; gaps carry no label.
 */

export interface LabelSegment {
  readonly startUs: number;
  readonly endUs: number;
  readonly label: string;
  readonly classIndex: number;
}

export interface LabelTimeline {
  readonly classNames: readonly string[];
  readonly labels: readonly LabelSegment[];
}

/** Parses and validates timeline JSON; errors name `origin` and the offending field. */
export function parseLabelTimeline(json: string, origin = '<labels>'): LabelTimeline {
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch (err) {
    throw new SyntaxError(`${origin}: not valid JSON: ${(err as Error).message}`);
  }
  const fail = (field: string, msg: string): never => {
    throw new TypeError(`${origin}: ${field}: ${msg}`);
  };
  if (typeof root !== 'object' || root === null) fail('(root)', 'must be an object');
  const r = root as { classNames?: unknown; labels?: unknown };
  const classNames = r.classNames ?? [];
  if (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string')) {
    fail('classNames', 'must be an array of strings');
  }
  if (!Array.isArray(r.labels)) fail('labels', 'must be an array');
  const labels: LabelSegment[] = [];
  let prevEnd = Number.NEGATIVE_INFINITY;
  (r.labels as unknown[]).forEach((s, i) => {
    const seg = s as Partial<LabelSegment>;
    if (typeof seg !== 'object' || seg === null) fail(`labels[${i}]`, 'must be an object');
    const { startUs, endUs, label } = seg;
    if (typeof startUs !== 'number' || !Number.isFinite(startUs))
      fail(`labels[${i}].startUs`, 'must be a number');
    if (typeof endUs !== 'number' || !(endUs >= (startUs as number)))
      fail(`labels[${i}].endUs`, 'must be a number ≥ startUs');
    if (typeof label !== 'string') fail(`labels[${i}].label`, 'must be a string');
    if ((startUs as number) < prevEnd)
      fail(`labels[${i}].startUs`, `overlaps or precedes the previous segment (ends ${prevEnd})`);
    prevEnd = endUs as number;
    const classIndex =
      typeof seg.classIndex === 'number' ? seg.classIndex : (classNames as string[]).indexOf(label as string);
    labels.push({ startUs: startUs as number, endUs: endUs as number, label: label as string, classIndex });
  });
  return { classNames: classNames as string[], labels };
}

export function labelTimelineToJson(timeline: LabelTimeline): string {
  return JSON.stringify({ classNames: timeline.classNames, labels: timeline.labels });
}

/** The segment containing `tUs`, or undefined in a gap (binary search). */
export function labelAt(timeline: LabelTimeline, tUs: number): LabelSegment | undefined {
  const segs = timeline.labels;
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid].endUs <= tUs) lo = mid + 1;
    else hi = mid;
  }
  const s = segs[lo];
  return s && s.startUs <= tUs && tUs < s.endUs ? s : undefined;
}
