/** Minimal SVG line charts (no dependencies) for training curves and robustness figures. */
import { type StageLog, stageOffsets } from './training-log.ts';

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Fixed y range; default from the data. */
  readonly yMin?: number;
  readonly yMax?: number;
  /** Labelled vertical dashed lines (e.g. where a training stage began). */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** An SVG document with one line per series. */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 64, r: 150, t: 36, b: 48 };
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]).filter(Number.isFinite);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  const yMin = o.yMin ?? Math.min(...ys);
  const yMax = o.yMax ?? Math.max(...ys);
  const sx = (x: number) => m.l + ((x - xMin) / (xMax - xMin || 1)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - yMin) / (yMax - yMin || 1)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`,
      `<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(`<text x="${sx(t)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  for (const marker of o.markers ?? []) {
    parts.push(
      `<line x1="${sx(marker.x)}" x2="${sx(marker.x)}" y1="${m.t}" y2="${H - m.b}" stroke="#888" stroke-dasharray="4 3"/>`,
      `<text x="${sx(marker.x) + 3}" y="${m.t + 12}" fill="#555">${esc(marker.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const d = s.points
      .filter((p) => Number.isFinite(p[1]))
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of s.points) {
      if (Number.isFinite(p[1]))
        parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${c}"/>`);
    }
    const ly = m.t + 16 + i * 18;
    parts.push(
      `<line x1="${W - m.r + 10}" x2="${W - m.r + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"/>`,
      `<text x="${W - m.r + 36}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Accuracy per epoch over every stage of a model's training, on one epoch axis that runs on across
 * stages, with a dashed line where each later stage began.
 */
export function trainingCurvesChart(title: string, stages: readonly StageLog[]): string {
  const train: [number, number][] = [];
  const validation: [number, number][] = [];
  const average: [number, number][] = [];
  const offsets = stageOffsets(stages);
  const markers = stages
    .filter((stage) => stage.stage > 1)
    .map((stage) => ({ x: offsets[stage.stage - 1] + 0.5, label: `stage ${stage.stage}` }));
  for (const [i, stage] of stages.entries()) {
    for (const r of stage.records) {
      const x = offsets[i] + r.epoch;
      train.push([x, 100 * r.trainAccuracy]);
      validation.push([x, 100 * r.validationAccuracy]);
      if (r.averageValidationAccuracy !== undefined) average.push([x, 100 * r.averageValidationAccuracy]);
    }
  }
  const series: Series[] = [
    { name: 'train accuracy', points: train },
    { name: 'validation accuracy', points: validation },
    ...(average.length > 0 ? [{ name: 'validation, weight average', points: average }] : []),
  ];
  return lineChart(series, {
    title,
    xLabel: stages.length > 1 ? 'epoch (all stages)' : 'epoch',
    yLabel: 'accuracy (%)',
    markers,
  });
}
