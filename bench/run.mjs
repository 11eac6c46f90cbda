// Runs every bench/*.bench.ts in sequence, each in its own `npx vite-node` process, and passes
// their output through. Lines that are JSON objects with a "bench" key are also collected into
// bench/results/latest.jsonl. Arguments filter by file name: `node bench/run.mjs gemm`.
// `npm run bench` builds first (the benches import the TypeScript sources and the built wasm).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, '..');
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no bench/*.bench.ts matches ${filters.join(', ')}`);
  process.exit(1);
}

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn('npx', ['vite-node', join('bench', file)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const records = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(line);
      if (!line.startsWith('{')) return;
      try {
        const record = JSON.parse(line);
        if (record && typeof record === 'object' && 'bench' in record) records.push(line);
      } catch {
        // Not JSON after all: already passed through.
      }
    });
    child.on('close', (code) => resolve({ code, records }));
  });
}

const collected = [];
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const { code, records } = await runFile(file);
  collected.push(...records);
  if (code !== 0) {
    failed++;
    console.error(`${file} exited with code ${code}`);
  }
}

mkdirSync(join(benchDir, 'results'), { recursive: true });
writeFileSync(join(benchDir, 'results', 'latest.jsonl'), collected.map((line) => `${line}\n`).join(''));
console.log(`\n${collected.length} JSON records -> bench/results/latest.jsonl`);
process.exit(failed === 0 ? 0 : 1);
