// Same seed, same bits, across versions: seeded initializers, products and trainings must keep the
// fingerprints recorded in test/fixtures/golden-bits.json, on one thread and with every product
// split over worker threads. A change that moves a bit on purpose (a new algorithm, not a
// refactor) regenerates the file with `GOLDEN_UPDATE=1 npx vitest run --project node
// test/golden-bits.node.test.ts` and says why in its commit message.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { setParallelMinWork } from '../src/ops/gemm.js';
import { initializerReport, matmulReport, trainingReport } from './fixtures/golden-report.js';

const goldenPath = new URL('./fixtures/golden-bits.json', import.meta.url);

async function fullReport(): Promise<Record<string, string>> {
  return { ...initializerReport(), ...matmulReport(), ...(await trainingReport()) };
}

describe('golden bits', () => {
  beforeAll(() => nninit.ready());

  it('on one thread, every seeded result matches its recorded fingerprint', async () => {
    const report = await fullReport();
    if (process.env.GOLDEN_UPDATE === '1') writeFileSync(goldenPath, `${JSON.stringify(report, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Record<string, string>;
    expect(report).toEqual(golden);
  });

  describe('with every product split over two worker threads', () => {
    let threshold = 0;
    beforeAll(async () => {
      await nninit.ready({ threads: 2 });
      threshold = setParallelMinWork(0);
    });
    afterAll(async () => {
      setParallelMinWork(threshold);
      await nninit.ready({ threads: 1 });
    });

    it('gives the same fingerprints', async () => {
      expect(nninit.threads()).toBe(2);
      const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Record<string, string>;
      expect(await fullReport()).toEqual(golden);
    });
  });
});
