import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chromiumCandidates, findChromium, type ChromiumSearch } from './browser/chromium.js';

// The browser search of test/browser/chromium.ts against fake directory trees, and what
// vitest.config.ts makes of a missing browser, in a spawned vitest.

const repo = fileURLToPath(new URL('..', import.meta.url));

/** A script that answers `--version` like Chromium does, or a launcher whose browser is gone. */
function fakeBrowser(path: string, works = true): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, works ? '#!/bin/sh\necho "Chromium 140.0.0.0"\n' : '#!/bin/sh\nexec /nonexistent/chromium "$@"\n');
  chmodSync(path, 0o755);
}

describe.skipIf(process.platform === 'win32')('the Chromium search', () => {
  let tree: string;
  let search: ChromiumSearch;

  beforeEach(() => {
    tree = mkdtempSync(join(tmpdir(), 'nninit-chromium-'));
    mkdirSync(join(tree, 'bin'));
    // Nothing of this machine's: fixed paths under the tree, PATH and Playwright's cache inside it.
    search = { platform: 'linux', root: tree, home: join(tree, 'home'), env: { PATH: join(tree, 'bin'), PLAYWRIGHT_BROWSERS_PATH: join(tree, 'pw') } };
  });
  afterEach(() => rmSync(tree, { recursive: true, force: true }));

  it('takes the first that starts, in order: Debian, Ubuntu, snap, Google Chrome, PATH, Playwright', () => {
    const playwright = join(tree, 'pw/chromium-1200/chrome-linux64/chrome');
    fakeBrowser(playwright);
    expect(findChromium(search)).toEqual({ path: playwright });
    fakeBrowser(join(tree, 'bin/chromium'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'bin/chromium') });
    fakeBrowser(join(tree, 'opt/google/chrome/chrome'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'opt/google/chrome/chrome') });
    fakeBrowser(join(tree, 'snap/bin/chromium'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'snap/bin/chromium') });
    fakeBrowser(join(tree, 'usr/bin/chromium-browser'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'usr/bin/chromium-browser') });
    fakeBrowser(join(tree, 'usr/bin/chromium'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'usr/bin/chromium') });
  });

  it('passes over a launcher whose browser is gone (Debian’s /usr/bin/chromium without /usr/lib/chromium)', () => {
    fakeBrowser(join(tree, 'usr/bin/chromium'), false);
    fakeBrowser(join(tree, 'snap/bin/chromium'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'snap/bin/chromium') });
  });

  it('passes over files that are not executable', () => {
    fakeBrowser(join(tree, 'usr/bin/chromium'));
    chmodSync(join(tree, 'usr/bin/chromium'), 0o644);
    const found = findChromium(search);
    // root may execute any file with an x bit, none here: 0o644 must still be refused.
    expect(found.path).toBeUndefined();
  });

  it('prefers the newest Playwright build, the full browser before the headless shell', () => {
    fakeBrowser(join(tree, 'pw/chromium-1100/chrome-linux64/chrome'));
    fakeBrowser(join(tree, 'pw/chromium_headless_shell-1200/chrome-headless-shell-linux64/chrome-headless-shell'));
    fakeBrowser(join(tree, 'pw/chromium-1200/chrome-linux/chrome'));
    expect(findChromium(search)).toEqual({ path: join(tree, 'pw/chromium-1200/chrome-linux/chrome') });
  });

  it('finds Chromium and Google Chrome in macOS application folders', () => {
    const mac = { ...search, platform: 'darwin' as const };
    const chrome = join(tree, 'home/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
    fakeBrowser(chrome);
    expect(findChromium(mac)).toEqual({ path: chrome });
    const chromium = join(tree, 'Applications/Chromium.app/Contents/MacOS/Chromium');
    fakeBrowser(chromium);
    expect(findChromium(mac)).toEqual({ path: chromium });
  });

  it('tries only NNINIT_CHROMIUM when it is set', () => {
    fakeBrowser(join(tree, 'usr/bin/chromium'));
    const nowhere = join(tree, 'nowhere/chrome');
    const missing = findChromium({ ...search, env: { ...search.env, NNINIT_CHROMIUM: nowhere } });
    expect(missing).toMatchObject({ path: undefined, tried: [nowhere] });
    expect(missing.path === undefined && missing.reason).toBe(`NNINIT_CHROMIUM=${nowhere} is not a Chromium that starts`);
    const chosen = join(tree, 'mine/chrome');
    fakeBrowser(chosen);
    expect(findChromium({ ...search, env: { ...search.env, NNINIT_CHROMIUM: chosen } })).toEqual({ path: chosen });
  });

  it('reports every path it tried when none starts', () => {
    const missing = findChromium(search);
    expect(missing.path).toBeUndefined();
    if (missing.path !== undefined) return;
    expect(missing.tried).toEqual(chromiumCandidates(search));
    expect(missing.tried).toContain(join(tree, 'usr/bin/chromium'));
    expect(missing.reason).toMatch(/^No Chromium found/);
  });
});

