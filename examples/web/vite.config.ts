import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo runs on the SDK's sources, so `npm run demo` needs no build first and shows edits live.
const source = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^nninit\/worker$/, replacement: source('worker/index.ts') },
      { find: /^nninit$/, replacement: source('index.ts') },
    ],
  },
  // Only the CommonJS `mnist` package needs converting to ESM. Naming it and turning discovery off
  // means Vite converts it once at startup and never reloads the page to re-optimize mid-session.
  optimizeDeps: { noDiscovery: true, include: ['mnist'] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 30_000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
