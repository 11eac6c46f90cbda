import { access, constants, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as nninit from '../index.js';

/*
 * The files commands read and write. Outputs are checked before any work starts, so that a typo
 * in --out costs a second, not a training run; writes go to a temporary file renamed into place,
 * so an interrupted write never leaves half a file where the old one was.
 */

/** Node's "ENOENT: no such file or directory, open '/x/y'" without the path the message names already. */
function reason(error: unknown): string {
  return (error as Error).message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
}

/** A file's bytes; a missing or unreadable file is an E_PARAM error with its path, not a stack trace. */
export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new nninit.ParamError(`cannot read ${JSON.stringify(path)}: ${reason(error)}`);
  }
}

/** Creates and removes a scratch file in `directory`: the one test of "can write here" that needs no privileges to be right. */
async function probe(flag: string, shown: string, directory: string): Promise<void> {
  const scratch = join(directory, `.nninit-write-check-${process.pid}-${Date.now()}`);
  try {
    await (await open(scratch, 'wx')).close();
    await rm(scratch, { force: true });
  } catch (error) {
    throw new nninit.ParamError(`${flag} ${JSON.stringify(shown)} is not writable: ${reason(error)}`);
  }
}

/** Checks that the file `path` can be written (its directory exists and takes files; it is not a directory). */
export async function checkWritableFile(flag: string, path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) throw new nninit.ParamError(`${flag} ${JSON.stringify(path)} is a directory; give a file name`);
  if (info) {
    await access(path, constants.W_OK).catch((error: unknown) => {
      throw new nninit.ParamError(`${flag} ${JSON.stringify(path)} is not writable: ${reason(error)}`);
    });
  }
  await probe(flag, path, dirname(resolve(path)));
}

/** Creates the directory `path` (with its parents) and checks that files can be written in it. */
export async function prepareDirectory(flag: string, path: string): Promise<void> {
  if ((await stat(path).catch(() => null))?.isFile()) throw new nninit.ParamError(`${flag} ${JSON.stringify(path)} is a file; give a directory`);
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new nninit.ParamError(`${flag} ${JSON.stringify(path)}: cannot create the directory: ${reason(error)}`);
  }
  await probe(flag, path, path);
}

/** Writes `contents` to `path` through a temporary file in the same directory, renamed into place. */
export async function writeOutput(path: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, contents);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new nninit.ParamError(`cannot write ${JSON.stringify(path)}: ${reason(error)}`);
  }
}

/** "wrote a", "wrote a and b", "wrote a, b and c". */
export function wroteLine(paths: readonly string[]): string {
  const list = paths.length < 2 ? paths.join('') : `${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]}`;
  return `wrote ${list}`;
}
