import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';

/*
 * The built nninit/tfjs entry (dist/, built by `npm test`), loaded as users load it: by package
 * name from Node ESM and CJS, type-checked under strict node16 resolution. TF.js must stay out of
 * every other entry.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file: string) => readFileSync(join(root, 'dist', file), 'utf8');

beforeAll(() => nninit.ready());

// One script for both module systems: `load(name)` is require or import.
const script = (load: string) => `
  const tf = await ${load}('@tensorflow/tfjs-core');
  await ${load}('@tensorflow/tfjs-backend-cpu');
  const tfl = await ${load}('@tensorflow/tfjs-layers');
  const nninit = await ${load}('nninit');
  const nninitTf = await ${load}('nninit/tfjs');
  await tf.setBackend('cpu');
  await nninit.ready(); // the main entry's runtime: orthogonal below needs it in nninit/tfjs
  const model = tfl.sequential({ layers: [
    tfl.layers.dense({ units: 4, activation: 'relu', inputShape: [6], kernelInitializer: nninitTf.heNormal({ seed: 1 }) }),
    tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: nninitTf.orthogonal({ seed: 2 }) }),
  ] });
  const mlp = nninitTf.fromTfjsModel(model);
  const bits = (t) => Array.from(new Uint32Array(t.dataSync().buffer));
  process.stdout.write(JSON.stringify({
    kernels: [bits(model.getWeights()[0]), bits(model.getWeights()[2])],
    mlpIsTheMainEntrys: mlp instanceof nninit.Mlp,
    errorIsTheMainEntrys: (() => { try { nninitTf.heNormal({ layout: 'inOut' }); } catch (e) { return e instanceof nninit.ParamError; } })(),
    names: Object.keys(nninitTf).sort(),
  }));`;

function run(args: string[]): { kernels: number[][]; mlpIsTheMainEntrys: boolean; errorIsTheMainEntrys: boolean; names: string[] } {
  // cwd is the package root, so 'nninit' and 'nninit/tfjs' resolve to dist/ through package.json's exports.
  const output = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(output.slice(output.indexOf('{')));
}

const bitsOf = (data: Float32Array) => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
function transpose(w: nninit.Tensor): Float32Array {
  const [outputs, inputs] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) out[i * outputs + o] = w.data[o * inputs + i];
  return out;
}

describe('the built nninit/tfjs', () => {
  it('is the only entry that imports TF.js, which is an optional peer dependency', () => {
    for (const file of ['index.js', 'index.cjs', 'worker.js', 'worker.cjs', 'node.js', 'node.cjs', 'index.d.ts']) {
      expect(dist(file), file).not.toMatch(/@tensorflow/);
    }
    expect(dist('tfjs.js')).toMatch(/from "@tensorflow\/tfjs-layers"/);
    expect(dist('tfjs.cjs')).toMatch(/require\("@tensorflow\/tfjs-layers"\)/);
    const pkg = createRequire(import.meta.url)('../package.json');
    for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']) {
      expect(pkg.dependencies?.[name]).toBeUndefined();
      expect(pkg.peerDependencies[name]).toBeDefined();
      expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    }
  });

  it('shares the main entry instead of bundling a copy of it', () => {
    expect(dist('tfjs.js')).toMatch(/from "\.\/index\.js"/);
    expect(dist('tfjs.cjs')).toMatch(/require\("\.\/index\.cjs"\)/);
    expect(dist('tfjs.js').length).toBeLessThan(60_000); // the main entry, kernels included, is ~300 kB
  });

  it('gives the same bits from require and import, with the main entry’s runtime and classes', () => {
    const cjs = run(['-e', `(async () => { ${script('require')} })()`]);
    const esm = run(['--input-type=module', '-e', script('import')]);
    expect(cjs).toEqual(esm);
    expect(esm.mlpIsTheMainEntrys).toBe(true);
    expect(esm.errorIsTheMainEntrys).toBe(true);
    expect(esm.kernels[0]).toEqual(bitsOf(transpose(nninit.init.heNormal([4, 6], { seed: 1 }))));
    expect(esm.kernels[1]).toEqual(bitsOf(transpose(nninit.init.orthogonal([3, 4], { seed: 2 }))));
    for (const name of ['heNormal', 'orthogonal', 'NninitInitializer', 'toTfjsWeights', 'toTfjsModel', 'fromTfjsModel', 'ready']) {
      expect(esm.names).toContain(name);
    }
  });

  describe('types', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(root, 'test', '.tmp-tfjs-types-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const typecheck = (files: string[]): string => {
      try {
        execFileSync(
          process.execPath,
          [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', ...files],
          { cwd: root, encoding: 'utf8' },
        );
        return '';
      } catch (error) {
        return String((error as { stdout?: string }).stdout);
      }
    };

    it('accepts docs/tfjs.md’s code under strict node16 resolution, from ESM (.mts) and CJS (.cts)', () => {
      const body = `
const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: nninitTf.heNormal({ seed: 1 }) }),
    tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: nninitTf.orthogonal({ gain: 1, seed: 2 }), biasInitializer: nninitTf.zeros() }),
  ],
});
const initializer: nninitTf.NninitInitializer = nninitTf.sparse({ sparsity: 0.1, std: 0.01, seed: 3 });
tfl.layers.conv2d({ filters: 8, kernelSize: 3, kernelInitializer: nninitTf.dirac({ groups: 1 }) });
const mlp = nninitTf.fromTfjsModel(model, { seed: 3 });
const weights: tf.Tensor[] = nninitTf.toTfjsWeights(mlp);
model.setWeights(weights);
tf.dispose(weights);
const back: tfl.Sequential = nninitTf.toTfjsModel(mlp);
back.dispose();
void initializer;
// One set of declarations: nninit/tfjs's Mlp is nninit's.
const main: nninit.Mlp = mlp;
nninitTf.toTfjsWeights(new nninit.Mlp({ layers: [8, 3] }));
void main;
`;
      const esm = join(dir, 'snippet.mts');
      writeFileSync(
        esm,
        `import * as tf from '@tensorflow/tfjs-core';\nimport * as tfl from '@tensorflow/tfjs-layers';\nimport * as nninit from 'nninit';\nimport * as nninitTf from 'nninit/tfjs';\nawait nninitTf.ready();\n${body}`,
      );
      const cjs = join(dir, 'snippet.cts');
      writeFileSync(
        cjs,
        `import tf = require('@tensorflow/tfjs-core');\nimport tfl = require('@tensorflow/tfjs-layers');\nimport nninit = require('nninit');\nimport nninitTf = require('nninit/tfjs');\n${body}`,
      );
      expect(typecheck([esm, cjs])).toBe('');
      // And the check can fail: a wrong option is a type error.
      const wrong = join(dir, 'wrong.mts');
      writeFileSync(wrong, `import * as nninitTf from 'nninit/tfjs';\nnninitTf.heNormal({ layout: 'inOut' });\n`);
      expect(typecheck([wrong])).toMatch(/wrong\.mts.*'layout' does not exist/);
    }, 180_000); // two tsc runs
  });
});
