import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The README's TypeScript, compiled by tsc under `strict` against the packed package (`npm pack`,
 * installed into a scratch app as users install it): as an ES module with node16 resolution and
 * with bundler resolution, and as a CommonJS `.cts` file. `npm test` builds dist/ first.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The ```ts fences of a Markdown text, in order. */
function typescriptFences(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/**
 * Names the README's snippets use without defining: a reader's own data. A snippet that needs a
 * new one fails here with "Cannot find name", and the name joins this list.
 */
const PRELUDE = `
declare const bytes: Uint8Array; // a model file's bytes
declare const x: nninit.Tensor;
declare const y: nninit.Targets;
`;

/**
 * One module from the snippets in README order: their imports first, then each snippet in a block
 * nested in the one before, so a snippet sees what the earlier ones defined (as a reader does) and
 * may reuse a name. The body is an async function: CommonJS has no top-level await.
 */
function readmeModule(snippets: string[]): string {
  const imports = new Set<string>();
  const bodies = snippets.map((snippet) =>
    snippet
      .split('\n')
      // The same import in two snippets, with or without a trailing comment, is one import.
      .filter((line) => !(line.startsWith('import ') && imports.add(line.replace(/;\s*\/\/.*$/, ';'))))
      .join('\n'),
  );
  return `${[...imports].join('\n')}\n${PRELUDE}\nexport async function readme(): Promise<void> {\n${bodies.map((body) => `{\n${body}\n`).join('')}${'}'.repeat(bodies.length)}\n}\n`;
}

const common = { strict: true, noEmit: true, skipLibCheck: true, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'] };

const setups: Record<string, { file: string; options: Record<string, string> }> = {
  'ESM, node16 resolution': { file: 'readme.ts', options: { module: 'node16', moduleResolution: 'node16' } },
  'ESM, bundler resolution': { file: 'readme.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
  'CommonJS .cts, node16 resolution': { file: 'readme.cts', options: { module: 'node16', moduleResolution: 'node16' } },
};

/** tsc's complaints about `file` in the app (none: ''), from a child process so this one stays responsive. */
async function compile(app: string, file: string, options: Record<string, string>): Promise<string> {
  const config = join(app, `tsconfig.${file}.${options.moduleResolution}.json`);
  writeFileSync(config, JSON.stringify({ compilerOptions: { ...common, ...options }, files: [file] }));
  try {
    await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', config, '--pretty', 'false'], { cwd: app });
    return '';
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    return `${stdout ?? ''}${stderr ?? ''}` || message;
  }
}

describe("the README's TypeScript", () => {
  let app: string;
  const snippets = typescriptFences(readFileSync(join(repo, 'README.md'), 'utf8'));

  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'nninit-types-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(app).find((name) => name.endsWith('.tgz'))!;
    const installed = join(app, 'node_modules/nninit');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(app, tarball), '-C', installed, '--strip-components=1']);
    mkdirSync(join(app, 'node_modules/@types'));
    mkdirSync(join(app, 'node_modules/@tensorflow'));
    symlinkSync(join(repo, 'node_modules/@types/node'), join(app, 'node_modules/@types/node'), 'dir');
    // The TF.js packages nninit/tfjs's snippets import, as an app that uses it has them; the
    // umbrella '@tensorflow/tfjs' (not installed here) as what it is, core and layers re-exported.
    const tensorflow = join(app, 'node_modules/@tensorflow');
    for (const name of readdirSync(join(repo, 'node_modules/@tensorflow'))) {
      symlinkSync(join(repo, 'node_modules/@tensorflow', name), join(tensorflow, name), 'dir');
    }
    if (!readdirSync(tensorflow).includes('tfjs')) {
      mkdirSync(join(tensorflow, 'tfjs'));
      writeFileSync(join(tensorflow, 'tfjs/package.json'), JSON.stringify({ name: '@tensorflow/tfjs', version: '4.22.0', types: 'index.d.ts' }));
      writeFileSync(join(tensorflow, 'tfjs/index.d.ts'), "export * from '@tensorflow/tfjs-core';\nexport * from '@tensorflow/tfjs-layers';\n");
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-app', private: true, type: 'module' }));
    const source = readmeModule(snippets);
    writeFileSync(join(app, 'readme.ts'), source);
    writeFileSync(join(app, 'readme.cts'), source);
  }, 120_000);

  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('has snippets for the main entry and for nninit/node', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    expect(snippets.some((snippet) => snippet.includes("from 'nninit/node'"))).toBe(true);
  });

  for (const [setup, { file, options }] of Object.entries(setups)) {
    it(`compiles under strict, ${setup}`, async () => {
      expect(await compile(app, file, options)).toBe('');
    });
  }
});
