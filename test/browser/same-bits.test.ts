/// <reference types="vite/client" />
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as nninit from '../../src/index.js';
import bitReportSource from '../fixtures/bit-report.cjs?raw';
import { trainingReport } from './training-report.js';

type Report = Record<string, string>;
interface BitReportModule {
  report(api: typeof nninit): Report;
  fnv1a(floats: Float32Array): string;
}

// The fixture is CommonJS so that Node's CJS runner can require it; here it runs in a module shim,
// so Chromium hashes exactly the calls Node hashed.
function loadBitReport(): BitReportModule {
  const module = { exports: {} as BitReportModule };
  new Function('module', 'exports', bitReportSource)(module, module.exports);
  return module.exports;
}

describe('same seeds give the same bits in Chromium as in Node', () => {
  const { report, fnv1a } = loadBitReport();
  beforeAll(() => nninit.ready());

  it('runs in a real browser', () => {
    expect(navigator.userAgent).toContain('Chrome');
  });

  it('initializers, the generator and matmul', () => {
    const node = inject('nodeBitReport');
    expect(Object.keys(node).length).toBeGreaterThanOrEqual(10);
    expect(report(nninit)).toEqual(node);
  });

  it('a short RBM fit and a short Mlp fit', async () => {
    const node = inject('nodeTrainingReport');
    expect(Object.keys(node)).toHaveLength(5);
    expect(await trainingReport(fnv1a)).toEqual(node);
  });
});
