import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';

// The built package, loaded the way users load it: `npm test` builds dist/ before vitest runs.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test/fixtures');
const { report } = createRequire(import.meta.url)('./fixtures/bit-report.cjs');

function runNode(file: string): Record<string, string> {
  return JSON.parse(execFileSync(process.execPath, [join(fixtures, file)], { encoding: 'utf8' }));
}

describe('the built package', () => {
  beforeAll(() => nninit.ready());

  it('exists (run `npm run build` first)', () => {
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/index.cjs'))).toBe(true);
  });

  it('gives the same bits from Node ESM, Node CJS and the sources', () => {
    const esm = runNode('bits-esm.mjs');
    const cjs = runNode('bits-cjs.cjs');
    const source = report(nninit);
    expect(Object.keys(esm).length).toBeGreaterThanOrEqual(1);
    expect(cjs).toEqual(esm);
    expect(source).toEqual(esm);
  });

  it('exposes the same names from import and require', () => {
    const script = `const c = require(${JSON.stringify(join(root, 'dist/index.cjs'))});
      import(${JSON.stringify('file://' + join(root, 'dist/index.js'))}).then((e) => {
        process.stdout.write(JSON.stringify([Object.keys(c).sort(), Object.keys(e).sort()]));
      });`;
    const [cjsNames, esmNames] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(cjsNames).toEqual(esmNames);
    for (const name of ['ready', 'init', 'ops', 'Rng', 'tensor', 'NninitError']) expect(esmNames).toContain(name);
  });
});
