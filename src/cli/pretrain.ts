import * as nninit from '../index.js';
import { defineCommand, integer, number, sizes, text } from './command.js';
import { checkWidth, DATA_OPTIONS, loadExamples } from './dataset.js';
import { checkWritableFile, writeOutput } from './files.js';

export interface PretrainResult {
  out: string;
  sizes: number[];
  /** Each RBM's reconstruction error after its last epoch. */
  reconstructionErrors: number[];
}

export const pretrain = defineCommand({
  name: 'pretrain',
  summary: 'greedy layer-wise RBM pretraining of a DBN on the training digits, saved as safetensors',
  description: 'CD-1 with weight decay 1e-4 and momentum 0.5 (0.9 after 5 epochs), one RBM per pair of --layers, each trained on the hidden activations of the one below.',
  options: {
    layers: sizes('visible then hidden sizes of the stacked RBMs', { default: [784, 256, 256], minLength: 2 }),
    epochs: integer('epochs per RBM', { min: 1, default: 10 }),
    'batch-size': integer('rows per gradient step', { min: 1, default: 100 }),
    lr: number('learning rate', { positive: true, default: 0.1 }),
    out: text('FILE', 'where the DBN goes', { default: 'dbn.safetensors' }),
    ...DATA_OPTIONS,
  },
  async run(values, _positionals, io): Promise<PretrainResult> {
    const { layers, epochs, lr, out } = values;
    await checkWritableFile('--out', out);
    const train = await loadExamples(values, 'train');
    checkWidth(layers[0], train);
    const dbn = new nninit.DBN({ layers, seed: values.seed });
    const rbms = layers.length - 1;
    const histories = await dbn.pretrain(train.x, {
      epochs,
      batchSize: values['batch-size'],
      learningRate: lr,
      weightDecay: 1e-4,
      onEpoch: (layer, stats) =>
        io.progress.update(
          `pretrain: RBM ${layer + 1}/${rbms} epoch ${stats.epoch}/${epochs}  reconstruction error ${stats.reconstructionError.toFixed(4)}  (${train.source})`,
        ),
    });
    io.progress.done();
    await writeOutput(out, dbn.save());
    const reconstructionErrors = histories.map((history) => history[history.length - 1].reconstructionError);
    io.print(`wrote ${out}: DBN ${layers.join('-')}, final reconstruction errors ${reconstructionErrors.map((e) => e.toFixed(4)).join(', ')}`);
    return { out, sizes: layers, reconstructionErrors };
  },
});
