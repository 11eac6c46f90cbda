import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { saveFile } from '../src/node/index.js';
import { ready } from '../src/runtime/index.js';

/*
 * Ctrl-C during `nninit train` / `nninit pretrain`: the built CLI as a process, sent SIGINT after
 * its first progress line, writes a checkpoint and exits 130; the same command with --resume
 * finishes with the same file, byte for byte, as a run that was never interrupted.
 */

const CLI = resolve('dist/cli.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Runs the CLI and sends SIGINT once stderr shows `trigger`; resolves with the exit status and stderr. */
function interrupted(args: string[], trigger: RegExp): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && trigger.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
}

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

let dir: string;
let start: string;
beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'nninit-cli-checkpoint-'));
  start = join(dir, 'start.safetensors');
  await saveFile(new nninit.Mlp({ layers: [784, 128, 10], seed: 1 }), start);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Ctrl-C and --resume', () => {
  it('train: SIGINT writes a checkpoint and exits 130; --resume ends with the uninterrupted run\'s bytes', async () => {
    const common = ['train', '--from', start, '--epochs', '6', '--train-size', '3000', '--batch-size', '50', '--threads', '1'];
    const whole = await run([...common, '--out', join(dir, 'whole.safetensors')]);
    expect(whole.code).toBe(0);

    const checkpoint = join(dir, 'train.ckpt');
    const out = join(dir, 'resumed.safetensors');
    const stopped = await interrupted([...common, '--out', out, '--checkpoint', checkpoint], /train: epoch 1\/6/);
    expect(stopped.stderr).toMatch(/interrupted; writing a checkpoint/);
    expect(stopped.stderr).toMatch(new RegExp(`checkpoint written to ${checkpoint}; continue with the same command and --checkpoint ${checkpoint} --resume`));
    expect(stopped).toMatchObject({ code: 130, signal: null });
    const done = Number(/train: epoch (\d)\/6[^\n]*\n[^\n]*interrupted; writing/.exec(stopped.stderr)?.[1] ?? NaN);
    expect(done).toBeLessThan(6);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);

    const resumed = await run([...common, '--out', out, '--checkpoint', checkpoint, '--resume']);
    expect(resumed.code).toBe(0);
    // Progress starts after the checkpoint's epoch, not at 1.
    expect(resumed.stderr).not.toMatch(/train: epoch 1\/6/);
    expect(resumed.stderr).toMatch(/train: epoch 6\/6/);
    expect(await sha256(out)).toBe(await sha256(join(dir, 'whole.safetensors')));
    // Atomic writes leave no temporary files behind.
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('pretrain: SIGINT without --checkpoint writes OUT.checkpoint; --resume from it gives the same DBN', async () => {
    const common = ['pretrain', '--layers', '784,96,48', '--epochs', '3', '--train-size', '2000', '--batch-size', '50', '--threads', '1'];
    const wholeOut = join(dir, 'dbn-whole.safetensors');
    expect((await run([...common, '--out', wholeOut])).code).toBe(0);

    const out = join(dir, 'dbn.safetensors');
    const stopped = await interrupted([...common, '--out', out], /pretrain: RBM 1\/2 epoch 1\/3/);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/checkpoint written to .*dbn\.safetensors\.checkpoint/);
    const resumed = await run([...common, '--out', out, '--checkpoint', `${out}.checkpoint`, '--resume']);
    expect(resumed.code).toBe(0);
    expect(await sha256(out)).toBe(await sha256(wholeOut));
  });

  it('--resume without --checkpoint is a usage error', async () => {
    const result = await run(['train', '--from', start, '--resume']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--resume needs --checkpoint FILE/);
  });
});
