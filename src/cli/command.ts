import { parseArgs } from 'node:util';
import * as nninit from '../index.js';

/*
 * What every nninit command is made of: its options, parsed strictly in this one place (Node's
 * util.parseArgs splits the words, the parsers below check the values), the usage text generated
 * from them, and the progress line long commands write.
 */

/** A mistake in the command line (exit status 2): a bad option, value or argument count. */
export class UsageError extends nninit.ParamError {}

// ---------------------------------------------------------------------------------------------
// Values: every number, list and name on the command line goes through one of these.

const INTEGER = /^-?\d+$/;
// Decimal with an optional exponent: "0.001", "1e-3", ".5". Not "", " 7", "0x10", "Infinity".
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function integerDomain(min: number, max: number): string {
  if (max !== Infinity) return `an integer from ${min} to ${max}`;
  return min === 1 ? 'a positive integer' : `an integer >= ${min}`;
}

/** A whole number in [min, max], written in decimal digits only ("1e1", "", " 7" and "7.0" are refused). */
export function parseInteger(flag: string, text: string, min = 0, max = Infinity): number {
  const value = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be ${integerDomain(min, max)}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A finite decimal number ("0.001", "1e-3"), positive when asked. */
export function parseNumber(flag: string, text: string, positive = false): number {
  const value = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(value) || (positive && value <= 0)) {
    throw new UsageError(`${flag} must be a ${positive ? 'positive ' : ''}number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Comma-separated positive integers, at least `minLength` of them: "784,256,10". */
export function parseSizes(flag: string, text: string, minLength = 1): number[] {
  const parts = text.split(',');
  if (parts.length < minLength) {
    throw new UsageError(`${flag} takes at least ${minLength} comma-separated sizes (e.g. 784,256,10), got ${JSON.stringify(text)}`);
  }
  return parts.map((part) => parseInteger(flag, part, 1));
}

/** One of `allowed`. */
export function parseChoice<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`${flag} takes one of ${allowed.join(', ')}; got ${JSON.stringify(text)}`);
  }
  return text as T;
}

/** A comma-separated list of names from `allowed`, at least one. */
export function parseChoices<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(`${flag} takes a comma-separated list of ${allowed.join(', ')}; got ${JSON.stringify(item)}`);
    }
  }
  return items as T[];
}

// ---------------------------------------------------------------------------------------------
// Options: how each is written, shown in the usage, and turned into a value.

export interface Option<T> {
  /** What the value looks like in the usage (`N`, `FILE`); null for a flag that takes none. */
  readonly placeholder: string | null;
  readonly help: string;
  /** The default as the usage shows it. */
  readonly shown?: string;
  /** The value when the option is not given. */
  readonly absent: T;
  /** Absent is a usage error. */
  readonly required?: boolean;
  parse(text: string, flag: string): T;
}

export type Options = Record<string, Option<unknown>>;
export type Values<O extends Options> = { [K in keyof O]: O[K] extends Option<infer T> ? T : never };

function valued<T>(placeholder: string, help: string, parse: (text: string, flag: string) => T, fallback?: T, shown?: string): Option<T> {
  return { placeholder, help, parse, absent: fallback as T, shown: shown ?? (fallback === undefined ? undefined : String(fallback)) };
}

/** A flag: present or not. */
export function flag(help: string): Option<boolean> {
  return { placeholder: null, help, absent: false, parse: () => true };
}

export function text(placeholder: string, help: string, options: { default: string }): Option<string>;
export function text(placeholder: string, help: string, options: { required: true }): Option<string>;
export function text(placeholder: string, help: string): Option<string | undefined>;
export function text(placeholder: string, help: string, options: { default?: string; required?: boolean } = {}): Option<string | undefined> {
  return { ...valued(placeholder, help, (value) => value, options.default), required: options.required };
}

interface IntegerOptions {
  /** Smallest value allowed (default 0). */
  min?: number;
  max?: number;
  placeholder?: string;
}
export function integer(help: string, options: IntegerOptions & { default: number }): Option<number>;
export function integer(help: string, options?: IntegerOptions): Option<number | undefined>;
export function integer(help: string, options: IntegerOptions & { default?: number } = {}): Option<number | undefined> {
  const { min = 0, max = Infinity, placeholder = 'N' } = options;
  return valued(placeholder, help, (value, name) => parseInteger(name, value, min, max), options.default);
}

export function number(help: string, options: { positive?: boolean; default: number }): Option<number> {
  return valued('X', help, (value, name) => parseNumber(name, value, options.positive), options.default);
}

export function sizes(help: string, options: { default: number[]; minLength?: number }): Option<number[]> {
  return valued('N,N,…', help, (value, name) => parseSizes(name, value, options.minLength), options.default, options.default.join(','));
}

export function choice<T extends string>(allowed: readonly T[], help: string, options: { default: NoInfer<T> }): Option<T>;
export function choice<T extends string>(allowed: readonly T[], help: string): Option<T | undefined>;
export function choice<T extends string>(allowed: readonly T[], help: string, options: { default?: NoInfer<T> } = {}): Option<T | undefined> {
  return valued(allowed.join('|'), help, (value, name) => parseChoice(name, value, allowed), options.default);
}

/** A comma-separated subset of `allowed`; all of them by default. */
export function choices<T extends string>(allowed: readonly T[], help: string, options: { default?: readonly NoInfer<T>[] } = {}): Option<T[]> {
  const fallback = [...(options.default ?? allowed)];
  return valued(`${allowed[0]},…`, help, (value, name) => parseChoices(name, value, allowed), fallback, fallback.join(','));
}

/** `--threads N|auto`: every command takes it (matrix products split over N threads, same bits). */
export const THREADS: Option<number | 'auto' | undefined> = valued(
  'N|auto',
  'split matrix products over N threads (auto: one per core, up to 16); the results are the same bits as on one thread',
  (value, name) => (value === 'auto' ? 'auto' : parseInteger(name, value, 1, 256)),
  undefined,
  '1',
);

// ---------------------------------------------------------------------------------------------
// Commands.

/** Where a command writes: its results on stdout, its progress on stderr. */
export interface Io {
  /** Prints text as lines on stdout; a final newline is added when missing. */
  print(text: string): void;
  progress: Progress;
}

export function standardIo(): Io {
  return { print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`), progress: new Progress() };
}

