/**
 * Synthetic scenes for demos and tests: a moving bar and a rotating dot, drawn with a one-pixel
 * linear edge ramp (anti-aliased) so sub-pixel motion changes the luma smoothly, plus a
 * SceneEmulator that renders a scene at a fixed frame rate through the DVS pixel model.
 */
import type { PacketBuilder } from '../events/builder.ts';
import { DvsPixelArray, type DvsPixelOptions } from './pixel-model.ts';

/** Something that can be drawn at any time: luma in [0, 1], row-major width × height. */
export interface Scene {
  readonly width: number;
  readonly height: number;
  render(tUs: number, out: Float32Array): void;
}

interface SceneGeometry {
  /** Frame width in pixels. Default 128. */
  readonly width?: number;
  /** Frame height in pixels. Default 128. */
  readonly height?: number;
  /** Background luma in [0, 1]. Default 0.2. */
  readonly background?: number;
  /** Object luma in [0, 1]. Default 0.8. */
  readonly foreground?: number;
}

export interface MovingBarOptions extends SceneGeometry {
  /** Bar thickness in pixels. Default 4. */
  readonly barWidth?: number;
  /** Speed across the frame in pixels per second. Default 100. */
  readonly speed?: number;
  /** Direction of motion in degrees (0 = rightwards, vertical bar; 90 = downwards). Default 0. */
  readonly angleDeg?: number;
}

export interface RotatingDotOptions extends SceneGeometry {
  /** Dot radius in pixels. Default 5. */
  readonly radius?: number;
  /** Distance of the dot's centre from the frame centre in pixels. Default 0.3 × min(width, height). */
  readonly orbit?: number;
  /** Revolutions per second (negative = clockwise on screen). Default 1. */
  readonly revolutionsPerSecond?: number;
}

function geometry(o: SceneGeometry): Required<SceneGeometry> {
  const g = {
    width: o.width ?? 128,
    height: o.height ?? 128,
    background: o.background ?? 0.2,
    foreground: o.foreground ?? 0.8,
  };
  for (const k of ['width', 'height'] as const) {
    if (!Number.isInteger(g[k]) || g[k] < 1 || g[k] > 4096)
      throw new RangeError(`"${k}" must be an integer in [1, 4096], got ${g[k]}`);
  }
  for (const k of ['background', 'foreground'] as const) {
    if (!(g[k] >= 0 && g[k] <= 1)) throw new RangeError(`"${k}" must be in [0, 1], got ${g[k]}`);
  }
  return g;
}

function finite(name: string, v: number, min: number): number {
  if (!Number.isFinite(v) || v < min)
    throw new RangeError(`"${name}" must be a finite number ≥ ${min}, got ${v}`);
  return v;
}

/** A straight bar sweeping across the frame and wrapping around. */
export function movingBar(options: MovingBarOptions = {}): Scene {
  const { width, height, background, foreground } = geometry(options);
  const half = finite('barWidth', options.barWidth ?? 4, 0.1) / 2;
  const speed = finite('speed', options.speed ?? 100, Number.NEGATIVE_INFINITY);
  const angle = (finite('angleDeg', options.angleDeg ?? 0, Number.NEGATIVE_INFINITY) * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Projections of the frame corners onto the direction of motion bound the bar's path.
  const corners = [0, width * cos, height * sin, width * cos + height * sin];
  const lo = Math.min(...corners) - half - 1;
  const span = Math.max(...corners) + half + 1 - lo;
  const contrast = foreground - background;
  return {
    width,
    height,
    render(tUs: number, out: Float32Array): void {
      let c = (speed * tUs) / 1e6;
      c = lo + (((c % span) + span) % span);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const s = (x + 0.5) * cos + (y + 0.5) * sin;
          let cover = 0.5 + half - Math.abs(s - c);
          cover = cover < 0 ? 0 : Math.min(cover, 1);
          out[y * width + x] = background + contrast * cover;
        }
      }
    },
  };
}

/** A dot circling the frame centre. */
export function rotatingDot(options: RotatingDotOptions = {}): Scene {
  const { width, height, background, foreground } = geometry(options);
  const radius = finite('radius', options.radius ?? 5, 0.1);
  const orbit = finite('orbit', options.orbit ?? 0.3 * Math.min(width, height), 0);
  const rps = finite('revolutionsPerSecond', options.revolutionsPerSecond ?? 1, Number.NEGATIVE_INFINITY);
  const contrast = foreground - background;
  return {
    width,
    height,
    render(tUs: number, out: Float32Array): void {
      const phase = 2 * Math.PI * rps * (tUs / 1e6);
      const cx = width / 2 + orbit * Math.cos(phase);
      const cy = height / 2 + orbit * Math.sin(phase);
      out.fill(background);
      const x0 = Math.max(0, Math.floor(cx - radius - 1));
      const x1 = Math.min(width - 1, Math.ceil(cx + radius + 1));
      const y0 = Math.max(0, Math.floor(cy - radius - 1));
      const y1 = Math.min(height - 1, Math.ceil(cy + radius + 1));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          let cover = 0.5 + radius - Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
          cover = cover < 0 ? 0 : Math.min(cover, 1);
          out[y * width + x] = background + contrast * cover;
        }
      }
    },
  };
}

