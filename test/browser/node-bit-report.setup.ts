// Global setup of the chromium project: runs in Node before Chromium starts and hands Node's
// fingerprints to the browser tests through `inject`, so none is ever written down by hand.
import { createRequire } from 'node:module';
import type { TestProject } from 'vitest/node';
import * as nninit from '../../src/index.js';
import { trainingReport } from './training-report.js';

const { report, fnv1a } = createRequire(import.meta.url)('../fixtures/bit-report.cjs') as {
  report(api: typeof nninit): Record<string, string>;
  fnv1a(floats: Float32Array): string;
};

export default async function setup(project: TestProject): Promise<void> {
  await nninit.ready();
  project.provide('nodeBitReport', report(nninit));
  project.provide('nodeTrainingReport', await trainingReport(fnv1a));
}
