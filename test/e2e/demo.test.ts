import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page, type Worker } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../browser/chromium.js';

// The demo page (examples/web) as `npm run demo:build` builds it, served by `vite preview`, in
// headless Chromium at a desktop and a phone width: every section's short job runs to the end and
// draws, nothing overflows the phone's width, legends show numbers, two jobs run side by side in
// workers of their own, and Stop terminates its job's worker. Full-page screenshots of both widths
// are left in $NNINIT_DEMO_SHOTS (default: a folder in the system's temp dir) to be looked at.

const config = fileURLToPath(new URL('../../examples/web/vite.config.ts', import.meta.url));
const shots = process.env.NNINIT_DEMO_SHOTS ?? join(tmpdir(), 'nninit-demo-shots');

/** Short settings for every section with a job; a new section with a Run button adds a line here. */
const QUICK: Record<string, Record<string, number | string>> = {
  compare: { trainSize: 300, labels: '100', epochs: 2 },
  rbm: { trainSize: 500, nHidden: 16, epochs: 2 },
};

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

// pngjs ships no type declarations: this is the part used here.
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(png: Buffer): { data: Uint8Array } } } };

/**
 * Ink in a screenshot: the variance of its gray levels, and how many pixels are coloured (axes,
 * grid lines and text are gray; curves, bars and filters are not), so a chart with only its
 * axes counts as blank.
 */
function ink(png: Buffer): { variance: number; colored: number } {
  const { data } = PNG.sync.read(png);
  let sum = 0;
  let squares = 0;
  let colored = 0;
  const pixels = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    const gray = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += gray;
    squares += gray * gray;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) colored++;
  }
  return { variance: squares / pixels - (sum / pixels) ** 2, colored };
}

/** The ink of every figure of a section: its charts' plots, then its pictures' canvases. */
async function figureInk(page: Page, section: string) {
  const inks = [];
  for (const [kind, selector] of [['chart', '.plot'], ['picture', '.picture-frame canvas']] as const) {
    for (const figure of await page.locator(`#${section} ${selector}`).all()) inks.push({ kind, ...ink(await figure.screenshot()) });
  }
  return inks;
}

const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** The legend values of a section's charts, as shown. */
const legendValues = (page: Page, section: string) => page.locator(`#${section} .legend-value`).allTextContents();

async function fill(page: Page, section: string, values: Record<string, number | string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const field = page.locator(`#${section} [name=${name}]`);
    if ((await field.evaluate((node) => node.tagName)) === 'SELECT') await field.selectOption(String(value));
    else await field.fill(String(value));
  }
}

/** Waits for a section to leave the running state and returns the state it ended in. */
async function settled(page: Page, section: string, timeout = 120_000): Promise<string | null> {
  await page.locator(`#${section}:is([data-state=done], [data-state=failed], [data-state=stopped])`).waitFor({ timeout });
  return page.locator(`#${section}`).getAttribute('data-state');
}

const statusOf = (page: Page, section: string) => page.locator(`#${section} .status-text`).textContent();

