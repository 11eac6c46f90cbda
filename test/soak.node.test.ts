import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Job } from '../src/worker/index.js';
import { soak, type SoakReport } from './soak-cycles.js';

/*
 * Soak: 200 create → fit → saveFile → loadFile → dispose cycles of small models (Mlp, RBM, DBN in
 * turn) in this process and in a worker thread. The wasm heap must hand back every byte, its memory
 * must stop growing after the first cycle, and no file descriptor may stay open.
 */

const CYCLES = 200;
let scratch: string;

/** Open file descriptors of this process (Linux, where /proc/self/fd exists), or undefined. */
function openDescriptors(): number | undefined {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined;
}

function expectSteady(report: SoakReport): void {
  const [before, afterFirst, afterLast] = report.bytesInUse;
  // The first cycle may grow GEMM's shared packing space, which stays for later products.
  expect(afterLast).toBe(afterFirst);
  expect(afterFirst - before).toBeLessThan(1 << 20);
  expect(report.memoryBytes[1]).toBe(report.memoryBytes[0]);
  expect(report.files).toEqual(['model.safetensors']);
  expect(report.mismatches).toBe(0);
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'nninit-soak-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('soak', () => {
  it(`${CYCLES} cycles in this process: heap back to its baseline, no descriptor left open`, async () => {
    const directory = mkdtempSync(join(scratch, 'main-'));
    await soak(3, directory); // warm-up: lazily opened descriptors and one-time allocations
    const descriptors = openDescriptors();
    const report = await soak(CYCLES, directory);
    expectSteady(report);
    expect(openDescriptors()).toBe(descriptors);
  }, 300_000);

  it(`${CYCLES} cycles in a worker thread through nninit/worker, with progress`, async () => {
    const bundle = join(scratch, 'soak-worker.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./soak-worker.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: bundle,
      logLevel: 'warning',
      external: ['mnist'],
    });
    const directory = mkdtempSync(join(scratch, 'worker-'));
    const worker = connect<{ soak: Job<{ cycles: number; directory: string }, SoakReport, number> }>(new Worker(bundle));
    try {
      await worker.run('soak', { cycles: 3, directory });
      const descriptors = openDescriptors();
      const progress: number[] = [];
      const report = await worker.run('soak', { cycles: CYCLES, directory }, { onProgress: (done) => progress.push(done) });
      expectSteady(report);
      expect(progress).toEqual([50, 100, 150, 200]);
      expect(openDescriptors()).toBe(descriptors);
    } finally {
      await worker.terminate();
    }
  }, 300_000);
});
