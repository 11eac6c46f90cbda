import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress, runCommand, UsageError, type Io } from '../src/cli/command.js';
import { evaluate } from '../src/cli/eval.js';
import { pretrain } from '../src/cli/pretrain.js';
import { train } from '../src/cli/train.js';
import * as nninit from '../src/index.js';
import { loadFile, saveFile } from '../src/node/index.js';
import { ready } from '../src/runtime/index.js';

/*
 * The weights commands, called as the CLI calls them (argument lists in, files out), on small
 * slices of the bundled digits and on IDX files written here.
 */

let dir: string;
const progressLines: string[] = [];
const printed: string[] = [];
const progress = (): Io => ({
  print: (text) => printed.push(text),
  progress: new Progress({ isTTY: false, write: (text: string) => progressLines.push(text) } as unknown as NodeJS.WriteStream),
});
const pretrainCommand = (args: string[], io: Io) => runCommand(pretrain, args, io);
const trainCommand = (args: string[], io: Io) => runCommand(train, args, io);
const evalCommand = (args: string[], io: Io) => runCommand(evaluate, args, io);
const SMALL = ['--train-size', '600', '--test-size', '300'];

beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'nninit-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An IDX file: magic with the element type and rank, big-endian dimensions, then the bytes. */
function idx(type: number, shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

describe('nninit pretrain → train → eval', () => {
  it('pretrains a DBN, fine-tunes it and scores it on the bundled digits, with progress lines', async () => {
    const dbnPath = join(dir, 'dbn.safetensors');
    const mlpPath = join(dir, 'mlp.safetensors');
    const pretrained = await pretrainCommand(['--layers', '784,64', '--epochs', '2', '--out', dbnPath, ...SMALL], progress());
    expect(pretrained.reconstructionErrors).toHaveLength(1);
    expect(progressLines.some((line) => /^pretrain: RBM 1\/1 epoch 2\/2 {2}reconstruction error \d/.test(line))).toBe(true);
    expect(await loadFile(dbnPath)).toBeInstanceOf(nninit.DBN);

    const trained = await trainCommand(['--from', dbnPath, '--out', mlpPath, '--epochs', '3', '--batch-size', '50', '--lr', '0.003', ...SMALL], progress());
    expect(trained.sizes).toEqual([784, 64, 10]);
    expect(progressLines.some((line) => /^train: epoch 3\/3 {2}loss \d/.test(line))).toBe(true);

    const scored = await evalCommand([mlpPath, ...SMALL], progress());
    expect(scored.rows).toBe(300);
    expect(scored.accuracy).toBeGreaterThan(0.6);
    expect(progressLines.some((line) => line.startsWith(`eval: scoring ${mlpPath}`))).toBe(true);

    // Fine-tuning a saved Mlp again, with a new head trained alone, keeps its base layer.
    const headPath = join(dir, 'head.safetensors');
    await trainCommand(['--from', mlpPath, '--out', headPath, '--epochs', '1', '--outputs', '12', '--freeze-base', ...SMALL], progress());
    const [before, after] = [await loadFile(mlpPath), await loadFile(headPath)] as nninit.Mlp[];
    expect(after.sizes).toEqual([784, 64, 12]);
    expect(after.layers[0].weight.data).toEqual(before.layers[0].weight.data);
  });

  it('reads IDX files from a directory (train-* for training, t10k-* for eval) or as a pair', async () => {
    const rows = 40;
    const pixels = new Uint8Array(rows * 4 * 4);
    const labels = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      labels[r] = r % 2;
      // Class 0 lights the top half of a 4 × 4 image, class 1 the bottom half.
      for (let p = 0; p < 16; p++) pixels[r * 16 + p] = (p < 8) === (r % 2 === 0) ? 255 : 0;
    }
    const data = join(dir, 'idx');
    await rm(data, { recursive: true, force: true });
    await mkdir(data);
    for (const prefix of ['train', 't10k']) {
      await writeFile(join(data, `${prefix}-images-idx3-ubyte`), idx(0x08, [rows, 4, 4], pixels));
      await writeFile(join(data, `${prefix}-labels-idx1-ubyte`), idx(0x08, [rows], labels));
    }
    const dbnPath = join(dir, 'idx-dbn.safetensors');
    const mlpPath = join(dir, 'idx-mlp.safetensors');
    await pretrainCommand(['--layers', '16,8', '--epochs', '3', '--batch-size', '10', '--data', data, '--out', dbnPath], progress());
    await trainCommand(['--from', dbnPath, '--outputs', '2', '--epochs', '30', '--batch-size', '10', '--lr', '0.05', '--data', data, '--out', mlpPath], progress());
    expect((await evalCommand([mlpPath, '--data', data], progress())).accuracy).toBe(1);
    const pair = `${join(data, 't10k-images-idx3-ubyte')},${join(data, 't10k-labels-idx1-ubyte')}`;
    const scored = await evalCommand([mlpPath, '--data', pair, '--test-size', '10'], progress());
    expect(scored.rows).toBe(10);
  });
});

