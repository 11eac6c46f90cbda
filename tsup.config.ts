import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

// nninit/worker, nninit/node, nninit/tfjs and the CLI import the SDK as src/index.js; pointing
// that at the built main entry, not bundling a second copy, keeps one runtime (one wasm instance)
// per thread and one set of classes (instanceof holds across entries).
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

// No `clean: true` here: tsup builds these configs at the same time, and one config's clean could
// delete another's fresh output. `npm run build` empties dist/ before tsup starts.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // One declaration build for every library entry: nninit/worker's and nninit/node's .d.ts
    // import the classes the main entry declares (shared chunks) instead of declaring copies, which
    // TypeScript rejects as different types ("separate declarations of a private property"). A new
    // entry joins this list rather than setting `dts` in its own config.
    dts: { entry: { index: 'src/index.ts', worker: 'src/worker/index.ts', node: 'src/node/index.ts', tfjs: 'src/tfjs/index.ts' } },
    target: 'es2022',
    platform: 'neutral',
    // The digits (28 MB) stay out of the bundle: `nninit.data.mnist()` imports them on demand.
    external: ['mnist'],
  },
  {
    entry: { worker: 'src/worker/index.ts' },
    format: ['esm', 'cjs'],
    target: 'es2022',
    platform: 'neutral',
    esbuildPlugins: [workerImportsMainEntry],
  },
  {
    // Node only (node:fs); shares the main entry's runtime the way nninit/worker does.
    entry: { node: 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    esbuildPlugins: [workerImportsMainEntry],
  },
  {
    // TF.js adapters; @tensorflow/* stay external (optional peers of this entry only).
    entry: { tfjs: 'src/tfjs/index.ts' },
    format: ['esm', 'cjs'],
    target: 'es2022',
    platform: 'neutral',
    external: [/^@tensorflow\//],
    esbuildPlugins: [workerImportsMainEntry],
  },
  {
    // The command line on the main entry's runtime too: dist/cli.js is the commands alone.
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['mnist'],
    esbuildPlugins: [workerImportsMainEntry],
  },
]);
