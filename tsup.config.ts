import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    // The loader is 10 kB of glue: bundle it so the SDK has no runtime dependencies.
    noExternal: ['@assemblyscript/loader'],
    // The digits (28 MB) stay out of the bundle: `nninit.data.mnist()` imports them on demand.
    external: ['mnist'],
  },
  {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    noExternal: ['@assemblyscript/loader'],
    external: ['mnist'],
  },
]);
