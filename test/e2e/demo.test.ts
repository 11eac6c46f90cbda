import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../browser/chromium.js';

// The demo page (examples/web) on Vite's dev server, as `npm run demo` serves it, in headless
// Chromium: short trainings in its worker must draw something.

const config = fileURLToPath(new URL('../../examples/web/vite.config.ts', import.meta.url));

// pngjs ships no type declarations: this is the part used here.
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(png: Buffer): { data: Uint8Array } } } };

/** Distinct gray levels in a screenshot: 1 or 2 for a blank canvas, dozens for filters. */
function grayLevels(png: Buffer): number {
  const { data } = PNG.sync.read(png);
  const levels = new Set<number>();
  for (let i = 0; i < data.length; i += 4) levels.add(data[i]);
  return levels.size;
}

/** Submits a form with these values and returns the status line once it says `done` or failed. */
async function submit(page: Page, form: string, values: Record<string, number>, status: string, done: string): Promise<string | null> {
  for (const [name, value] of Object.entries(values)) await page.locator(`${form} [name=${name}]`).fill(String(value));
  await page.locator(`${form} button`).click();
  const line = page.locator(status).filter({ hasText: new RegExp(`${done}|Failed`) });
  await line.waitFor({ timeout: 50_000 });
  return line.textContent();
}

describe('the demo page', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    // No file watching and no HMR: an edit under src/ while this runs must not reload the page.
    server = await createServer({ configFile: config, logLevel: 'warn', server: { hmr: false, watch: null } });
    await server.listen();
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(server.resolvedUrls!.local[0]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws an initializer’s histogram with its formula', async () => {
    await page.locator('#init-stats', { hasText: 'kaimingNormal([256, 784])' }).waitFor();
    expect(grayLevels(await page.locator('#histogram').screenshot())).toBeGreaterThan(2);
  });

  it('trains an RBM in its worker and draws its filters', async () => {
    expect(grayLevels(await page.locator('#filters').screenshot())).toBeLessThanOrEqual(2);
    expect(await submit(page, '#rbm-form', { trainSize: 500, nHidden: 16, epochs: 2 }, '#rbm-status', 'Done')).toMatch(/^Epoch 2 of 2.*Done/);
    expect(grayLevels(await page.locator('#filters').screenshot())).toBeGreaterThan(20);
    expect(grayLevels(await page.locator('#reconstructions').screenshot())).toBeGreaterThan(20);
  });

  it('compares initializations with a short MLP training', async () => {
    const status = await submit(page, '#compare-form', { trainSize: 300, epochs: 1 }, '#compare-status', 'Test accuracy');
    expect(status).toMatch(/^Test accuracy after 1 epoch: heNormal \d/);
  });

  it('logged no page errors meanwhile', () => {
    expect(errors).toEqual([]);
  });
});
