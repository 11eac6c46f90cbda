import * as nninit from '../index.js';
import { defineCommand } from './command.js';
import { checkLabels, checkWidth, DATA_OPTIONS, loadExamples } from './dataset.js';
import { readInput } from './files.js';

export interface EvalResult {
  rows: number;
  loss: number;
  accuracy: number;
}

export const evaluate = defineCommand({
  name: 'eval',
  summary: 'loss and accuracy of a saved Mlp on the test digits (t10k-* files with --data DIR)',
  positionals: ['mlp.safetensors'],
  options: { ...DATA_OPTIONS },
  async run(values, [path], io): Promise<EvalResult> {
    const model = nninit.load(await readInput(path));
    if (!(model instanceof nninit.Mlp)) {
      if (model instanceof nninit.RBM) model.dispose();
      const kind = model instanceof nninit.DBN ? 'a DBN' : 'an RBM';
      throw new nninit.ParamError(`${path} holds ${kind}; eval scores an Mlp (make one with nninit train --from ${path})`);
    }
    try {
      const test = await loadExamples(values, 'test');
      checkWidth(model.sizes[0], test);
      checkLabels(model.sizes[model.sizes.length - 1], test, 'it was trained for fewer classes than these data hold');
      io.progress.update(`eval: scoring ${path} on ${test.source}`);
      const { loss, accuracy } = model.evaluate(test.x, test.y);
      io.progress.done();
      const rows = test.x.shape[0];
      io.print(`${path}: accuracy ${accuracy.toFixed(4)}, loss ${loss.toFixed(4)} on ${rows} rows`);
      return { rows, loss, accuracy };
    } finally {
      model.dispose();
    }
  },
});
