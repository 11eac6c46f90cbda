import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { loadFile, saveFile } from '../src/node/index.js';

// nninit/node's files on a real file system: failures are IoErrors that keep the system's error,
// and saveFile replaces a file whole or not at all.

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
let dir: string;

beforeAll(() => nninit.ready());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nninit-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<nninit.NninitError & { cause?: NodeJS.ErrnoException }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as nninit.NninitError & { cause?: NodeJS.ErrnoException },
  );
}

describe('loadFile', () => {
  it('turns a missing file into an IoError (E_IO) naming the path, with the system error as its cause', async () => {
    const missing = join(dir, 'missing.safetensors');
    const error = await rejection(loadFile(missing));
    expect(error).toBeInstanceOf(nninit.IoError);
    expect(error.code).toBe('E_IO');
    expect(error.message).toBe(`path ${JSON.stringify(missing)} cannot be read: ENOENT: no such file or directory`);
    expect(error.cause?.code).toBe('ENOENT');
  });

  it('turns a directory into an IoError too, and a malformed file into a FormatError', async () => {
    expect((await rejection(loadFile(dir))).cause?.code).toBe('EISDIR');
    writeFileSync(join(dir, 'text.safetensors'), 'not a model');
    expect(await rejection(loadFile(join(dir, 'text.safetensors')))).toBeInstanceOf(nninit.FormatError);
  });

  it('rejects a path that is not a string with a ParamError', async () => {
    expect(await rejection(loadFile(42 as unknown as string))).toBeInstanceOf(nninit.ParamError);
  });
});

describe('saveFile', () => {
  const small = () => new nninit.Mlp({ layers: [4, 2], seed: 1 });

  it('writes the model and leaves nothing else beside it', async () => {
    const path = join(dir, 'mlp.safetensors');
    const mlp = small();
    await saveFile(mlp, path);
    expect(readdirSync(dir)).toEqual(['mlp.safetensors']);
    expect(new Uint8Array(readFileSync(path))).toEqual(mlp.save());
  });

  it('turns a missing directory into an IoError and creates nothing', async () => {
    const error = await rejection(saveFile(small(), join(dir, 'no/such/dir/mlp.safetensors')));
    expect(error).toBeInstanceOf(nninit.IoError);
    expect(error.cause?.code).toBe('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves no temporary file when the final rename fails', async () => {
    const target = join(dir, 'taken');
    mkdirSync(target); // a directory where the file should go: the rename is refused
    const error = await rejection(saveFile(small(), target));
    expect(error).toBeInstanceOf(nninit.IoError);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual([]);
  });

  it('keeps the replaced file’s permissions and writes through a symlink', async () => {
    const path = join(dir, 'mlp.safetensors');
    await saveFile(small(), path);
    chmodSync(path, 0o600);
    const link = join(dir, 'latest.safetensors');
    symlinkSync(path, link);
    const bigger = new nninit.Mlp({ layers: [8, 4, 2], seed: 2 });
    await saveFile(bigger, link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(new Uint8Array(readFileSync(path))).toEqual(bigger.save());
    expect(readdirSync(dir).sort()).toEqual(['latest.safetensors', 'mlp.safetensors']);
  });

  // A real failed write: the process may write at most 64 KiB per file (ulimit -f), and the new
  // model needs about 800 KB. `npm test` builds dist/ first; the child uses it as users do.
  it.skipIf(process.platform === 'win32')('keeps the old file whole when the write fails part way (a full disk)', async () => {
    expect(existsSync(join(dist, 'node.js'))).toBe(true);
    const path = join(dir, 'mlp.safetensors');
    const old = small();
    await saveFile(old, path);
    const script = `
      const nninit = await import(${JSON.stringify(join(dist, 'index.js'))});
      const { saveFile } = await import(${JSON.stringify(join(dist, 'node.js'))});
      await nninit.ready();
      const big = new nninit.Mlp({ layers: [784, 256, 10], seed: 3 });
      try {
        await saveFile(big, ${JSON.stringify(path)});
        console.log(JSON.stringify({ saved: true }));
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, isIoError: error instanceof nninit.IoError, cause: error.cause?.code, message: error.message }));
      }`;
    const output = execFileSync('bash', ['-c', 'ulimit -f 64 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      name: 'IoError',
      isIoError: true,
      cause: 'EFBIG',
      message: `path ${JSON.stringify(path)} cannot be written: EFBIG: file too large`,
    });
    expect(new Uint8Array(readFileSync(path))).toEqual(old.save());
    expect(readdirSync(dir)).toEqual(['mlp.safetensors']);
  });
});