describe('the Chromium candidates', () => {
  it('on Windows: Chrome and Chromium under Program Files and LocalAppData, then Playwright’s cache', () => {
    const candidates = chromiumCandidates({
      platform: 'win32',
      home: 'C:\\Users\\u',
      env: { PROGRAMFILES: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' },
    });
    expect(candidates).toEqual([
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Program Files\\Chromium\\Application\\chrome.exe',
      'C:\\Users\\u\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Users\\u\\AppData\\Local\\Chromium\\Application\\chrome.exe',
    ]);
  });

  it('on Linux: the fixed paths first, then each PATH directory', () => {
    const candidates = chromiumCandidates({ platform: 'linux', home: '/home/u', env: { PATH: '/nix/bin', PLAYWRIGHT_BROWSERS_PATH: '/none' } });
    expect(candidates).toEqual([
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/snap/bin/chromium',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/opt/google/chrome/chrome',
      '/nix/bin/chromium',
      '/nix/bin/chromium-browser',
      '/nix/bin/google-chrome',
      '/nix/bin/google-chrome-stable',
    ]);
  });
});

describe('vitest.config.ts without a browser', () => {
  /** vitest on one small Node suite, with NNINIT_CHROMIUM pointing nowhere. */
  function vitest(extraEnv: Record<string, string>) {
    const env: NodeJS.ProcessEnv = { ...process.env, NNINIT_CHROMIUM: '/nowhere/chromium', ...extraEnv };
    delete env.VITEST; // the child is a vitest of its own, not a worker of this one
    delete env.FORCE_COLOR;
    env.NO_COLOR = '1';
    if (!('NNINIT_REQUIRE_BROWSER' in extraEnv)) delete env.NNINIT_REQUIRE_BROWSER;
    const result = spawnSync(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', 'test/philox.test.ts'], {
      cwd: repo,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, output: result.stdout + result.stderr };
  }

  it('skips the chromium and e2e projects with one line, and the Node suite decides the result', () => {
    const { status, output } = vitest({});
    const skipLines = output.split('\n').filter((line) => line.includes('skipping the chromium and e2e test projects'));
    expect(skipLines).toHaveLength(1);
    expect(skipLines[0]).toMatch(/^nninit: NNINIT_CHROMIUM=\/nowhere\/chromium is not a Chromium that starts: .*apt-get install chromium.*NNINIT_CHROMIUM=/);
    expect(output).toMatch(/\|node\| test\/philox\.test\.ts/);
    expect(output).not.toMatch(/\|chromium\|/);
    expect(status).toBe(0);
  });

  it('fails instead when NNINIT_REQUIRE_BROWSER=1 (CI)', () => {
    const { status, output } = vitest({ NNINIT_REQUIRE_BROWSER: '1' });
    expect(output).toContain('NNINIT_REQUIRE_BROWSER=1 requires the browser suites');
    expect(output).not.toMatch(/\|node\| test\/philox\.test\.ts/);
    expect(status).not.toBe(0);
  });
});
