import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The repository's shape, checked: no source file past MAX_LINES (past that a file holds more than
 * one concern, and should be split the way src/nn/ is: facade, loop, wasm state), the f64
 * references in test/reference/ out of the package, and every document a comment cites present in
 * the repository. Generated files (`*.generated.ts`) do not count.
 */
const MAX_LINES = 600;

const root = join(import.meta.dirname, '..');

function files(dir: string, ends: readonly string[]): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : files(path, ends);
    return ends.some((end) => entry.name.endsWith(end)) && !entry.name.includes('.generated.') ? [path] : [];
  });
}

const read = (path: string) => readFileSync(join(root, path), 'utf8');
const sources = [...files('src', ['.ts']), ...files('assembly', ['.ts'])];

describe('source layout', () => {
  it(`keeps every file in src/ and assembly/ at ${MAX_LINES} lines or fewer`, () => {
    expect(sources.length).toBeGreaterThan(50);
    const over = sources.filter((f) => read(f).split('\n').length > MAX_LINES).map((f) => `${f}: ${read(f).split('\n').length} lines`);
    expect(over).toEqual([]);
  });

  it('imports nothing from test/ in src/ or assembly/: the references stay out of the package', () => {
    expect(files('test/reference', ['.ts']).length).toBeGreaterThanOrEqual(4);
    const importers = sources.filter((f) => /from '(\.\.\/)+test\//.test(read(f)));
    expect(importers).toEqual([]);
  });

  it('cites only documents that are in the repository', () => {
    const texts = [
      ...sources,
      ...files('scripts', ['.mjs', '.ts']),
      ...files('test', ['.ts', '.mjs']),
      ...files('bench', ['.ts', '.mjs', '.md']),
      ...files('docs', ['.md']),
      ...files('examples', ['.ts', '.md', '.html']),
      '.ci/run',
      'README.md',
      'CHANGELOG.md',
    ].filter((f) => f !== 'test/source-layout.node.test.ts');
    const outside = /WASM-NOTES|DESIGN\.md|STYLE\.md|\.\.\/shared\/|\/work\//;
    expect(texts.filter((f) => outside.test(read(f)))).toEqual([]);
    const missing = texts.flatMap((f) => [...read(f).matchAll(/\bdocs\/[\w.-]+\.md\b/g)].map((m) => m[0])).filter((doc) => !existsSync(join(root, doc)));
    expect([...new Set(missing)]).toEqual([]);
  });
});
