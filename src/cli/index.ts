import { parseArgs } from 'node:util';
import * as nninit from '../index.js';
import { DIAGNOSE_USAGE, diagnoseCommand } from './diagnose.js';
import { EVAL_USAGE, evalCommand } from './eval.js';
import { EXPERIMENT_USAGE, experimentCommand } from './experiment.js';
import { PRETRAIN_USAGE, pretrainCommand } from './pretrain.js';
import { scales } from './scales.js';
import { TRAIN_USAGE, trainCommand } from './train.js';

const USAGE = `nninit ${nninit.version} — neural-network weight initialization

Usage:
${EXPERIMENT_USAGE}
${PRETRAIN_USAGE}
${TRAIN_USAGE}
${EVAL_USAGE}
${DIAGNOSE_USAGE}
  nninit scales [--layers 784,256,256,10] [--seed 0]
      For each layer of a dense network: fans, and every scheme's bound or std by formula,
      beside the std measured on weights nninit actually drew.
  nninit help

  Every command also takes --threads N|auto: matrix products split over N threads (same results
  as one thread, bit for bit); default 1.
`;

const commands: Record<string, (args: string[]) => Promise<void> | void> = {
  scales: (args) => {
    const { values } = parseArgs({
      args,
      options: { layers: { type: 'string', default: '784,256,256,10' }, seed: { type: 'string', default: '0' } },
    });
    const layers = values.layers.split(',').map((s) => Number(s.trim()));
    console.log(scales(layers, Number(values.seed)));
  },
  experiment: experimentCommand,
  pretrain: async (args) => {
    await pretrainCommand(args);
  },
  train: async (args) => {
    await trainCommand(args);
  },
  eval: async (args) => {
    await evalCommand(args);
  },
  diagnose: diagnoseCommand,
  help: () => {
    console.log(USAGE);
  },
};

async function main(argv: string[]): Promise<void> {
  const [name = 'help', ...rest] = argv;
  const command = commands[name];
  if (!command) {
    console.error(`unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { threads, args } = takeThreads(rest);
  await nninit.ready(threads === undefined ? undefined : { threads });
  await command(args);
}

/** Removes the global `--threads N|auto` (or `--threads=…`) from a command's arguments. */
function takeThreads(argv: string[]): { threads?: number | 'auto'; args: string[] } {
  const args: string[] = [];
  let text: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--threads') text = argv[++i] ?? '';
    else if (argv[i].startsWith('--threads=')) text = argv[i].slice('--threads='.length);
    else args.push(argv[i]);
  }
  if (text === undefined) return { args };
  if (text === 'auto') return { threads: 'auto', args };
  if (!/^[1-9]\d*$/.test(text)) throw new nninit.ParamError(`--threads must be a positive integer or auto, got ${JSON.stringify(text)}`);
  return { threads: Number(text), args };
}

/** parseArgs rejects unknown or malformed options with these codes: a usage error, not a crash. */
function isUsageError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isUsageError(error)) {
    console.error(`nninit: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof nninit.NninitError) console.error(`nninit: ${error.code}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
