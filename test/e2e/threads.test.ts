import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../browser/chromium.js';

/*
 * Threads in real Chromium: the built dist/index.js, unbundled, on a page served with
 * Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so the
 * page is cross-origin isolated and GEMM workers start (from a Blob URL, sharing wasm memory).
 * The same page without the headers must fall back to one thread with one console line.
 * `npm test` builds dist/ before this runs.
 */

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><title>nninit threads</title><link rel="icon" href="data:,">
<script type="module">
import * as nninit from '/dist/index.js';
window.nninit = nninit;
window.loaded = true;
</script>`;

function serve(isolated: boolean): Promise<Server> {
  const server = createServer((request, response) => {
    const headers: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(dist, url.pathname.replace(/^\/dist\//, '')));
    if (!url.pathname.startsWith('/dist/') || !file.startsWith(dist.endsWith(sep) ? dist : dist + sep) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** In the page: a product and a short Mlp fit, hashed, on the thread count asked for. */
async function run(page: Page, threads: number): Promise<{ isolated: boolean; threads: number; product: string; weights: string }> {
  return page.evaluate(async (count) => {
    const nninit = (window as unknown as { nninit: typeof import('../../src/index.js') }).nninit;
    await nninit.ready({ threads: count });
    const hex = async (data: Float32Array[]) => {
      const bytes = new Uint8Array(data.reduce((n, d) => n + d.byteLength, 0));
      let at = 0;
      for (const d of data) {
        bytes.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
        at += d.byteLength;
      }
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    };
    const x = nninit.tensor(Float32Array.from({ length: 256 * 784 }, (_, i) => Math.sin(i * 0.37)), [256, 784]);
    const w = nninit.init.kaimingNormal([512, 784], { seed: 9 });
    const product = await hex([nninit.ops.matmul(x, w, { transposeB: true }).data]);
    const y = Int32Array.from({ length: 256 }, (_, i) => (i * 7) % 10);
    const mlp = new nninit.Mlp({ layers: [784, 128, 10], activation: 'relu', seed: 4 });
    await mlp.fit(x, y, { epochs: 2, batchSize: 64, optimizer: nninit.optim.adam({ lr: 1e-3 }) });
    const weights = await hex(mlp.layers.flatMap((layer) => [layer.weight.data, layer.bias.data]));
    mlp.dispose();
    return { isolated: self.crossOriginIsolated, threads: nninit.threads(), product, weights };
  }, threads);
}

describe.runIf(existsSync(join(dist, 'index.js')))('GEMM threads in Chromium', () => {
  let browser: Browser;
  const servers: Server[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });

  afterAll(async () => {
    await browser?.close();
    for (const server of servers) server.close();
  });

  async function open(isolated: boolean): Promise<{ page: Page; messages: string[] }> {
    const server = await serve(isolated);
    servers.push(server);
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (window as unknown as { loaded?: boolean }).loaded === true);
    return { page, messages };
  }

  it('a cross-origin isolated page runs on 2 and 3 threads with the bits of 1 thread, and prints nothing', async () => {
    const { page, messages } = await open(true);
    const one = await run(page, 1);
    const two = await run(page, 2);
    const three = await run(page, 3);
    const back = await run(page, 1);
    expect(one.isolated).toBe(true);
    expect([one.threads, two.threads, three.threads, back.threads]).toEqual([1, 2, 3, 1]);
    expect(two.product).toBe(one.product);
    expect(three.product).toBe(one.product);
    expect(two.weights).toBe(one.weights);
    expect(three.weights).toBe(one.weights);
    expect(back.weights).toBe(one.weights);
    expect(messages).toEqual([]);
    await page.close();
  });

  it('the same page without the headers runs on 1 thread and says why in one console line', async () => {
    const { page, messages } = await open(false);
    const one = await run(page, 2);
    await run(page, 4);
    expect(one.isolated).toBe(false);
    expect(one.threads).toBe(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^warning: nninit: 2 threads requested, running on 1 thread: this page is not cross-origin isolated/);
    expect(messages[0]).toContain('Cross-Origin-Embedder-Policy: require-corp');
    await page.close();
  });
});
