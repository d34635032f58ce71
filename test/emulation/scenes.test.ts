import { describe, expect, it } from 'vitest';
import { PacketBuilder } from '../../src/events/builder.ts';
import { frameSequence, movingBar, rotatingDot, SceneEmulator } from '../../src/emulation/scenes.ts';

describe('synthetic scenes', () => {
  it('the moving bar is where its speed puts it, with anti-aliased edges', () => {
    const bar = movingBar({ width: 40, height: 4, barWidth: 4, speed: 1000, background: 0, foreground: 1 });
    const f = new Float32Array(160);
    bar.render(20_000, f); // 20 px along, from lo = −3: centre at x = 17
    const row = Array.from(f.subarray(0, 40));
    const peak = row.indexOf(Math.max(...row));
    expect(peak).toBeGreaterThanOrEqual(15);
    expect(peak).toBeLessThanOrEqual(17);
    expect(row.filter((v) => v > 0.99).length).toBeGreaterThanOrEqual(3);
    expect(row[0]).toBe(0);
  });

  it('the rotating dot moves around the centre', () => {
    const dot = rotatingDot({
      width: 64,
      height: 64,
      radius: 3,
      orbit: 20,
      revolutionsPerSecond: 1,
      background: 0,
      foreground: 1,
    });
    const f = new Float32Array(64 * 64);
    dot.render(0, f);
    expect(f[32 * 64 + 52]).toBeCloseTo(1, 5); // (52, 32): phase 0 → right of centre
    dot.render(250_000, f);
    expect(f[52 * 64 + 32]).toBeCloseTo(1, 5); // quarter turn → below centre
    expect(f[32 * 64 + 52]).toBe(0);
  });

  it('SceneEmulator turns a moving bar into ON and OFF events at the bar edges', () => {
    const emu = new SceneEmulator(movingBar({ width: 32, height: 8, speed: 500 }), { seed: 1 }, 1000);
    const out = new PacketBuilder();
    emu.advanceTo(40_000, out);
    expect(emu.timeUs).toBe(40_000);
    const pk = out.take();
    expect(pk.length).toBeGreaterThan(100);
    let on = 0;
    for (let i = 0; i < pk.length; i++) on += pk.p[i];
    expect(on).toBeGreaterThan(pk.length * 0.3);
    expect(on).toBeLessThan(pk.length * 0.7);
    expect(pk.tUs[pk.length - 1]).toBeLessThanOrEqual(40_000);
    expect(() => movingBar({ width: 0 })).toThrow(/width/);
    expect(() => rotatingDot({ radius: -1 })).toThrow(/radius/);
  });

  it('a frame sequence interpolates linearly between frames and holds the last one', () => {
    const loads: number[] = [];
    const seq = frameSequence({ width: 2, height: 1, frameCount: 3, fps: 10 }, (i, out) => {
      loads.push(i);
      out.fill(i / 4);
    });
    const f = new Float32Array(2);
    seq.render(0, f);
    expect(f[0]).toBe(0);
    seq.render(25_000, f); // a quarter of the way from frame 0 to 1
    expect(f[1]).toBeCloseTo(0.0625, 6);
    seq.render(150_000, f);
    expect(f[0]).toBeCloseTo(0.375, 6);
    seq.render(1_000_000, f);
    expect(f[0]).toBeCloseTo(0.5, 6);
    expect(loads).toEqual([0, 1, 2]); // each frame read once
    expect(() => frameSequence({ width: 2, height: 1, frameCount: 0, fps: 10 }, () => {})).toThrow(
      /frameCount/,
    );
  });
});
