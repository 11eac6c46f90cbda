// He et al.'s 30-layer ReLU network from Xavier's and He's starts: the depth experiment's core
// (`nninit experiment depth`, part a), posting test accuracy after every epoch.
import type { JobContext } from 'nninit/worker';
import { DEEP_RELU_FULL, runDeepRelu, type DeepReluInit } from '../../../../src/experiments/deep-relu';
import { digits } from './digits';

export interface DepthParams {
  hiddenLayers: number;
  trainSize: number;
  epochs: number;
  seed: number;
}

export interface DepthProgress {
  init: DeepReluInit;
  /** 1-based. */
  epoch: number;
  testAccuracy: number;
}

export interface DepthResult {
  /** Test accuracy of always answering the most frequent digit: where a stalled network sits. */
  majority: number;
  seconds: number;
}

export async function trainDepth(params: DepthParams, { progress }: JobContext<DepthProgress>): Promise<DepthResult> {
  const result = await runDeepRelu(
    {
      ...DEEP_RELU_FULL,
      hiddenLayers: params.hiddenLayers,
      trainSize: params.trainSize,
      testSize: Math.max(100, Math.round(params.trainSize / 4)),
      epochs: params.epochs,
      seeds: [params.seed],
    },
    {
      digits: (split) => digits(split.trainSize, split.testSize, split.seed),
      onProgress: ({ init, epoch, testAccuracy }) => progress({ init, epoch, testAccuracy }),
    },
  );
  return { majority: result.runs[0].majority, seconds: result.seconds };
}
