/// <reference types="@vitest/browser/providers/playwright" />
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { chromiumArgs, findChromium, HOW_TO_GET_CHROMIUM } from './test/browser/chromium.js';

/**
 * Suites that cannot run in a browser; the chromium project runs every other `test/**` suite.
 * New Node-only suites either join this list with a reason or are named `*.node.test.ts`.
 */
const nodeOnlySuites = [
  'test/package.test.ts', // spawns Node on the built dist/ (child_process)
  'test/random.test.ts', // compiles a Philox harness with asc into a temp dir (node:fs)
  'test/fuzz-formats.test.ts', // gzips its inputs with node:zlib
  'test/idx.test.ts', // gzips its inputs with node:zlib
  'test/mnist.test.ts', // reads the `mnist` package through require and Buffer
  'test/nn-fit.test.ts', // its garbage-collection test needs node:v8 and node:vm
  'test/init-stats.test.ts', // its afterAll reads process.env.KS_TABLE, which browsers lack
  'test/worker.test.ts', // drives node:worker_threads; test/browser/worker.test.ts covers Web Workers
];

/**
 * The browser the chromium and e2e projects run in. Without one they are skipped with one line
 * saying how to get one, and the Node project alone decides the result; CI sets
 * NNINIT_REQUIRE_BROWSER=1 so that a missing browser fails instead of passing unseen.
 */
function searchChromium(): ReturnType<typeof findChromium> {
  const result = findChromium();
  if (result.path === undefined) {
    if (process.env.NNINIT_REQUIRE_BROWSER === '1') {
      throw new Error(`${result.reason}, and NNINIT_REQUIRE_BROWSER=1 requires the browser suites: ${HOW_TO_GET_CHROMIUM}.`);
    }
    console.warn(`nninit: ${result.reason}: skipping the chromium and e2e test projects; ${HOW_TO_GET_CHROMIUM}.`);
  }
  return result;
}
// Vitest evaluates this file more than once per run: search (and say so) once.
const memo = globalThis as { nninitChromium?: ReturnType<typeof findChromium> };
const chromium = (memo.nninitChromium ??= searchChromium());

/** The projects that need Chromium, run in the one found. */
function browserProjects(executablePath: string): TestProjectInlineConfiguration[] {
  return [
    {
      extends: true,
      test: {
        name: 'chromium',
        include: ['test/**/*.test.ts'],
        exclude: [...nodeOnlySuites, 'test/**/*.node.test.ts', 'test/e2e/**'],
        sequence: { groupOrder: 1 },
        // Node's bit report, computed before Chromium starts, for the same-bits test to compare.
        globalSetup: ['test/browser/node-bit-report.setup.ts'],
        browser: {
          enabled: true,
          headless: true,
          provider: 'playwright',
          screenshotFailures: false,
          instances: [{ browser: 'chromium', launch: { executablePath, args: chromiumArgs } }],
        },
      },
    },
    {
      extends: true,
      test: {
        name: 'e2e',
        include: ['test/e2e/**/*.test.ts'],
        pool: 'forks',
        sequence: { groupOrder: 2 },
        // test/browser/chromium.ts's chromiumPath: the browser found here, not searched again.
        env: { NNINIT_CHROMIUM: executablePath },
      },
    },
  ];
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The projects run one after another (groupOrder): on CI's two cores, Chromium or three
    // bundlers beside the Node suite would starve each other into timeouts.
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'test/e2e/**'],
          pool: 'forks',
          sequence: { groupOrder: 0 },
        },
      },
      ...(chromium.path ? browserProjects(chromium.path) : []),
    ],
  },
});
