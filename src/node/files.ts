import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
// From the main entry, not ../errors.js: dist/node.js must throw the classes users import.
import { IoError, ParamError } from '../index.js';

/** The system error's code and description, without the syscall and path Node appends. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const text = error.message.replace(/, \w+( '.*')?$/, '');
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') {
    throw new ParamError(`path must be a non-empty string, got ${path === '' ? 'an empty string' : path === null ? 'null' : typeof path}`);
  }
}

/** The bytes of the file at `path`; any failure is an `IoError` whose `cause` is the system's error. */
export async function readBytes(path: string): Promise<Uint8Array> {
  checkPath(path);
  try {
    return await readFile(path);
  } catch (error) {
    throw new IoError(`path ${JSON.stringify(path)} cannot be read: ${describe(error)}`, { cause: error });
  }
}

/**
 * Replaces the file at `path` with `bytes`, or leaves it as it was: the bytes go to a temporary
 * file beside it, which is flushed to disk and then renamed over it (one atomic step), so a
 * crash or a full disk never leaves half a file where the old one was. Writes through a symlink
 * to its target, keeps the old file's permissions, and removes the temporary file on failure.
 */
export async function writeBytesAtomically(path: string, bytes: Uint8Array): Promise<void> {
  checkPath(path);
  const target = await realpath(path).catch(() => path);
  const previous = await stat(target).catch(() => undefined);
  // Short and unique: a long target name plus a suffix could pass the file system's name limit.
  const temporary = join(dirname(target), `.${basename(target).slice(0, 32)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx');
    if (previous?.isFile()) await handle.chmod(previous.mode & 0o7777);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new IoError(`path ${JSON.stringify(path)} cannot be written: ${describe(error)}`, { cause: error });
  }
  await syncDirectory(dirname(target));
}

/** Flushes the rename itself to disk where the platform allows (not on Windows). */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort: the file's contents are already on disk and the rename is done.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
