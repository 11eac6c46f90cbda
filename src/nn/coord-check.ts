import { ParamError, show } from '../errors.js';
import { nextTurn } from '../event-loop.js';
import { adam, isOptimizer, learningRate, type Optimizer } from '../optim/optimizers.js';
import { checkOptions, positiveInteger, type OptionKeys } from '../options.js';
import { heap, kernels, withBuffers } from '../runtime/index.js';
import { checkMatrix, type Tensor } from '../tensor.js';
import { Mlp, networkOf } from './mlp.js';
import { encodeTargets, type Targets } from './targets.js';

/*
 * The mup package's "coordinate check" (mup.coord_check.get_coord_data with its default l1
 * statistic): train models that differ only in width for a few steps and record, for every layer,
 * the mean absolute coordinate of its output. In a parametrization that is right for width, the
 * curves over width are flat at every step; under the standard parametrization with Adam, the
 * hidden activations after a few updates grow with width.
 */

export interface CoordCheckOptions {
  /** The widths to build, each passed to `makeModel` (e.g. [64, 128, …, 2048]). */
  widths: readonly number[];
  /** Optimizer updates per model (default 5); records are taken before the first and after each. */
  steps?: number;
  /** Default `optim.adam({ lr: 1e-3 })`; each model gets its own fresh state. */
  optimizer?: Optimizer;
  /** Rows per step, taken in order and wrapping around (default: all rows every step). */
  batchSize?: number;
  /** Called after each width's model is measured. */
  onProgress?: (progress: CoordCheckProgress) => void;
}

export interface CoordCheckProgress {
  width: number;
  /** 1-based: widths measured so far, of `total`. */
  done: number;
  total: number;
}

/** One dense layer's record: `l1[w][t]` is the mean |output| at width `widths[w]` after `t` updates. */
export interface CoordCheckLayer {
  /** The layer's index (0: the input layer). */
  index: number;
  /** 'input' (layer 0), 'hidden', or 'output' (the last layer: its logits, before softmax or sigmoid). */
  role: 'input' | 'hidden' | 'output';
  /** [widths.length][steps + 1]: hidden layers after their activation, the output layer's logits. */
  l1: number[][];
  /**
   * The same for the layer's output before the activation, x·Wᵀ + b — what the mup package
   * records on an nn.Linear module. The output layer's equals `l1`.
   */
  preActivation: number[][];
}

export interface CoordCheckResult {
  widths: number[];
  steps: number;
  /** Rows of each step's batch. */
  batchSize: number;
  layers: CoordCheckLayer[];
}

const KEYS: OptionKeys<CoordCheckOptions> = { widths: true, steps: true, optimizer: true, batchSize: true, onProgress: true };

/**
 * Builds `makeModel(width)` for every width, trains each for `steps` optimizer steps on (x, y)
 * and records every layer's mean absolute output coordinate before the first step and after each
 * (steps + 1 records). Each model is disposed once measured.
 *
 * ```ts
 * const make = (width: number) => new nninit.Mlp({ layers: [784, width, width, 10], parametrization: 'mup', baseWidth: 64, seed: 1 });
 * const check = await nninit.coordCheck(make, x, y, { widths: [64, 256, 1024], steps: 5 });
 * check.layers[1].l1; // [width][step]: flat over width under μP
 * ```
 */
