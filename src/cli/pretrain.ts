import * as nninit from '../index.js';
import { defineCommand, flag, integer, number, sizes, text, UsageError, withInterrupt } from './command.js';
import { checkWidth, DATA_OPTIONS, loadExamples } from './dataset.js';
import { checkWritableFile, readInput, writeOutput } from './files.js';

export interface PretrainResult {
  out: string;
  sizes: number[];
  /** Each RBM's reconstruction error after its last epoch (NaN for a layer a resumed checkpoint had finished). */
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
    checkpoint: text('FILE', 'write a checkpoint after every epoch to FILE (Ctrl-C always writes one, to --out FILE.checkpoint without this)'),
    resume: flag('continue the run checkpointed in --checkpoint FILE: give the interrupted command line again, with --resume'),
    ...DATA_OPTIONS,
  },
  async run(values, _positionals, io): Promise<PretrainResult> {
    const { layers, epochs, lr, out, resume } = values;
    if (resume && values.checkpoint === undefined) throw new UsageError('--resume needs --checkpoint FILE, the checkpoint of the run to continue');
    const checkpointPath = values.checkpoint ?? `${out}.checkpoint`;
    await checkWritableFile('--out', out);
    await checkWritableFile(values.checkpoint === undefined ? '--out (its .checkpoint beside it)' : '--checkpoint', checkpointPath);
    const dbn = resume ? await resumedDbn(checkpointPath, layers) : new nninit.DBN({ layers, seed: values.seed });
    const train = await loadExamples(values, 'train');
    checkWidth(layers[0], train);
    const rbms = layers.length - 1;
    const target = { path: checkpointPath, periodic: values.checkpoint !== undefined, resumeHint: `--checkpoint ${checkpointPath} --resume` };
    const histories = await withInterrupt(
      io.progress,
      target,
      (checkpoint) =>
        dbn.pretrain(train.x, {
          epochs,
          batchSize: values['batch-size'],
          learningRate: lr,
          weightDecay: 1e-4,
          checkpoint,
          resume,
          onEpoch: (layer, stats) =>
            io.progress.update(
              `pretrain: RBM ${layer + 1}/${rbms} epoch ${stats.epoch}/${epochs}  reconstruction error ${stats.reconstructionError.toFixed(4)}  (${train.source})`,
            ),
        }),
      writeOutput,
    );
    io.progress.done();
    await writeOutput(out, dbn.save());
    const reconstructionErrors = histories.map((history) => (history.length > 0 ? history[history.length - 1].reconstructionError : NaN));
    const shown = reconstructionErrors.map((e) => (Number.isNaN(e) ? 'n/a (trained before the checkpoint)' : e.toFixed(4)));
    io.print(`wrote ${out}: DBN ${layers.join('-')}, final reconstruction errors ${shown.join(', ')}`);
    return { out, sizes: layers, reconstructionErrors };
  },
});

/** The DBN of a pretrain checkpoint, whose layers must be --layers. */
async function resumedDbn(path: string, layers: readonly number[]): Promise<nninit.DBN> {
  const model = nninit.load(await readInput(path));
  if (!(model instanceof nninit.DBN)) {
    model.dispose();
    throw new nninit.ParamError(`--checkpoint ${path} holds a ${model.constructor.name}, not the DBN of a pretrain checkpoint`);
  }
  if (model.sizes.join(',') !== layers.join(',')) {
    throw new UsageError(`--layers ${layers.join(',')} differs from the checkpoint's ${model.sizes.join(',')}; give the interrupted command line again`);
  }
  return model;
}