/** Renders a scene at a fixed frame rate through a DVS pixel array, on demand. */
export class SceneEmulator {
  readonly pixels: DvsPixelArray;
  private readonly frame: Float32Array;
  private readonly periodUs: number;
  private frameIndex = 0;

  /**
   * `frameRateHz`: rendering rate of the virtual camera (default 1000, ≥ 1);
   * `startUs`: sensor time of the first frame (default 0).
   */
  constructor(
    readonly scene: Scene,
    pixel: DvsPixelOptions = {},
    frameRateHz = 1000,
    private readonly startUs = 0,
  ) {
    if (!(frameRateHz >= 1 && frameRateHz <= 1e6))
      throw new RangeError(`"frameRateHz" must be in [1, 1e6], got ${frameRateHz}`);
    this.periodUs = 1e6 / frameRateHz;
    this.pixels = new DvsPixelArray(scene.width, scene.height, pixel);
    this.frame = new Float32Array(scene.width * scene.height);
    scene.render(0, this.frame);
    this.pixels.start(this.frame, startUs);
  }

  /** Sensor time of the last frame rendered, µs. */
  get timeUs(): number {
    return this.startUs + this.frameIndex * this.periodUs;
  }

  /** Renders every frame up to and including `tUs` and appends their events to `out`. */
  advanceTo(tUs: number, out: PacketBuilder): number {
    let n = 0;
    for (;;) {
      const next = this.startUs + (this.frameIndex + 1) * this.periodUs;
      if (next > tUs) break;
      this.frameIndex++;
      this.scene.render(next - this.startUs, this.frame);
      n += this.pixels.step(this.frame, next, out);
    }
    return n;
  }
}

/** Supplies frame `index` of a sequence (luma in [0, 1], width × height) into `out`. */
export type FrameProvider = (index: number, out: Float32Array) => void;

export interface FrameSequenceOptions {
  /** Frame width in pixels. Required. */
  readonly width: number;
  /** Frame height in pixels. Required. */
  readonly height: number;
  /** Number of frames. Required, ≥ 1. */
  readonly frameCount: number;
  /** Frames per second of the sequence. Required, > 0. */
  readonly fps: number;
}

/**
 * A recorded frame sequence as a scene: frame i is shown at i / fps seconds, and luma is
 * interpolated linearly between neighbouring frames, so a SceneEmulator running faster than
 * `fps` sees smooth changes (v2e interpolates with SuperSloMo instead; linear is the simple,
 * documented choice). After the last frame the scene holds still.
 */
export function frameSequence(options: FrameSequenceOptions, provider: FrameProvider): Scene {
  const { width, height, frameCount, fps } = options;
  if (!Number.isInteger(width) || width < 1 || width > 65535)
    throw new RangeError(`"width" must be an integer in [1, 65535], got ${width}`);
  if (!Number.isInteger(height) || height < 1 || height > 65535)
    throw new RangeError(`"height" must be an integer in [1, 65535], got ${height}`);
  if (!Number.isInteger(frameCount) || frameCount < 1)
    throw new RangeError(`"frameCount" must be an integer ≥ 1, got ${frameCount}`);
  if (!(fps > 0 && Number.isFinite(fps)))
    throw new RangeError(`"fps" must be a finite number > 0, got ${fps}`);
  const n = width * height;
  let aIndex = -1;
  let bIndex = -1;
  let a = new Float32Array(n);
  let b = new Float32Array(n);
  const load = (i: number, into: Float32Array) => {
    provider(i, into);
    if (into.length !== n) throw new RangeError(`frame ${i} has ${into.length} values, expected ${n}`);
  };
  return {
    width,
    height,
    render(tUs: number, out: Float32Array): void {
      const pos = Math.max(0, (tUs / 1e6) * fps);
      const i = Math.min(frameCount - 1, Math.floor(pos));
      const j = Math.min(frameCount - 1, i + 1);
      const f = i === j ? 0 : pos - i;
      if (aIndex !== i) {
        if (bIndex === i) {
          const t = a;
          a = b;
          b = t;
          aIndex = i;
          bIndex = -1;
        } else {
          load(i, a);
          aIndex = i;
        }
      }
      if (f === 0) {
        out.set(a);
        return;
      }
      if (bIndex !== j) {
        load(j, b);
        bIndex = j;
      }
      for (let k = 0; k < n; k++) out[k] = a[k] + f * (b[k] - a[k]);
    },
  };
}
