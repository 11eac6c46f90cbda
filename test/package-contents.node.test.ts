import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// What `npm install nninit` downloads: what users need and nothing else. `npm test` builds first.

const repo = fileURLToPath(new URL('..', import.meta.url));

interface Packed {
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

describe('the published package', () => {
  let packed: Packed;
  beforeAll(() => {
    [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], { cwd: repo, encoding: 'utf8' })) as Packed[];
  }, 120_000);

  it('holds no source maps', () => {
    expect(packed.files.filter((file) => file.path.endsWith('.map'))).toEqual([]);
    for (const entry of ['dist/index.js', 'dist/index.cjs', 'dist/cli.js']) {
      expect(readFileSync(`${repo}/${entry}`, 'utf8')).not.toContain('sourceMappingURL');
    }
  });

  it('keeps chart libraries out of the library entries', () => {
    const library = ['index.js', 'index.cjs', 'worker.js', 'worker.cjs', 'node.js', 'node.cjs', 'tfjs.js', 'tfjs.cjs'];
    for (const entry of library) {
      const code = readFileSync(`${repo}/dist/${entry}`, 'utf8');
      expect(code, entry).not.toMatch(/vega|import\("\.\/(build|chunk|vega)/);
    }
  });

  it('stays small: under 1 MB packed (it was 2.3 MB with source maps and the chart renderer in the CLI)', () => {
    expect(packed.size).toBeLessThan(1_000_000);
  });

  // A second copy of src/ in an entry would be a second wasm runtime and second error classes
  // (instanceof failing across entries). esbuild names each bundled module in a comment.
  it('has nninit/worker, nninit/node, nninit/tfjs and the CLI import the main entry, not copy it', () => {
    for (const [entry, own] of [
      ['worker.js', 'src/worker/'],
      ['worker.cjs', 'src/worker/'],
      ['node.js', 'src/node/'],
      ['node.cjs', 'src/node/'],
      ['tfjs.js', 'src/tfjs/'],
      ['tfjs.cjs', 'src/tfjs/'],
      ['cli.js', 'src/cli/'],
    ]) {
      const code = readFileSync(`${repo}/dist/${entry}`, 'utf8');
      const modules = [...code.matchAll(/^\/\/ (src\/\S+)$/gm)].map((match) => match[1]);
      expect(modules.length, entry).toBeGreaterThan(0);
      // text-table.ts: pure formatting, no state to duplicate; src/experiments/: the experiment
      // cores the CLI runs, code on the main entry's public API (which they import), no state either.
      const shared = (module: string) => module === 'src/text-table.ts' || (entry.startsWith('cli.') && module.startsWith('src/experiments/'));
      expect(modules.filter((module) => !module.startsWith(own) && !shared(module)), entry).toEqual([]);
      expect(code, entry).toMatch(entry.endsWith('.cjs') ? /require\("\.\/index\.cjs"\)/ : /from "\.\/index\.js"/);
    }
  });

  it('has a CLI that runs', () => {
    const output = execFileSync(process.execPath, [`${repo}/dist/cli.js`, 'help'], { encoding: 'utf8' });
    expect(output).toMatch(/nninit \d+\.\d+\.\d+/);
  });
});
