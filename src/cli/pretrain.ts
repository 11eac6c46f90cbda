import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as nninit from '../index.js';
import { checkWidth, DATA_OPTIONS, DATA_USAGE, dataChoice, loadExamples, positiveInt, positiveNumber, sizes } from './dataset.js';
import { Progress } from './experiment.js';

export const PRETRAIN_USAGE = `  nninit pretrain [--layers 784,256,256] [--epochs 10] [--batch-size 100] [--lr 0.1]
                  [--out dbn.safetensors] ${DATA_USAGE}
      Greedy layer-wise RBM pretraining of a DBN on the training digits; saves it as safetensors.`;

export interface PretrainResult {
  out: string;
  sizes: number[];
  /** Each RBM's reconstruction error after its last epoch. */
  reconstructionErrors: number[];
}

export async function pretrainCommand(args: string[], progress = new Progress()): Promise<PretrainResult> {
  const { values } = parseArgs({
    args,
    options: {
      layers: { type: 'string', default: '784,256,256' },
      epochs: { type: 'string', default: '10' },
      'batch-size': { type: 'string', default: '100' },
      lr: { type: 'string', default: '0.1' },
      out: { type: 'string', default: 'dbn.safetensors' },
      ...DATA_OPTIONS,
    },
  });
  const layers = sizes('layers', values.layers);
  const epochs = positiveInt('epochs', values.epochs);
  const batchSize = positiveInt('batch-size', values['batch-size']);
  const learningRate = positiveNumber('lr', values.lr);
  const choice = dataChoice(values, 'train');

  const train = await loadExamples(choice);
  checkWidth(layers[0], train);
  const dbn = new nninit.DBN({ layers, seed: choice.seed });
  const rbms = layers.length - 1;
  const histories = await dbn.pretrain(train.x, {
    epochs,
    batchSize,
    learningRate,
    weightDecay: 1e-4,
    onEpoch: (layer, stats) =>
      progress.update(
        `pretrain: RBM ${layer + 1}/${rbms} epoch ${stats.epoch}/${epochs}  reconstruction error ${stats.reconstructionError.toFixed(4)}  (${train.source})`,
      ),
  });
  progress.done();
  await writeFile(values.out, dbn.save());
  const reconstructionErrors = histories.map((history) => history[history.length - 1].reconstructionError);
  console.log(`wrote ${values.out}: DBN ${layers.join('-')}, final reconstruction errors ${reconstructionErrors.map((e) => e.toFixed(4)).join(', ')}`);
  return { out: values.out, sizes: layers, reconstructionErrors };
}
