import { DataError, ParamError, ShapeError, show } from '../errors.js';
import { orthogonal as orthogonalInit } from '../init/orthogonal.js';
import { booleanOption, checkOptions, numberIn, positiveInteger, type OptionKeys } from '../options.js';
import { RANDOM_KEYS, resolveRng, type RandomOptions } from '../random-fill.js';
import { checkMatrix, type Tensor } from '../tensor.js';
import { forwardByLayer, meanAndVariance } from './layerwise.js';
import { Mlp } from './mlp.js';

/** Options of {@link lsuv}. */
export interface LsuvOptions extends RandomOptions {
  /** Stop rescaling a layer once |variance − 1| < tolerance (default 0.1). */
  tolerance?: number;
  /** Rescalings per layer at most (default 10); a layer that needs more is reported unconverged. */
  maxIterations?: number;
  /** Replace every weight by an orthonormal matrix first, as the paper does (default true); false rescales the current weights. */
  orthogonal?: boolean;
}

/** What LSUV did to one layer. */
export interface LsuvLayerReport {
  /** 0-based layer index (layer l maps sizes[l] → sizes[l+1]). */
  layer: number;
  /** Rescalings applied (0 when the pre-initialized layer was already within tolerance). */
  iterations: number;
  /** Variance of the layer's output (pre-activation) on the batch with the final weights. */
  variance: number;
  /** Whether |variance − 1| < tolerance; false when maxIterations ran out first. */
  converged: boolean;
}

const LSUV_KEYS: OptionKeys<LsuvOptions> = { tolerance: true, maxIterations: true, orthogonal: true, ...RANDOM_KEYS };

/**
 * Layer-sequential unit-variance initialization (Mishkin & Matas, "All you need is a good init",
 * ICLR 2016), in place on `mlp`: every weight is first replaced by an orthonormal matrix, then,
 * layer by layer from the input, the weight is divided by √variance of the layer's output on
 * `xBatch` until that variance is within `tolerance` of 1. The output is the linear layer's
 * (x·Wᵀ + b, before the activation), so it works whatever the activation; biases are left as
 * they are. The last layer is rescaled too, as in the paper.
 *
 * The batch is one Tensor [rows, inputs] of real inputs; the paper uses a mini-batch, and a few
 * hundred rows give a stable estimate. It needs at least 2 rows: the variance is taken over
 * every row and unit together, and with one row it would only measure the spread across units.
 *
 * ```ts
 * const mlp = new nninit.Mlp({ layers: [784, 256, 256, 10], activation: 'relu', seed: 1 });
 * const report = nninit.init.lsuv(mlp, batch, { seed: 1 }); // [{ layer, iterations, variance, converged }]
 * ```
 *
 * Throws `E_SHAPE` when the batch is not [rows ≥ 2, inputs], `E_DATA` when it holds NaN or ∞ or
 * when a layer's output has variance 0 or ∞ on it (a constant batch, or a dead layer below: no
 * rescaling can reach 1), `E_PARAM` for bad options.
 */
export function lsuv(mlp: Mlp, xBatch: Tensor, options?: LsuvOptions): LsuvLayerReport[] {
  if (!(mlp instanceof Mlp)) throw new ParamError(`lsuv needs an nninit.Mlp, got ${show(mlp)}`);
  const o = checkOptions('lsuv', options, LSUV_KEYS);
  const tolerance = numberIn('tolerance', o.tolerance, { above: 0, below: 1 }, 0.1);
  const maxIterations = positiveInteger('maxIterations', o.maxIterations, 10);
  const preInit = booleanOption('orthogonal', o.orthogonal, true);
  const rows = checkMatrix(xBatch, 'xBatch', { cols: mlp.sizes[0], finite: true }).rows;
  if (rows < 2) {
    throw new ShapeError(`xBatch has ${rows} row; LSUV estimates each layer's output variance across rows and needs at least 2 (a few hundred is typical)`);
  }

  let weights = mlp.layers.map((layer) => layer.weight);
  if (preInit) {
    const rng = resolveRng(o as RandomOptions);
    weights = weights.map((weight) => orthogonalInit([...weight.shape], { rng }));
    weights.forEach((weight, l) => mlp.setLayer(l, { weight }));
  }

  const report: LsuvLayerReport[] = [];
  forwardByLayer(mlp, xBatch, (layer, pre) => {
    const { variance } = meanAndVariance(pre);
    if (!(variance > 0) || !Number.isFinite(variance)) {
      throw new DataError(
        `layer ${layer}'s output variance on xBatch is ${show(variance)}; LSUV cannot rescale it to 1 ` +
          '(are the batch rows all alike, or is a layer below dead?)',
      );
    }
    const last = report[layer] ?? (report[layer] = { layer, iterations: 0, variance, converged: false });
    last.variance = variance;
    last.converged = Math.abs(variance - 1) < tolerance;
    if (last.converged || last.iterations === maxIterations) return false;
    const data = weights[layer].data;
    const scale = 1 / Math.sqrt(variance);
    for (let i = 0; i < data.length; i++) data[i] *= scale;
    mlp.setLayer(layer, { weight: weights[layer] });
    last.iterations++;
    return true;
  });
  return report;
}
