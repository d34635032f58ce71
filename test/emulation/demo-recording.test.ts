import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmulatedSource } from '../../drivers/emulate/index.ts';
import { makeDemoRecording } from '../../scripts/make-demo-recording.ts';
import { parseLabelTimeline } from '../../src/datasets/label-timeline.ts';
import { concatPackets, type EventPacket, packetsEqual } from '../../src/events/packet.ts';
import { openRecording } from '../../src/formats/open.ts';

const dir = mkdtempSync(join(tmpdir(), 'spikestream-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/make-demo-recording.ts', () => {
  it('writes the emulated saccade stream through a registered encoder, plus a label sidecar', async () => {
    const out = join(dir, 'demo.aedat4');
    const r = await makeDemoRecording({ format: 'aedat4', out, count: 3, start: 1, gapMs: 20, seed: 2 });
    const timeline = parseLabelTimeline(readFileSync(r.labelsPath, 'utf8'), r.labelsPath);
    expect(timeline.labels.map((s) => s.startUs)).toEqual([0, 335_000, 670_000]);
    expect(r.durationUs).toBe(985_000);

    const rec = await openRecording(out);
    const parts: EventPacket[] = [];
    for await (const p of rec) parts.push(p);
    const written = concatPackets(parts);
    expect([rec.info?.width, rec.info?.height]).toEqual([34, 34]);
    expect(written.length).toBe(r.events);

    const src = await openEmulatedSource(new URL('emulate:saccade?start=1&count=3&gap_ms=20&seed=2&speed=0'));
    const direct = concatPackets(await lastValueFrom(src.packets.pipe(toArray())));
    await src.close();
    expect(packetsEqual(written, direct)).toBe(true);
    expect(timeline.labels.map((s) => s.label)).toEqual(src.labelTimeline?.labels.map((s) => s.label));
  });

  it('refuses formats without an encoder and unknown formats', async () => {
    await expect(makeDemoRecording({ format: 'nope', out: join(dir, 'x') })).rejects.toThrow(
      /unknown format/,
    );
  });
});
