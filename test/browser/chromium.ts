// How every browser test finds and launches Chromium: a browser already on the machine, never one
// downloaded for the tests. vitest.config.ts skips the chromium and e2e projects when none is
// found (NNINIT_REQUIRE_BROWSER=1, set by CI, makes that an error instead).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, posix, win32 } from 'node:path';

export const chromiumArgs = [
  '--no-sandbox', // CI runs as root, where Chromium's sandbox refuses to start
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where to look, for tests of the search itself; every field defaults to this machine's. */
export interface ChromiumSearch {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Prefix of the fixed system paths (/usr/bin/…, /Applications/…): a fake tree in tests. */
  root?: string;
}

export interface ChromiumFound {
  path: string;
}

export interface ChromiumMissing {
  path: undefined;
  /** Every place looked at, in order. */
  tried: string[];
  /** What is missing, for one line in the terminal (followed by HOW_TO_GET_CHROMIUM). */
  reason: string;
}

/** Names of Chromium and Chrome binaries looked up on PATH (Linux and other Unixes). */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/**
 * The places a Chromium is looked for, in order, except NNINIT_CHROMIUM (which, when set, is the
 * only one): the distributions' and Google's fixed paths, then PATH, then Playwright's cache.
 */
export function chromiumCandidates(search: ChromiumSearch = {}): string[] {
  const platform = search.platform ?? process.platform;
  const env = search.env ?? process.env;
  const home = search.home ?? homedir();
  const root = search.root ?? '';
  const system = (path: string) => (root ? join(root, path) : path);
  const candidates: string[] = [];
  if (platform === 'win32') {
    const programFiles = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((dir): dir is string => !!dir);
    for (const dir of programFiles) {
      candidates.push(win32.join(dir, 'Google', 'Chrome', 'Application', 'chrome.exe'));
      candidates.push(win32.join(dir, 'Chromium', 'Application', 'chrome.exe'));
    }
  } else if (platform === 'darwin') {
    for (const apps of [system('/Applications'), join(home, 'Applications')]) {
      candidates.push(join(apps, 'Chromium.app/Contents/MacOS/Chromium'));
      candidates.push(join(apps, 'Google Chrome.app/Contents/MacOS/Google Chrome'));
    }
  } else {
    for (const path of [
      '/usr/bin/chromium', // Debian
      '/usr/bin/chromium-browser', // Ubuntu's (a snap launcher), Fedora
      '/snap/bin/chromium',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/opt/google/chrome/chrome',
    ]) {
      candidates.push(system(path));
    }
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      for (const name of PATH_NAMES) candidates.push(join(dir, name));
    }
  }
  candidates.push(...playwrightCandidates(platform, env, home));
  return [...new Set(candidates)];
}

/** Chromium builds that `npx playwright install chromium` left in Playwright's cache, newest first. */
function playwrightCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string[] {
  const path = platform === 'win32' ? win32 : posix;
  const cache =
    env.PLAYWRIGHT_BROWSERS_PATH ||
    (platform === 'win32'
      ? path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'ms-playwright')
      : platform === 'darwin'
        ? path.join(home, 'Library', 'Caches', 'ms-playwright')
        : path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'ms-playwright'));
  let builds: string[];
  try {
    builds = readdirSync(cache).filter((name) => /^chromium(_headless_shell)?-\d+$/.test(name));
  } catch {
    return [];
  }
  const revision = (name: string) => Number(name.slice(name.lastIndexOf('-') + 1));
  // Newest first; at one revision the full browser before the headless shell.
  builds.sort((a, b) => revision(b) - revision(a) || a.length - b.length);
  const inside: Record<string, string[]> =
    platform === 'win32'
      ? { chromium: ['chrome-win64/chrome.exe', 'chrome-win/chrome.exe'], shell: ['chrome-headless-shell-win64/chrome-headless-shell.exe'] }
      : platform === 'darwin'
        ? {
            chromium: [
              'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
              'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
              'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
            ],
            shell: ['chrome-headless-shell-mac-arm64/chrome-headless-shell', 'chrome-headless-shell-mac-x64/chrome-headless-shell'],
          }
        : {
            chromium: ['chrome-linux64/chrome', 'chrome-linux-arm64/chrome', 'chrome-linux/chrome'],
            shell: ['chrome-headless-shell-linux64/chrome-headless-shell', 'chrome-headless-shell-linux-arm64/chrome-headless-shell'],
          };
  return builds.flatMap((build) =>
    inside[build.startsWith('chromium_headless_shell') ? 'shell' : 'chromium'].map((file) => path.join(cache, build, ...file.split('/'))),
  );
}

/**
 * Whether `path` is a Chromium that starts: an executable file that answers `--version` (a
 * launcher script whose browser is gone fails here). Windows' chrome.exe opens a window instead of
 * answering, so there an executable file is enough.
 */
export function startsChromium(path: string, platform: NodeJS.Platform = process.platform): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (platform === 'win32') return true;
    accessSync(path, constants.X_OK);
    const version = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /chrom/i.test(version);
  } catch {
    return false;
  }
}

/** How to get a browser the search finds. */
export const HOW_TO_GET_CHROMIUM =
  'install Chromium or Google Chrome (Debian: apt-get install chromium; macOS: brew install --cask chromium), ' +
  'run `npx playwright install chromium`, or set NNINIT_CHROMIUM=/path/to/chrome';

/** The first Chromium that starts; NNINIT_CHROMIUM, when set, is the only one tried. */
export function findChromium(search: ChromiumSearch = {}): ChromiumFound | ChromiumMissing {
  const env = search.env ?? process.env;
  const platform = search.platform ?? process.platform;
  const chosen = env.NNINIT_CHROMIUM;
  if (chosen) {
    if (startsChromium(chosen, platform)) return { path: chosen };
    return {
      path: undefined,
      tried: [chosen],
      reason: `NNINIT_CHROMIUM=${chosen} is not a Chromium that starts`,
    };
  }
  const tried = chromiumCandidates(search);
  const path = tried.find((candidate) => startsChromium(candidate, platform));
  if (path) return { path };
  return {
    path: undefined,
    tried,
    reason: `No Chromium found in the usual places, on PATH or in Playwright's cache (${tried.length} paths tried; NNINIT_CHROMIUM is unset)`,
  };
}

/**
 * The Chromium the e2e suites launch. vitest.config.ts passes the one it found in
 * NNINIT_CHROMIUM, so the search runs once; the e2e project only exists when one was found.
 */
export const chromiumPath: string = findChromium().path ?? '';
