import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

// nninit/worker imports the SDK as src/index.js; pointing that at the built main entry, not
// bundling a second copy, keeps one runtime (one wasm instance) per thread.
const workerImportsMainEntry: Plugin = {
  name: 'worker-imports-main-entry',
  setup(build) {
    const mainSource = resolve('src/index.js');
    const mainEntry = build.initialOptions.format === 'cjs' ? './index.cjs' : './index.js';
    build.onResolve({ filter: /\/index\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === mainSource ? { path: mainEntry, external: true } : undefined,
    );
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    // The digits (28 MB) stay out of the bundle: `nninit.data.mnist()` imports them on demand.
    external: ['mnist'],
  },
  {
    entry: { worker: 'src/worker/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'neutral',
    esbuildPlugins: [workerImportsMainEntry],
  },
  {
    // Node only (node:fs); shares the main entry's runtime the way nninit/worker does.
    entry: { node: 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    esbuildPlugins: [workerImportsMainEntry],
  },
  {
    // TF.js adapters; @tensorflow/* stay external (optional peers of this entry only).
    entry: { tfjs: 'src/tfjs/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'neutral',
    external: [/^@tensorflow\//],
    esbuildPlugins: [workerImportsMainEntry],
  },
  {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['mnist'],
  },
]);
