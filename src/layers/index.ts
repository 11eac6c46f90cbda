/**
 * Layers for {@link Sequential}, `nninit.layers`: PyTorch's modules by their names and meanings
 * (`dense` is torch.nn.Linear). Each returns a frozen description; the model owns the numbers.
 *
 * ```ts
 * const { layers } = nninit;
 * const model = new nninit.Sequential([
 *   layers.conv2d({ inChannels: 1, outChannels: 16, kernelSize: 5 }),
 *   layers.relu(),
 *   layers.maxPool2d({ kernelSize: 2 }),
 *   layers.flatten(),
 *   layers.dense({ inFeatures: 16 * 12 * 12, outFeatures: 10 }),
 * ], { inputShape: [1, 28, 28], seed: 1 });
 * ```
 */
export {
  dense,
  conv2d,
  maxPool2d,
  avgPool2d,
  flatten,
  batchNorm1d,
  batchNorm2d,
  dropout,
  relu,
  leakyRelu,
  tanh,
  sigmoid,
  selu,
  scalarBias,
  residual,
} from './specs.js';
export type {
  Layer,
  LayerKind,
  Size2,
  Dense,
  Conv2d,
  Pool2d,
  BatchNorm,
  Dropout,
  ActivationLayer,
  Flatten,
  ScalarBias,
  Residual,
  DenseOptions,
  Conv2dOptions,
  MaxPool2dOptions,
  AvgPool2dOptions,
  BatchNormOptions,
  DropoutOptions,
  LeakyReluOptions,
  ResidualOptions,
} from './specs.js';
