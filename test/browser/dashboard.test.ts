import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../cli/serve-cli.ts';
import { makeServeFixture, type ServeFixture } from '../cli/serve-fixtures.ts';

const SCREENSHOTS = join(import.meta.dirname, '__screenshots__');

let fx: ServeFixture;
let serve: ServeProcess | undefined;
let browser: BrowserContext | undefined;
let profile: string;

beforeAll(async () => {
  fx = makeServeFixture(30);
  profile = mkdtempSync(join(tmpdir(), 'spikestream-chromium-'));
  serve = await startServe([
    '--model',
    fx.modelDir,
    '--model',
    join(fx.dir, 'model-relaxed'),
    '--source',
    `${fx.sourceUri}&speed=1&loop=inf`,
  ]);
  // A fresh profile directory per run.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  rmSync(profile, { recursive: true, force: true });
  rmSync(fx.dir, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  it('shows predictions per model, draws events, renders the model card and counters', async () => {
    if (!browser || !serve) throw new Error('setup failed');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}/`);
    await page.waitForSelector('#status[data-state="open"]', { timeout: 20_000 });
    // Both models get predictions in their feed.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('.model[data-model="quadrants"] .feed li').length > 0 &&
        document.querySelectorAll('.model[data-model="quadrants-relaxed"] .feed li').length > 0,
      undefined,
      { timeout: 20_000 },
    );
    const feed = await page.textContent('.model[data-model="quadrants"] .feed li');
    expect(feed).toMatch(/^[abc] \(true [abc]\) · first-spike · decision \d+(\.\d)? µs · pipeline/);
    // The event canvas has drawn something (non-black pixels), at the source's geometry.
    await page.waitForFunction(
      () => Number(document.getElementById('events-drawn')?.textContent) > 0,
      undefined,
      {
        timeout: 20_000,
      },
    );
    const canvas = await page.evaluate(() => {
      const c = document.getElementById('events') as HTMLCanvasElement;
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 0) lit++;
      return { width: c.width, height: c.height, lit };
    });
    expect(canvas.width).toBe(34);
    expect(canvas.height).toBe(34);
    expect(canvas.lit).toBeGreaterThan(0);
    // Model card rendered from README.md (escaped Markdown → HTML), counters from metrics.
    await page.waitForSelector('#card h3', { timeout: 20_000 });
    expect(await page.textContent('#card h3')).toBe('Quadrants');
    expect(await page.textContent('#card strong')).toBe('test');
    await page.waitForFunction(
      () => (document.querySelector('#counters')?.textContent ?? '').includes('accuracy'),
      undefined,
      {
        timeout: 20_000,
      },
    );
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
