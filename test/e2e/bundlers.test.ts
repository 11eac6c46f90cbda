import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../../src/index.js';
import { chromiumArgs, chromiumPath } from '../browser/chromium.js';
import { weightReport } from './app/weight-report.js';

/*
 * Bundler e2e: the packed package (`npm pack`, as a user installs it) inside a tiny app built by
 * Vite, webpack and esbuild with no nninit-specific configuration, and loaded unbundled from
 * another origin as from a CDN; served on 127.0.0.1 and opened in headless Chromium. Each app
 * reports hashes of seeded weights made on the page and in a Web Worker; they must equal Node's.
 * `npm test` builds dist/ before this runs.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const appSource = fileURLToPath(new URL('./app', import.meta.url));

/** Builds the app in `app` into `out`, which then holds an index.html to open. */
type Bundle = (app: string, out: string) => Promise<void>;

const bundlers: Record<string, Bundle> = {
  async vite(app, out) {
    const { build } = await import('vite');
    await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir: out } });
  },
  async webpack(app, out) {
    const { default: webpack } = await import('webpack');
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
      webpack({ mode: 'production', context: app, entry: './main.js', output: { path: out } }, (error, result) =>
        error || !result ? reject(error) : resolve(result),
      );
    });
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
  },
  // esbuild leaves `new URL('./worker.js', import.meta.url)` alone, so the worker is a second entry point.
  async esbuild(app, out) {
    const { build } = await import('esbuild');
    await build({ entryPoints: [join(app, 'main.js'), join(app, 'worker.js')], bundle: true, format: 'esm', outdir: out, logLevel: 'warning' });
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
  },
};

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/** Serves the files under `root` on 127.0.0.1 at a free port; `cors` lets other origins import them, as a CDN does. */
async function serveDirectory(root: string, { cors = false } = {}): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      ...(cors ? { 'access-control-allow-origin': '*' } : {}),
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * The same app with no bundler, importing the package from another origin as from a CDN: an
 * import map names 'nninit', and the worker (which must be same-origin) imports by full URL.
 */
function cdnApp(app: string, out: string, cdn: string): void {
  cpSync(app, out, { recursive: true });
  const importMap = JSON.stringify({ imports: { nninit: `${cdn}/dist/index.js`, 'nninit/worker': `${cdn}/dist/worker.js` } });
  const html = readFileSync(join(app, 'index.html'), 'utf8');
  writeFileSync(join(out, 'index.html'), html.replace('<script type="module"', `<script type="importmap">${importMap}</script>\n    $&`));
  writeFileSync(join(out, 'worker.js'), `import { serve } from '${cdn}/dist/worker.js';\n\nserve();\n`);
}

describe('a consumer app built with zero configuration gives Node’s bits in Chromium', () => {
  let work = '';
  let installed = '';
  let browser: Browser;
  let expected: Record<string, string>;

  /** Opens the app served from `out`: what it reports, and every error the page logged. */
  async function run(out: string): Promise<{ report: unknown; errors: string[] }> {
    const { server, origin } = await serveDirectory(out);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    try {
      await page.goto(`${origin}/`);
      const report = await page.waitForFunction(() => (window as unknown as { nninitReport?: object }).nninitReport, undefined, { timeout: 30_000 });
      return { report: await report.jsonValue(), errors };
    } finally {
      await page.close();
      server.close();
    }
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nninit-e2e-'));
    // Install the tarball by hand, as npm does for a package without dependencies: offline and fast.
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repo, encoding: 'utf8' }).trim().split('\n').pop()!;
    installed = join(work, 'node_modules', 'nninit');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', installed, '--strip-components=1']);

    await nninit.ready();
    const { kaimingNormal, matmul } = weightReport(nninit);
    expected = { kaimingNormal, matmul, worker: kaimingNormal };
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const [name, bundle] of Object.entries(bundlers)) {
    it(name, async () => {
      const app = join(work, name);
      cpSync(appSource, app, { recursive: true });
      const out = join(work, `${name}-dist`);
      await bundle(app, out);
      expect(await run(out)).toEqual({ report: expected, errors: [] });
    });
  }

  it('no bundler, the package from a CDN origin', async () => {
    const cdn = await serveDirectory(installed, { cors: true });
    try {
      const out = join(work, 'cdn-app');
      cdnApp(appSource, out, cdn.origin);
      expect(await run(out)).toEqual({ report: expected, errors: [] });
    } finally {
      cdn.server.close();
    }
  });
});