describe('usage errors name the problem', () => {
  it('rejects bad options, missing files and the wrong kind of model', async () => {
    await expect(trainCommand([], progress())).rejects.toThrow(/--from is required/);
    await expect(pretrainCommand(['--layers', '784,0'], progress())).rejects.toThrow(/--layers must be a positive integer, got "0"/);
    await expect(evalCommand([join(dir, 'absent.safetensors')], progress())).rejects.toThrow(/cannot read ".*absent\.safetensors"/);
    await expect(evalCommand([], progress())).rejects.toThrow(/nninit eval takes <mlp.safetensors>, got none/);
    await expect(trainCommand(['--from', 'x', '--epochs', '1e1'], progress())).rejects.toThrow(UsageError);
    await expect(evalCommand(['a', '--data', dir], progress())).rejects.toThrow(nninit.ParamError);

    const rbmPath = join(dir, 'rbm.safetensors');
    await saveFile(new nninit.RBM({ nVisible: 784, nHidden: 4, seed: 1 }), rbmPath);
    await expect(evalCommand([rbmPath, ...SMALL], progress())).rejects.toThrow(/holds an RBM; eval scores an Mlp/);
    await expect(trainCommand(['--from', rbmPath, ...SMALL], progress())).rejects.toThrow(/holds a single RBM/);

    const narrow = join(dir, 'narrow.safetensors');
    await saveFile(new nninit.Mlp({ layers: [10, 3], seed: 1 }), narrow);
    await expect(evalCommand([narrow, ...SMALL], progress())).rejects.toThrow(/the model takes 10 inputs but the data \(bundled digits, test part of seed 0\) has 784 features per row/);
    await expect(trainCommand(['--from', narrow, '--activation', 'tanh', ...SMALL], progress())).rejects.toThrow(/--activation tanh: .* its activation is fixed by its weights/);

    const threeClasses = join(dir, 'three-classes.safetensors');
    await saveFile(new nninit.Mlp({ layers: [784, 3], seed: 1 }), threeClasses);
    const labels = /the data \(bundled digits, (train|test) part of seed 0\) has labels up to 9 but the network has 3 outputs; /;
    await expect(evalCommand([threeClasses, ...SMALL], progress())).rejects.toThrow(labels);
    await expect(trainCommand(['--from', threeClasses, ...SMALL], progress())).rejects.toThrow(/has labels up to 9 .*give --outputs as many as there are classes/);

    const corrupt = join(dir, 'corrupt.safetensors');
    await writeFile(corrupt, (await readFile(narrow)).subarray(0, 40));
    await expect(evalCommand([corrupt, ...SMALL], progress())).rejects.toThrow(nninit.FormatError);
  });
});