describe('the demo page', () => {
  let outDir: string;
  let server: PreviewServer;
  let url: string;
  let browser: Browser;
  const pages: Record<string, Page> = {};
  const errors: string[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'nninit-demo-'));
    await build({ configFile: config, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile: config, logLevel: 'warn', build: { outDir }, preview: { port: 0, strictPort: false } });
    url = server.resolvedUrls!.local[0];
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    mkdirSync(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('builds a lean page: its own scripts apart from the MNIST data stay small', () => {
    const assets = join(outDir, 'assets');
    const scripts = readdirSync(assets).filter((file) => file.endsWith('.js') && !file.startsWith('mnist'));
    const bytes = scripts.reduce((total, file) => total + statSync(join(assets, file)).size, 0);
    expect(scripts.length).toBeGreaterThanOrEqual(2); // the page and its worker
    expect(bytes).toBeLessThan(700_000);
  });

  for (const viewport of VIEWPORTS) {
    describe(`at ${viewport.name} width (${viewport.width} × ${viewport.height})`, () => {
      let page: Page;

      beforeAll(async () => {
        const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
        page = pages[viewport.name] = await context.newPage();
        page.on('pageerror', (error) => errors.push(`${viewport.name}: ${error.message}`));
        page.on('console', (message) => message.type() === 'error' && errors.push(`${viewport.name}: ${message.text()}`));
        await page.goto(url);
      });

      it('gives every section its words and a short setting in this test', async () => {
        const sections = await page.locator('section.lesson').evaluateAll((elements) =>
          elements.map((section) => ({
            id: section.id,
            hasJob: section.querySelector('.run') !== null,
            intro: section.querySelector('.intro')?.textContent?.trim().length ?? 0,
            captions: Array.from(section.querySelectorAll('figure'), (figure) => figure.querySelector('figcaption.look')?.textContent?.trim().length ?? 0),
          })),
        );
        expect(sections.map(({ id }) => id)).toEqual(expect.arrayContaining(['initializers', ...Object.keys(QUICK)]));
        expect(sections.filter(({ hasJob }) => hasJob).map(({ id }) => id).sort()).toEqual(Object.keys(QUICK).sort());
        for (const { id, intro, captions } of sections) {
          expect(intro, `${id}: its intro`).toBeGreaterThan(100);
          expect(captions.length, `${id}: its figures`).toBeGreaterThan(0);
          for (const caption of captions) expect(caption, `${id}: a figure's caption`).toBeGreaterThan(60);
        }
        expect(await page.locator('#menu a').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).toEqual(sections.map(({ id }) => `#${id}`));
      });

      it('draws an initializer’s weights over its density, with numbers in the legend', async () => {
        await page.locator('#initializers .status-text', { hasText: 'kaimingNormal([256, 784])' }).waitFor();
        const [histogram] = await figureInk(page, 'initializers');
        expect(histogram.colored).toBeGreaterThan(500);
        expect(histogram.variance).toBeGreaterThan(100);
        const legend = await legendValues(page, 'initializers');
        expect(legend).toHaveLength(2);
        for (const value of legend) expect(value).toMatch(/^std 0\.05\d*/); // He normal for fan-in 784: √2/√784 ≈ 0.0505
      });

      it('shows a bad setting in place of the chart, and the chart again once it is fixed', async () => {
        await fill(page, 'initializers', { fanIn: 0 });
        await page.locator('#initializers .error', { hasText: 'Inputs (fan-in)' }).waitFor();
        expect(await page.locator('#initializers .figures').isHidden()).toBe(true);
        expect(await page.locator('#initializers [name=fanIn]').getAttribute('aria-invalid')).toBe('true');
        await fill(page, 'initializers', { fanIn: 100 });
        await page.locator('#initializers .figures').waitFor();
        expect(await page.locator('#initializers .error').isHidden()).toBe(true);
        expect(await page.locator('#initializers [name=fanIn]').getAttribute('aria-invalid')).toBeNull();
        const [sampled, theory] = (await legendValues(page, 'initializers')).map((text) => Number(text.replace(/^std /, '')));
        expect(theory).toBe(0.141); // He normal, fan-in 100: √2/√100
        expect(Math.abs(sampled - theory)).toBeLessThan(0.004); // 25,600 draws: the sample std is within 1% or so
      });

      for (const [section, values] of Object.entries(QUICK)) {
        it(`runs the ${section} section’s short job to the end and draws it`, async () => {
          const before = await figureInk(page, section);
          const run = page.locator(`#${section} .run`);
          const stop = page.locator(`#${section} .stop`);
          expect(await stop.isDisabled()).toBe(true);
          await fill(page, section, values);
          const started = page.waitForEvent('worker');
          await run.click();
          const worker = await started;
          const closed = new Promise<void>((resolve) => worker.once('close', () => resolve()));
          expect(await page.locator(`#${section}`).getAttribute('data-state')).toBe('running');
          expect(await run.isDisabled()).toBe(true);
          expect(await stop.isEnabled()).toBe(true);
          expect(await page.locator(`#${section} fieldset`).getAttribute('disabled')).toBe('');
          for (const input of await page.locator(`#${section} :is(input, select)`).all()) expect(await input.isDisabled()).toBe(true);
          expect(await settled(page, section)).toBe('done');
          await closed; // its worker ends with the job
          expect(await run.isEnabled()).toBe(true);
          expect(await stop.isDisabled()).toBe(true);

          const after = await figureInk(page, section);
          expect(after.length).toBe(before.length);
          after.forEach((drawn, i) => {
            if (drawn.kind === 'chart') {
              // Axes and grid only before; curves after.
              expect(before[i].colored, `chart ${i} before the run`).toBeLessThan(50);
              expect(drawn.colored, `chart ${i} after the run`).toBeGreaterThan(200);
            } else {
              // Blank tiles before (white, thin gray gaps); digits or filters after.
              expect(drawn.variance, `picture ${i} after the run`).toBeGreaterThan(Math.max(300, 10 * before[i].variance));
            }
          });
          const legend = await legendValues(page, section);
          expect(legend.length).toBeGreaterThan(0);
          for (const value of legend) expect(value).toMatch(/^-?\d+(\.\d+)?(e[-+]?\d+)?$/);
        }, 150_000);
      }

      it('lists the comparison’s run in its table: 100 labels, the three starts’ accuracies and the gain', async () => {
        const cells = await page.locator('#compare table.runs tbody tr').first().locator('td').allTextContents();
        expect(cells[0]).toBe('100');
        for (const cell of cells.slice(1, 4)) expect(cell).toMatch(/^\d+\.\d%$/);
        expect(cells[4]).toMatch(/^[+−]\d+\.\d$/);
        expect(await statusOf(page, 'compare')).toMatch(/with 100 of 300 digits labelled/);
      });

      it('fits the width: nothing scrolls sideways', async () => {
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(shots, `demo-${viewport.name}.png`), fullPage: true });
      });
    });
  }

  it('refits its charts when the window narrows to a phone’s width and widens again', async () => {
    const page = pages.desktop;
    const chartWidth = () => page.locator('#compare .uplot').first().evaluate((chart) => chart.getBoundingClientRect().width);
    const wide = await chartWidth();
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(chartWidth).toBeLessThan(360);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(chartWidth).toBe(wide);
  });

  it('shows the values under the cursor in the legend, and hides a series from its legend entry', async () => {
    const page = pages.desktop;
    const plot = page.locator('#compare .plot').first();
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await plot.hover({ position: { x: box.width * 0.55, y: box.height * 0.4 } });
    await page.locator('#compare .legend-at', { hasText: /^at epoch \d$/ }).first().waitFor();
    for (const value of await legendValues(page, 'compare')) expect(value).toMatch(/^\d+(\.\d+)?$/);
    await page.mouse.move(0, 0);
    await page.locator('#compare .legend-at', { hasText: 'latest' }).first().waitFor();

    const entry = page.locator('#compare .chart').first().locator('.legend-item', { hasText: 'N(0, 1)' });
    const drawn = ink(await plot.screenshot()).colored;
    await entry.click();
    expect(await entry.getAttribute('aria-pressed')).toBe('false');
    expect(ink(await plot.screenshot()).colored).toBeLessThan(drawn * 0.9);
    await entry.click();
    expect(await entry.getAttribute('aria-pressed')).toBe('true');
    expect(ink(await plot.screenshot()).colored).toBe(drawn);
  });

  it('shows a bad setting of a job in place of its charts, starting no worker', async () => {
    const page = pages.desktop;
    const workers = page.workers().length;
    await fill(page, 'compare', { epochs: 0 });
    await page.locator('#compare .run').click();
    await page.locator('#compare .error', { hasText: 'Epochs must be a whole number from 1 to 30' }).waitFor();
    expect(await page.locator('#compare').getAttribute('data-state')).toBe('failed');
    expect(await page.locator('#compare .figures').isHidden()).toBe(true);
    expect(page.workers()).toHaveLength(workers);
    await fill(page, 'compare', QUICK.compare);
    await page.locator('#compare .run').click();
    expect(await page.locator('#compare .figures').isVisible()).toBe(true);
    expect(await page.locator('#compare .error').isHidden()).toBe(true);
    expect(await settled(page, 'compare')).toBe('done');
  }, 150_000);

  it('runs a second job while the first one trains, and Stop ends the first one’s worker', async () => {
    const page = pages.desktop;
    const epochOf = async () => Number((await statusOf(page, 'rbm'))?.match(/^Epoch (\d+) of/)?.[1] ?? 0);
    await fill(page, 'rbm', { trainSize: 5000, nHidden: 128, epochs: 50 });
    const rbmStarted = page.waitForEvent('worker');
    await page.locator('#rbm .run').click();
    const rbmWorker: Worker = await rbmStarted;
    const rbmClosed = new Promise<void>((resolve) => rbmWorker.once('close', () => resolve()));
    await page.locator('#rbm .status-text', { hasText: /^Epoch \d+ of 50/ }).waitFor({ timeout: 120_000 });

    await fill(page, 'compare', QUICK.compare);
    const compareStarted = page.waitForEvent('worker');
    await page.locator('#compare .run').click();
    await compareStarted;
    expect(page.workers()).toHaveLength(2); // a worker each
    await page.screenshot({ path: join(shots, 'demo-desktop-two-jobs.png'), fullPage: true });
    expect(await settled(page, 'compare')).toBe('done');
    expect(await page.locator('#rbm').getAttribute('data-state')).toBe('running');
    const epochThen = await epochOf();
    await expect.poll(epochOf, { timeout: 120_000, interval: 250 }).toBeGreaterThan(epochThen); // still training

    await page.locator('#rbm .stop').click();
    expect(await settled(page, 'rbm')).toBe('stopped');
    expect(await statusOf(page, 'rbm')).toMatch(/^Stopped\. Epoch \d+ of 50/);
    await rbmClosed;
    expect(page.workers()).toHaveLength(0);
    expect(await page.locator('#rbm fieldset').getAttribute('disabled')).toBeNull();
  }, 300_000);

  it('logged no page errors meanwhile', () => {
    expect(errors).toEqual([]);
  });
});
