import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nninit from '../../src/index.js';

// The chromium project's page is not cross-origin isolated (vitest serves it without COOP/COEP),
// which is the case most pages are in: asking for threads must run on one thread and say why in
// exactly one console line. test/e2e/threads.test.ts covers an isolated page, where workers start.

afterEach(() => vi.restoreAllMocks());

describe('threads on a page that is not cross-origin isolated', () => {
  it('is really not isolated here', () => {
    expect(globalThis.crossOriginIsolated).toBe(false);
  });

  it('ready() alone starts nothing and prints nothing', async () => {
    const warn = vi.spyOn(console, 'warn');
    await nninit.ready();
    expect(nninit.threads()).toBe(1);
    expect(warn).not.toHaveBeenCalled();
  });

  it('runs on one thread with one line naming the COOP and COEP headers, however often asked', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await nninit.ready({ threads: 4 });
    await nninit.ready({ threads: 4 });
    await nninit.ready({ threads: 'auto' });
    expect(nninit.threads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(lines[0]).toMatch(/^nninit: 4 threads requested/);
    expect(lines[0]).toMatch(/running on 1 thread: this page is not cross-origin isolated/);
    expect(lines[0]).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(lines[0]).toContain('Cross-Origin-Embedder-Policy: require-corp');
    const x = nninit.tensor([1, 2, 3, 4], [2, 2]);
    expect(Array.from(nninit.ops.matmul(x, x).data)).toEqual([7, 10, 15, 22]);
  });
});