describe('nninit/node', () => {
  it('saveFile and loadFile round-trip every kind bit-exact', async () => {
    const path = join(dir, 'mlp-roundtrip.safetensors');
    const mlp = new nninit.Mlp({ layers: [5, 3, 2], seed: 7 });
    await saveFile(mlp, path);
    expect(new Uint8Array(await readFile(path))).toEqual(mlp.save());
    const loaded = (await loadFile(path)) as nninit.Mlp;
    expect(loaded.save()).toEqual(mlp.save());
    await expect(loadFile(path, { maxHeaderBytes: 10 })).rejects.toThrow(nninit.FormatError);
  });
});

describe('the built package (dist/, which npm test builds first)', () => {
  const run = promisify(execFile);
  const dist = resolve('dist');

  it('nninit/node shares the main entry in ESM and CJS: a loaded model is an instance of its Mlp', async () => {
    const path = join(dir, 'dist-roundtrip.safetensors');
    const esm = `
      const nninit = await import(${JSON.stringify(join(dist, 'index.js'))});
      const { saveFile, loadFile } = await import(${JSON.stringify(join(dist, 'node.js'))});
      await nninit.ready();
      await saveFile(new nninit.Mlp({ layers: [4, 2], seed: 1 }), ${JSON.stringify(path)});
      console.log((await loadFile(${JSON.stringify(path)})) instanceof nninit.Mlp);`;
    expect((await run(process.execPath, ['--input-type=module', '-e', esm])).stdout.trim()).toBe('true');
    const cjs = `
      const nninit = require(${JSON.stringify(join(dist, 'index.cjs'))});
      const { loadFile } = require(${JSON.stringify(join(dist, 'node.cjs'))});
      nninit.ready().then(() => loadFile(${JSON.stringify(path)})).then((m) => console.log(m instanceof nninit.Mlp));`;
    expect((await run(process.execPath, ['-e', cjs])).stdout.trim()).toBe('true');
  });

  it('only nninit/node imports the file system: the browser-facing bundles do not', async () => {
    const importsFs = /(from|require\(|import\()\s*["'](node:)?fs(\/promises)?["']/;
    for (const bundle of ['index.js', 'index.cjs', 'worker.js', 'worker.cjs']) {
      expect(importsFs.test(await readFile(join(dist, bundle), 'utf8')), bundle).toBe(false);
    }
    expect(importsFs.test(await readFile(join(dist, 'node.js'), 'utf8'))).toBe(true);
  });

  it('--threads splits the products of a command over workers and leaves the results bit-identical', async () => {
    const cli = join(dist, 'cli.js');
    const dbnPath = join(dir, 'threads-dbn.safetensors');
    await run(process.execPath, [cli, 'pretrain', '--layers', '784,64', '--epochs', '1', '--out', dbnPath, ...SMALL]);
    const trained: Uint8Array[] = [];
    for (const threads of ['1', '3']) {
      const out = join(dir, `threads-${threads}.safetensors`);
      const { stderr } = await run(process.execPath, [cli, 'train', '--threads', threads, '--from', dbnPath, '--out', out, '--epochs', '2', ...SMALL]);
      expect(stderr).not.toMatch(/running on 1 thread/);
      trained.push(new Uint8Array(await readFile(out)));
    }
    expect(trained[1]).toEqual(trained[0]);
    const bad = await run(process.execPath, [cli, 'scales', '--threads', 'many']).catch((error: { code: number; stderr: string }) => error);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/^nninit scales: --threads must be an integer from 1 to 256, got "many"/);
  });

  it('the cli lists the weights commands and reports a bad file as E_FORMAT', async () => {
    const cli = join(dist, 'cli.js');
    const { stdout } = await run(process.execPath, [cli, 'help']);
    for (const command of ['pretrain', 'train', 'eval']) expect(stdout).toMatch(new RegExp(`^  ${command} +[a-z]`, 'm'));
    const bad = join(dir, 'bad.safetensors');
    await writeFile(bad, new Uint8Array(16));
    const failure = await run(process.execPath, [cli, 'eval', bad]).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/^nninit: E_FORMAT: safetensors: header length 0 is too small/);
  });
});
