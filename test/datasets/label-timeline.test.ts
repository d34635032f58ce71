import { describe, expect, it } from 'vitest';
import { labelAt, labelTimelineToJson, parseLabelTimeline } from '../../src/datasets/label-timeline.ts';

describe('label timelines', () => {
  const json = labelTimelineToJson({
    classNames: ['a', 'b'],
    labels: [
      { startUs: 0, endUs: 100, label: 'b', classIndex: 1 },
      { startUs: 150, endUs: 250, label: 'a', classIndex: 0 },
    ],
  });

  it('round-trips and finds the segment at a time (half-open, gaps unlabelled)', () => {
    const t = parseLabelTimeline(json);
    expect(t.labels).toHaveLength(2);
    expect(labelAt(t, 0)?.label).toBe('b');
    expect(labelAt(t, 99)?.label).toBe('b');
    expect(labelAt(t, 100)).toBeUndefined();
    expect(labelAt(t, 200)?.classIndex).toBe(0);
    expect(labelAt(t, 250)).toBeUndefined();
    expect(labelAt(t, -5)).toBeUndefined();
  });

  it('accepts the minimal sidecar form and derives class indices from names', () => {
    const t = parseLabelTimeline('{"classNames":["x","y"],"labels":[{"startUs":0,"endUs":5,"label":"y"}]}');
    expect(t.labels[0].classIndex).toBe(1);
    expect(parseLabelTimeline('{"labels":[]}').classNames).toEqual([]);
  });

  it('names the file and field of bad entries', () => {
    expect(() => parseLabelTimeline('{', 'f.json')).toThrow(/f\.json: not valid JSON/);
    expect(() => parseLabelTimeline('{"labels":{}}', 'f.json')).toThrow(/f\.json: labels: must be an array/);
    expect(() => parseLabelTimeline('{"labels":[{"startUs":5,"endUs":1,"label":"a"}]}', 'f.json')).toThrow(
      /labels\[0\]\.endUs/,
    );
    expect(() =>
      parseLabelTimeline(
        '{"labels":[{"startUs":0,"endUs":10,"label":"a"},{"startUs":5,"endUs":20,"label":"b"}]}',
        'f.json',
      ),
    ).toThrow(/labels\[1\]\.startUs: overlaps/);
    expect(() => parseLabelTimeline('{"labels":[{"startUs":0,"endUs":1,"label":3}]}', 'f.json')).toThrow(
      /labels\[0\]\.label/,
    );
  });
});
