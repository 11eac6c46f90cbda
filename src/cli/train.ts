import * as nninit from '../index.js';
import { ACTIVATION_NAMES } from './activations.js';
import { choice, defineCommand, flag, integer, number, text, UsageError, withInterrupt } from './command.js';
import { checkLabels, checkWidth, DATA_OPTIONS, loadExamples } from './dataset.js';
import { checkWritableFile, readInput, writeOutput } from './files.js';

export interface TrainResult {
  out: string;
  sizes: readonly number[];
  /** Training loss and accuracy of the last epoch. */
  loss: number;
  accuracy: number;
}

export const train = defineCommand({
  name: 'train',
  summary: 'fine-tunes a saved DBN or Mlp with Adam on the training digits',
  description:
    'From a DBN: an Mlp of its layers plus an output layer of --outputs units (hidden --activation, sigmoid unless given). ' +
    'From an Mlp: that network, given a new head when --outputs differs from its own; --freeze-base trains the output layer only.',
  options: {
    from: text('FILE', 'a DBN or Mlp saved by nninit (nninit pretrain, nninit train, model.save())', { required: true }),
    out: text('FILE', 'where the fine-tuned Mlp goes', { default: 'mlp.safetensors' }),
    epochs: integer('training epochs', { min: 1, default: 10 }),
    'batch-size': integer('rows per gradient step', { min: 1, default: 100 }),
    lr: number('Adam learning rate', { positive: true, default: 0.001 }),
    activation: choice(ACTIVATION_NAMES, 'hidden activation of an Mlp made from a DBN (default sigmoid)'),
    outputs: integer('output units (classes); default 10 for a DBN, the Mlp\'s own for an Mlp', { min: 1 }),
    'freeze-base': flag('train the output layer only'),
    checkpoint: text('FILE', 'write a checkpoint after every epoch to FILE (Ctrl-C always writes one, to --out FILE.checkpoint without this)'),
    resume: flag('continue the run checkpointed in --checkpoint FILE: give the interrupted command line again, with --resume'),
    ...DATA_OPTIONS,
  },
  async run(values, _positionals, io): Promise<TrainResult> {
    const { from, out, epochs, outputs, activation, resume } = values;
    if (resume && values.checkpoint === undefined) throw new UsageError('--resume needs --checkpoint FILE, the checkpoint of the run to continue');
    const checkpointPath = values.checkpoint ?? `${out}.checkpoint`;
    await checkWritableFile('--out', out);
    await checkWritableFile(values.checkpoint === undefined ? '--out (its .checkpoint beside it)' : '--checkpoint', checkpointPath);
    const mlp = resume ? resumedNetwork(nninit.load(await readInput(checkpointPath)), checkpointPath) : startingNetwork(nninit.load(await readInput(from)), from, activation, outputs, values.seed);
    try {
      const examples = await loadExamples(values, 'train');
      checkWidth(mlp.sizes[0], examples);
      checkLabels(mlp.sizes[mlp.sizes.length - 1], examples, 'give --outputs as many as there are classes');
      const layerCount = mlp.sizes.length - 1;
      const target = { path: checkpointPath, periodic: values.checkpoint !== undefined, resumeHint: `--checkpoint ${checkpointPath} --resume` };
      const history = await withInterrupt(
        io.progress,
        target,
        (checkpoint) =>
          mlp.fit(examples.x, examples.y, {
            epochs,
            batchSize: values['batch-size'],
            optimizer: nninit.optim.adam({ lr: values.lr }),
            freeze: values['freeze-base'] ? Array.from({ length: layerCount - 1 }, (_, l) => l) : undefined,
            checkpoint,
            resume,
            onEpoch: (log) =>
              io.progress.update(`train: epoch ${log.epoch}/${epochs}  loss ${log.loss.toFixed(4)}  accuracy ${log.accuracy.toFixed(4)}  (${examples.source})`),
          }),
        writeOutput,
      );
      io.progress.done();
      await writeOutput(out, mlp.save());
      // A resumed run whose checkpoint had every epoch done trains none: its scores are the model's now.
      const last = history.epochs.length > 0 ? history.epochs[history.epochs.length - 1] : mlp.evaluate(examples.x, examples.y);
      const { loss, accuracy } = last;
      io.print(`wrote ${out}: Mlp ${mlp.sizes.join('-')}, training loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(4)}`);
      return { out, sizes: mlp.sizes, loss, accuracy };
    } finally {
      mlp.dispose();
    }
  },
});

/** The Mlp of a train checkpoint. */
function resumedNetwork(model: nninit.Model, path: string): nninit.Mlp {
  if (model instanceof nninit.Mlp) return model;
  if (!(model instanceof nninit.DBN)) model.dispose();
  throw new nninit.ParamError(`--checkpoint ${path} holds a ${model.constructor.name}, not the Mlp of a train checkpoint`);
}

/** The network to fine-tune: a DBN unrolled with a head, or a saved Mlp (with a new head if asked). */
function startingNetwork(
  model: nninit.Model,
  path: string,
  activation: nninit.ActivationName | undefined,
  outputs: number | undefined,
  seed: number,
): nninit.Mlp {
  if (model instanceof nninit.DBN) return model.toMlp({ outputs: outputs ?? 10, activation: activation ?? 'sigmoid', seed });
  if (model instanceof nninit.Mlp) {
    if (activation !== undefined && activation !== model.activation.name) {
      model.dispose();
      throw new UsageError(
        `--activation ${activation}: ${path} is an Mlp with ${model.activation.name} units; its activation is fixed by its weights`,
      );
    }
    if (outputs === undefined || outputs === model.sizes[model.sizes.length - 1]) return model;
    const withHead = model.withHead(outputs, { seed });
    model.dispose();
    return withHead;
  }
  model.dispose();
  throw new nninit.ParamError(`${path} holds a single RBM; train fine-tunes a DBN or an Mlp (pretrain one with nninit pretrain)`);
}
