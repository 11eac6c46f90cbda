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

  it('keeps the CLI’s chart libraries out of the library entries', () => {
    const library = ['index.js', 'index.cjs', 'worker.js', 'worker.cjs', 'node.js', 'node.cjs'];
    for (const entry of library) {
      const code = readFileSync(`${repo}/dist/${entry}`, 'utf8');
      expect(code, entry).not.toMatch(/vega|import\("\.\/(build|chunk|vega)/);
    }
  });

  it('stays small: under 1 MB packed (it was 2.3 MB with source maps and an unminified CLI)', () => {
    expect(packed.size).toBeLessThan(1_000_000);
  });

  it('has a CLI that still runs, minified', () => {
    const output = execFileSync(process.execPath, [`${repo}/dist/cli.js`, 'help'], { encoding: 'utf8' });
    expect(output).toMatch(/nninit \d+\.\d+\.\d+/);
  });
});