export interface Command<O extends Options = Options, R = unknown> {
  /** As typed after `nninit`: `train`, `experiment deep`. */
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** More on what it does, for its --help (paragraphs separated by blank lines). */
  readonly description?: string;
  /** Positional arguments, each shown as `<name>` and all required. */
  readonly positionals?: readonly string[];
  readonly options: O;
  run(values: Values<O>, positionals: string[], io: Io): Promise<R>;
}

export function defineCommand<O extends Options, R>(command: Command<O, R>): Command<O, R> {
  return command;
}

export interface Parsed<O extends Options> {
  values: Values<O>;
  positionals: string[];
  threads: number | 'auto' | undefined;
}

/** The options of `command` with the ones every command takes. */
function allOptions(command: Command<Options, unknown>): Options {
  return { ...command.options, threads: THREADS };
}

/** True when `-h` or `--help` stands among the options (before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}

/** A negative number is a value, not an option: `--seed -1` reaches the value check, which refuses it in its own words. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * Checks what util.parseArgs would answer in its own terms — unknown options, a missing value,
 * a value that starts with a dash — and answers in nninit's; joins `--name value` into
 * `--name=value` so that parseArgs accepts negative numbers.
 */
function normalize(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || NEGATIVE_NUMBER.test(arg)) {
      out.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, equals < 0 ? undefined : equals) : '';
    const option = name === '' ? undefined : options[name];
    if (option === undefined) throw new UsageError(`unknown option ${equals < 0 ? arg : arg.slice(0, equals)}${suggestion(name, options)}`);
    if (option.placeholder === null) {
      if (equals >= 0) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(arg.slice(equals + 1))}`);
      out.push(arg);
    } else if (equals >= 0) {
      out.push(arg);
    } else {
      const value = args[i + 1];
      if (value === undefined || (value.startsWith('-') && !NEGATIVE_NUMBER.test(value))) {
        throw new UsageError(`--${name} needs a value (${option.placeholder})${value === undefined ? '' : `, got the option ${value}`}`);
      }
      out.push(`--${name}=${value}`);
      i++;
    }
  }
  return out;
}

/** " (did you mean --epochs?)" for a near miss. */
function suggestion(name: string, options: Options): string {
  const near = Object.keys(options).find((candidate) => editDistance(name, candidate) <= Math.max(1, Math.floor(candidate.length / 4)));
  return near === undefined ? '' : ` (did you mean --${near}?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Parses a command's arguments: every value checked, every mistake a UsageError naming it. */
export function parseCommand<O extends Options>(command: Command<O, unknown>, args: readonly string[]): Parsed<O> {
  const options = allOptions(command as Command<Options, unknown>);
  const config = Object.fromEntries(
    Object.entries(options).map(([name, option]) => [name, { type: option.placeholder === null ? ('boolean' as const) : ('string' as const) }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: normalize(args, options), options: config, allowPositionals: true, strict: true });
  } catch (error) {
    // normalize() answers first; this is a net for whatever parseArgs still refuses.
    throw new UsageError((error as Error).message);
  }
  const wanted = command.positionals ?? [];
  if (parsed.positionals.length !== wanted.length) {
    const given = parsed.positionals.length === 0 ? 'none' : parsed.positionals.map((p) => JSON.stringify(p)).join(' ');
    const expected = wanted.length === 0 ? 'no arguments' : wanted.map((p) => `<${p}>`).join(' ');
    throw new UsageError(`nninit ${command.name} takes ${expected}, got ${given}`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) {
    const given = parsed.values[name];
    if (given === undefined) {
      if (option.required) throw new UsageError(`--${name} is required: ${option.help}`);
      values[name] = option.absent;
    } else {
      values[name] = option.parse(String(given), `--${name}`);
    }
  }
  const { threads, ...own } = values;
  return { values: own as Values<O>, positionals: parsed.positionals, threads: threads as Parsed<O>['threads'] };
}

/** Parses, starts the runtime (on --threads N threads) and runs a command. */
export async function runCommand<O extends Options, R>(command: Command<O, R>, args: readonly string[], io: Io = standardIo()): Promise<R> {
  const { values, positionals, threads } = parseCommand(command, args);
  await nninit.ready(threads === undefined ? undefined : { threads });
  return command.run(values, positionals, io);
}

// ---------------------------------------------------------------------------------------------
// Usage text.

const WIDTH = 100;

/** Words wrapped to WIDTH columns, every line after the first indented by `indent`. */
export function wrap(words: string, indent: number, first = indent): string {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const word of words.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export const EXIT_STATUS =
  'Exit status: 0 success, 1 failure (bad data or files, or the work failed), 2 usage error,\n130 interrupted by Ctrl-C (train and pretrain write a checkpoint first).';

/** `nninit train --help`: synopsis, description, every option with its default. */
export function commandHelp(command: Command<Options, unknown>): string {
  const options = allOptions(command);
  const required = Object.entries(options).filter(([, o]) => o.required);
  const synopsis = [
    `nninit ${command.name}`,
    ...(command.positionals ?? []).map((p) => `<${p}>`),
    ...required.map(([name, o]) => `--${name} ${o.placeholder}`),
    '[options]',
  ].join(' ');
  const rows = [
    ...Object.entries(options).map(([name, option]): [string, string] => [
      `--${name}${option.placeholder === null ? '' : ` ${option.placeholder}`}`,
      `${option.help}${option.shown === undefined ? '' : ` (default ${option.shown})`}`,
    ]),
    ['-h, --help', 'show this help'] as [string, string],
  ];
  const column = Math.min(28, Math.max(...rows.map(([left]) => left.length)) + 4);
  const lines = rows.map(([left, right]) => {
    const padded = `  ${left}`;
    return padded.length + 2 > column ? `${padded}\n${' '.repeat(column)}${wrap(right, column)}` : `${padded.padEnd(column)}${wrap(right, column)}`;
  });
  const description = (command.description ?? '').split(/\n\s*\n/).filter((p) => p.trim() !== '').map((p) => wrap(p, 0));
  const summary = `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`;
  return [`Usage: ${synopsis}`, '', wrap(summary, 0), ...description.flatMap((p) => ['', p]), '', 'Options:', ...lines, '', EXIT_STATUS].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Progress.

/** Progress on stderr: one line rewritten in place on a terminal, plain lines otherwise. */
export class Progress {
  private width = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.padEnd(this.width)}`);
      this.width = text.length;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Clears the line: the work it reported is over. */
  done(): void {
    if (this.stream.isTTY && this.width > 0) this.stream.write(`\r${' '.repeat(this.width)}\r`);
    this.width = 0;
  }

  /** Ends the line where it stands, so that an error printed next starts on its own line below it. */
  stop(): void {
    if (this.stream.isTTY && this.width > 0) this.stream.write('\n');
    this.width = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C during a long run: a checkpoint at the next epoch's end, then exit status 130.

/** The run stopped on Ctrl-C (SIGINT) after writing a checkpoint: exit status 130. */
export class Interrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

/** The exit status of a run ended by SIGINT (128 + 2), as shells report it. */
export const INTERRUPTED_STATUS = 130;

export interface CheckpointTarget {
  /** Where checkpoints go. */
  path: string;
  /** Write one after every epoch (--checkpoint given), not only on Ctrl-C. */
  periodic: boolean;
  /** How to continue, for the message: the command line's tail. */
  resumeHint: string;
}

/**
 * Runs `work` with Ctrl-C caught: the first SIGINT asks for a checkpoint at the end of the epoch
 * in progress (the fit's `checkpoint` option from `checkpointOption`), after which the run ends
 * with `Interrupted`; a second one exits at once. Epoch ends are the points where the training
 * state is complete, so the checkpoint resumes to the same bits.
 */
export async function withInterrupt<R>(
  progress: Progress,
  target: CheckpointTarget,
  work: (checkpoint: nninit.CheckpointOptions) => Promise<R>,
  write: (path: string, bytes: Uint8Array) => Promise<void>,
): Promise<R> {
  let requested = false;
  const onSignal = (): void => {
    if (requested) {
      progress.stop();
      process.stderr.write('nninit: interrupted again; exiting without a checkpoint\n');
      process.exit(INTERRUPTED_STATUS);
    }
    requested = true;
    progress.stop();
    process.stderr.write(`nninit: interrupted; writing a checkpoint to ${target.path} at the end of this epoch (Ctrl-C again to quit now)\n`);
  };
  process.on('SIGINT', onSignal);
  try {
    return await work({
      every: 1,
      save: async (bytes) => {
        // One turn of the event loop, so that a Ctrl-C pressed during the epoch is seen now.
        await new Promise((resolve) => setImmediate(resolve));
        if (target.periodic || requested) await write(target.path, bytes);
        if (requested) throw new Interrupted(`interrupted: checkpoint written to ${target.path}; continue with the same command and ${target.resumeHint}`);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
  }
}