export async function coordCheck(
  makeModel: (width: number) => Mlp | Promise<Mlp>,
  x: Tensor,
  y: Targets,
  options: CoordCheckOptions,
): Promise<CoordCheckResult> {
  if (typeof makeModel !== 'function') throw new ParamError(`coordCheck: makeModel must be a function (width) => Mlp, got ${show(makeModel)}`);
  const o = checkOptions('coordCheck', options, KEYS);
  if (options === undefined) throw new ParamError('coordCheck: options must give widths, e.g. { widths: [64, 256, 1024] }');
  const widths = o.widths;
  if (!Array.isArray(widths) || widths.length === 0 || !widths.every((w) => Number.isInteger(w) && w >= 1)) {
    throw new ParamError(`coordCheck: widths must be a non-empty array of positive integers, got ${show(widths)}`);
  }
  const steps = positiveInteger('steps', o.steps, 5);
  const optimizer = o.optimizer === undefined ? adam({ lr: 1e-3 }) : o.optimizer;
  if (!isOptimizer(optimizer)) throw new ParamError(`coordCheck: optimizer must come from nninit.optim (sgd, adam, adamw), got ${show(optimizer)}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ParamError(`coordCheck: onProgress must be a function, got ${show(o.onProgress)}`);
  const onProgress = o.onProgress as CoordCheckOptions['onProgress'];
  const rows = checkMatrix(x, 'x', { finite: true }).rows;
  const batchSize = Math.min(rows, positiveInteger('batchSize', o.batchSize, rows));

  let layers: CoordCheckLayer[] | null = null;
  for (let w = 0; w < widths.length; w++) {
    const model = await makeModel(widths[w] as number);
    if (!(model instanceof Mlp)) throw new ParamError(`coordCheck: makeModel(${widths[w]}) must return an Mlp, got ${show(model)}`);
    try {
      const count = model.sizes.length - 1;
      if (layers === null) {
        layers = Array.from({ length: count }, (_, l) => ({ index: l, role: l === 0 ? 'input' : l === count - 1 ? 'output' : 'hidden', l1: [], preActivation: [] }));
      } else if (count !== layers.length) {
        throw new ParamError(`coordCheck: makeModel(${widths[w]}) has ${count} layers but makeModel(${widths[0]}) had ${layers.length}; widths must change only the width`);
      }
      const record = measure(model, x, y, rows, batchSize, steps, optimizer);
      layers.forEach((layer, l) => {
        layer.l1.push(record.post[l]);
        layer.preActivation.push(record.pre[l]);
      });
    } finally {
      model.dispose();
    }
    onProgress?.({ width: widths[w] as number, done: w + 1, total: widths.length });
    await nextTurn();
  }
  return { widths: (widths as number[]).slice(), steps, batchSize, layers: layers! };
}

function meanAbs(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.abs(values[i]);
  return sum / values.length;
}

/** pre[l][t] and post[l][t]: layer l's mean |pre-activation| and |activation| on step t's batch, after t updates. */
function measure(
  model: Mlp,
  x: Tensor,
  y: Targets,
  rows: number,
  batchSize: number,
  steps: number,
  optimizer: Optimizer,
): { pre: number[][]; post: number[][] } {
  const net = networkOf(model);
  checkMatrix(x, 'x', { cols: net.inputs });
  const targets = encodeTargets(y, rows, net.outputs, model.output);
  const trainable = new Array<boolean>(net.layerCount).fill(true);
  const state = net.optimizerFor(optimizer);
  const ranges = net.trainableRanges(trainable);
  const lr = learningRate(optimizer, 1);
  const sizes = model.sizes;
  const series = () => sizes.slice(1).map(() => new Array<number>(steps + 1).fill(0));
  const record = { pre: series(), post: series() };
  const k = kernels();
  withBuffers([x.data.length, targets.length, batchSize], (xBuffer, targetBuffer, order) => {
    xBuffer.write(x.data);
    targetBuffer.write(targets);
    for (let t = 0; t <= steps; t++) {
      const work = net.workspace(batchSize);
      const indices = new Int32Array(heap().memory.buffer, order.ptr, batchSize);
      for (let i = 0; i < batchSize; i++) indices[i] = (t * batchSize + i) % rows;
      k.nnGatherRows(xBuffer.ptr, net.inputs, order.ptr, batchSize, work.input.ptr);
      k.nnGatherRows(targetBuffer.ptr, net.outputs, order.ptr, batchSize, work.targets.ptr);
      // Layer by layer, to see each pre-activation before the activation overwrites it in place.
      let input = work.input.ptr;
      for (let l = 0; l < net.layerCount; l++) {
        const n = batchSize * sizes[l + 1];
        const out = net.linear(l, input, batchSize);
        record.pre[l][t] = meanAbs(net.view(out, n));
        if (l + 1 < net.layerCount) net.activate(out, n);
        record.post[l][t] = l + 1 < net.layerCount ? meanAbs(net.view(out, n)) : record.pre[l][t];
        input = out;
      }
      if (t < steps) net.backward(work.input.ptr, work.targets.ptr, batchSize, trainable);
      if (t < steps) state.step(net.params.ptr, net.grads.ptr, ranges, lr);
    }
  });
  return record;
}
