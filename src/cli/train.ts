import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as nninit from '../index.js';
import { checkWidth, DATA_OPTIONS, DATA_USAGE, dataChoice, loadExamples, positiveInt, positiveNumber, readInput } from './dataset.js';
import { Progress } from './experiment.js';

export const TRAIN_USAGE = `  nninit train --from <dbn or mlp .safetensors> [--out mlp.safetensors] [--epochs 10]
               [--batch-size 100] [--lr 0.001] [--activation sigmoid] [--outputs 10] [--freeze-base]
               ${DATA_USAGE}
      Fine-tunes with Adam on the training digits. From a DBN: an Mlp of its layers plus an output
      layer of --outputs units (hidden --activation). From an Mlp: that network, given a new head
      when --outputs differs from its own; --freeze-base trains the output layer only.`;

export interface TrainResult {
  out: string;
  sizes: readonly number[];
  /** Training loss and accuracy of the last epoch. */
  loss: number;
  accuracy: number;
}

export async function trainCommand(args: string[], progress = new Progress()): Promise<TrainResult> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      out: { type: 'string', default: 'mlp.safetensors' },
      epochs: { type: 'string', default: '10' },
      'batch-size': { type: 'string', default: '100' },
      lr: { type: 'string', default: '0.001' },
      activation: { type: 'string' },
      outputs: { type: 'string' },
      'freeze-base': { type: 'boolean', default: false },
      ...DATA_OPTIONS,
    },
  });
  if (values.from === undefined) throw new nninit.ParamError('--from is required: a DBN or Mlp file saved by nninit');
  const epochs = positiveInt('epochs', values.epochs);
  const batchSize = positiveInt('batch-size', values['batch-size']);
  const lr = positiveNumber('lr', values.lr);
  const outputs = values.outputs === undefined ? undefined : positiveInt('outputs', values.outputs);
  const choice = dataChoice(values, 'train');

  const mlp = startingNetwork(nninit.load(await readInput(values.from)), values.from, values.activation, outputs, choice.seed);
  try {
    const train = await loadExamples(choice);
    checkWidth(mlp.sizes[0], train);
    const layerCount = mlp.sizes.length - 1;
    const history = await mlp.fit(train.x, train.y, {
      epochs,
      batchSize,
      optimizer: nninit.optim.adam({ lr }),
      freeze: values['freeze-base'] ? Array.from({ length: layerCount - 1 }, (_, l) => l) : undefined,
      onEpoch: (log) =>
        progress.update(
          `train: epoch ${log.epoch}/${epochs}  loss ${log.loss.toFixed(4)}  accuracy ${log.accuracy.toFixed(4)}  (${train.source})`,
        ),
    });
    progress.done();
    await writeFile(values.out, mlp.save());
    const loss = history.loss[history.loss.length - 1];
    const accuracy = history.accuracy[history.accuracy.length - 1];
    console.log(`wrote ${values.out}: Mlp ${mlp.sizes.join('-')}, training loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(4)}`);
    return { out: values.out, sizes: mlp.sizes, loss, accuracy };
  } finally {
    mlp.dispose();
  }
}

/** The network to fine-tune: a DBN unrolled with a head, or a saved Mlp (with a new head if asked). */
function startingNetwork(
  model: nninit.Model,
  path: string,
  activation: string | undefined,
  outputs: number | undefined,
  seed: number,
): nninit.Mlp {
  if (model instanceof nninit.DBN) {
    return model.toMlp({ outputs: outputs ?? 10, activation: (activation ?? 'sigmoid') as nninit.ActivationName, seed });
  }
  if (model instanceof nninit.Mlp) {
    if (activation !== undefined && activation !== model.activation.name) {
      model.dispose();
      throw new nninit.ParamError(
        `--activation ${JSON.stringify(activation)}: ${path} is an Mlp with ${model.activation.name} units; its activation is fixed by its weights`,
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
