import { commandHelp, EXIT_STATUS, UsageError, wrap, type Command, type Options } from './command.js';
import { DEFAULT_EXPERIMENT, EXPERIMENTS } from './experiments/index.js';
import { experimentCommand, type Experiment } from './experiments/harness.js';

/*
 * `nninit experiment [<name>] [options]`: the experiments by name; without one, the classic
 * comparison (`npm start`). `--deep` is the older spelling of `nninit experiment deep`.
 */

export const EXPERIMENT_SUMMARY = 'run an experiment that shows why initialization matters (without a name: the classic comparison)';

function find(name: string): Experiment {
  const experiment = EXPERIMENTS.find((e) => e.name === name);
  if (experiment === undefined) {
    throw new UsageError(`unknown experiment ${JSON.stringify(name)}; the experiments are ${EXPERIMENTS.map((e) => e.name).join(', ')}`);
  }
  return experiment;
}

/** The experiment an argument list names, and the arguments left for it. */
export function resolveExperiment(args: readonly string[]): { command: Command<Options, unknown>; args: string[]; named: boolean } {
  const [first, ...rest] = args;
  if (first !== undefined && !first.startsWith('-')) return { command: experimentCommand(find(first)), args: rest, named: true };
  const end = args.indexOf('--');
  const deep = args.findIndex((arg, i) => arg === '--deep' && (end < 0 || i < end));
  if (deep >= 0) return { command: experimentCommand(find('deep')), args: args.filter((_, i) => i !== deep), named: true };
  return { command: experimentCommand(DEFAULT_EXPERIMENT), args: [...args], named: false };
}

/** `nninit experiment --help`: the experiments, then the options of the default one. */
export function experimentsHelp(): string {
  const width = Math.max(...EXPERIMENTS.map((e) => e.name.length)) + 4;
  const list = EXPERIMENTS.map((e) => `  ${e.name.padEnd(width)}${wrap(e.summary, width + 2)}`);
  const classic = commandHelp(experimentCommand(DEFAULT_EXPERIMENT)).split('\n');
  const options = classic.slice(classic.indexOf('Options:'), classic.indexOf(EXIT_STATUS) - 1);
  return [
    'Usage: nninit experiment [<name>] [options]',
    '',
    wrap(`${EXPERIMENT_SUMMARY[0].toUpperCase()}${EXPERIMENT_SUMMARY.slice(1)}. Each prints a table with the published result beside ours and writes JSON results and SVG charts to --out.`, 0),
    '',
    'Experiments:',
    ...list,
    '',
    `Without a name: ${DEFAULT_EXPERIMENT.name}. Its options (others: nninit experiment <name> --help):`,
    ...options.slice(1),
    '',
    EXIT_STATUS,
  ].join('\n');
}
