import { ParamError, ShapeError, show } from '../errors.js';
import { fillNormal, RANDOM_KEYS, resolveRng, type RandomOptions } from '../random-fill.js';
import { checkShape, type Tensor } from '../tensor.js';
import { allocate } from './basic.js';
import { checkOptions, finiteNumber, nonNegativeNumber } from '../options.js';

/** Options of {@link sparse}. */
export interface SparseOptions extends RandomOptions {
  /** Fraction of each column set to zero, in [0, 1) (required). */
  sparsity: number;
  /** Standard deviation of the nonzero entries (default 0.01). */
  std?: number;
}

/**
 * A sparse 2-D matrix, as `torch.nn.init.sparse_` (Martens, 2010): every entry is drawn from
 * N(0, std²), then in each column `ceil(sparsity · rows)` entries at distinct random rows are set to
 * zero (a seeded partial Fisher–Yates shuffle, where PyTorch uses `randperm`). Default std 0.01.
 * With PyTorch's `[out, in]` layout each input feeds a random subset of the outputs.
 *
 * The count is computed in f64 like PyTorch's `math.ceil(sparsity * rows)`, so for example
 * sparsity 0.07 of 100 rows gives 8 zeros (0.07 · 100 = 7.000000000000001).
 *
 * @throws ShapeError (`E_SHAPE`) unless the shape is 2-D.
 * @throws ParamError (`E_PARAM`) for a missing or non-finite sparsity, one outside [0, 1), or a
 *   negative or non-finite std.
 */
export function sparse(shape: readonly number[], options: SparseOptions): Tensor {
  checkOptions('init.sparse', options, { sparsity: true, std: true, ...RANDOM_KEYS });
  const dims = checkShape(shape);
  if (dims.length !== 2) throw new ShapeError(`sparse needs a 2-D shape [rows, cols], got ${show(dims)}`);
  const sparsity = finiteNumber('sparsity', options.sparsity);
  if (sparsity < 0 || sparsity >= 1) throw new ParamError(`sparsity must be in [0, 1), got ${show(sparsity)}`);
  const std = nonNegativeNumber('std', options.std, 0.01);
  const [rows, cols] = dims;
  const zerosPerColumn = Math.ceil(sparsity * rows);
  const rng = resolveRng(options);
  const out = allocate(dims);
  fillNormal(rng, out.data, 0, std);
  const rowOrder = new Int32Array(rows);
  for (let col = 0; col < cols; col++) {
    for (let i = 0; i < rows; i++) rowOrder[i] = i;
    // After step i, rowOrder[0..i] is a uniform random i+1-subset of the rows.
    for (let i = 0; i < zerosPerColumn; i++) {
      const pick = i + rng.int(rows - i);
      const row = rowOrder[pick];
      rowOrder[pick] = rowOrder[i];
      rowOrder[i] = row;
      out.data[row * cols + col] = 0;
    }
  }
  return out;
}
