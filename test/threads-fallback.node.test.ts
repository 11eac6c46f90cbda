import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nninit from '../src/index.js';

// Where threads cannot work nninit runs on one thread and says why in exactly one console line;
// where nobody asks for threads it starts nothing and prints nothing.

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('without threads asked for', () => {
  it('ready() starts no workers and prints nothing', async () => {
    const warn = vi.spyOn(console, 'warn');
    const info = vi.spyOn(console, 'info');
    const log = vi.spyOn(console, 'log');
    await nninit.ready();
    await nninit.ready();
    expect(nninit.threads()).toBe(1);
    expect(warn).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});

describe('without SharedArrayBuffer', () => {
  it('runs on one thread and prints one line saying why, however often threads are asked for', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubGlobal('SharedArrayBuffer', undefined);
    await nninit.ready({ threads: 4 });
    await nninit.ready({ threads: 4 });
    expect(nninit.threads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^nninit: 4 threads requested, running on 1 thread: .*SharedArrayBuffer/);
    const x = nninit.tensor([1, 2, 3, 4], [2, 2]);
    expect(Array.from(nninit.ops.matmul(x, x).data)).toEqual([7, 10, 15, 22]);
  });

  it('starts workers once SharedArrayBuffer is back, without another line', async () => {
    const warn = vi.spyOn(console, 'warn');
    await nninit.ready({ threads: 2 });
    expect(nninit.threads()).toBe(2);
    expect(warn).not.toHaveBeenCalled();
    await nninit.ready({ threads: 1 });
    expect(nninit.threads()).toBe(1);
  });
});

describe('a browser page that is not cross-origin isolated (simulated)', () => {
  it('names the COOP and COEP headers in its one line', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubGlobal('window', {});
    vi.stubGlobal('crossOriginIsolated', false);
    await nninit.ready({ threads: 3 });
    expect(nninit.threads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0][0]);
    expect(line).toMatch(/not cross-origin isolated/);
    expect(line).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(line).toContain('Cross-Origin-Embedder-Policy: require-corp');
  });
});

const root = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(`${root}dist/index.js`) && existsSync(`${root}dist/index.cjs`);

describe.runIf(built)('the built package in a Node process', () => {
  // One product on one thread, then the same on two; the process then ends without stopping them.
  const body = `
    const x = nninit.tensor(Float32Array.from({ length: 256 * 300 }, (_, i) => Math.sin(i)), [256, 300]);
    const one = nninit.ops.matmul(x, x, { transposeB: true });
    await nninit.ready({ threads: 2 });
    const two = nninit.ops.matmul(x, x, { transposeB: true });
    const same = one.data.every((v, i) => Object.is(v, two.data[i]));
    console.log(JSON.stringify({ threads: nninit.threads(), same }));`;

  it.each([
    ['ESM', ['--input-type=module', '-e', `import * as nninit from './dist/index.js'; await nninit.ready(); ${body}`]],
    ['CJS', ['-e', `const nninit = require('./dist/index.cjs'); (async () => { await nninit.ready(); ${body} })();`]],
  ])('%s: runs on 2 threads with the same bits and exits on its own (idle workers keep nothing alive)', (_, args) => {
    const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ threads: 2, same: true });
  });
});
