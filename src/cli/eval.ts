import { parseArgs } from 'node:util';
import * as nninit from '../index.js';
import { checkWidth, DATA_OPTIONS, DATA_USAGE, dataChoice, loadExamples, readInput } from './dataset.js';
import { Progress } from './experiment.js';

export const EVAL_USAGE = `  nninit eval <mlp.safetensors> ${DATA_USAGE}
      Loss and accuracy of a saved Mlp on the test digits (t10k-* files with --data <dir>).`;

export interface EvalResult {
  rows: number;
  loss: number;
  accuracy: number;
}

export async function evalCommand(args: string[], progress = new Progress()): Promise<EvalResult> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...DATA_OPTIONS } });
  if (positionals.length !== 1) {
    const given = positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ');
    throw new nninit.ParamError(`eval takes one model file, got ${given}`);
  }
  const [path] = positionals;
  const choice = dataChoice(values, 'test');
  const model = nninit.load(await readInput(path));
  if (!(model instanceof nninit.Mlp)) {
    if (model instanceof nninit.RBM) model.dispose();
    const kind = model instanceof nninit.DBN ? 'a DBN' : 'an RBM';
    throw new nninit.ParamError(`${path} holds ${kind}; eval scores an Mlp (make one with nninit train --from ${path})`);
  }
  try {
    const test = await loadExamples(choice);
    checkWidth(model.sizes[0], test);
    progress.update(`eval: scoring ${path} on ${test.source}`);
    const { loss, accuracy } = model.evaluate(test.x, test.y);
    progress.done();
    const rows = test.x.shape[0];
    console.log(`${path}: accuracy ${accuracy.toFixed(4)}, loss ${loss.toFixed(4)} on ${rows} rows`);
    return { rows, loss, accuracy };
  } finally {
    model.dispose();
  }
}
