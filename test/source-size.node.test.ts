import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * No source file in src/ or assembly/ grows past MAX_LINES: past that a file holds more than one
 * concern, and should be split the way src/nn/ is (facade, loop, wasm state). Generated files
 * (`*.generated.ts`) do not count.
 */
const MAX_LINES = 600;

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts') ? [path] : [];
  });
}

function lineCount(path: string): number {
  return readFileSync(join(root, path), 'utf8').split('\n').length;
}

describe('source file size', () => {
  const files = [...sources('src'), ...sources('assembly')];

  it(`keeps every file in src/ and assembly/ at ${MAX_LINES} lines or fewer`, () => {
    expect(files.length).toBeGreaterThan(50);
    const over = files.filter((f) => lineCount(f) > MAX_LINES).map((f) => `${f}: ${lineCount(f)} lines`);
    expect(over).toEqual([]);
  });
});
