import { DataError, ParamError, show } from '../errors.js';
import { forwardByLayer } from '../nn/layerwise.js';
import { networkOf, type Mlp } from '../nn/mlp.js';
import { activationDerivative } from '../nn/activations.js';
import { gemmInto, reserveGemmWorkspace } from '../ops/gemm.js';
import { booleanOption, checkOptions, positiveInteger } from '../options.js';
import { heap, withBuffers } from '../runtime/index.js';
import type { Tensor } from '../tensor.js';

/** Options of `diagnose`. */
export interface DiagnoseOptions {
  /** Also report the singular values of the input–output Jacobian (default false); see {@link JacobianSpectrum}. */
  jacobian?: boolean;
  /** Rows of x, from the first, whose Jacobians are averaged (default 8, or every row when x has fewer); needs `jacobian: true`. */
  jacobianInputs?: number;
}

/**
 * The spectrum of the network's input–output Jacobian J = ∂logits/∂x at the current weights: the
 * last layer's pre-activation (the logits, before softmax or sigmoid) with respect to the input,
 * J = W_L·D_{L−1}·W_{L−1} ⋯ D_1·W_1 with D_l = diag(φ′) of hidden layer l at the input. Saxe et
 * al. (2014) and Pennington et al. (2017) call a start dynamically isometric when every singular
 * value of J is near 1: signals and gradients then pass through all layers with their size kept.
 * A [outputs, inputs] Jacobian has min(inputs, outputs) singular values (10 for an MNIST
 * classifier); for the spectrum of a hidden stack, build the Mlp with equal widths and a linear output.
 *
 * J is chained on the model's wasm GEMM in f32; σ² are the eigenvalues of the Gram matrix JJᵀ (or
 * JᵀJ, whichever is smaller), summed in f64 and reduced by Householder tridiagonalization and the
 * implicit QL algorithm in f64. Singular values under about 1e-6·max (the f32 Jacobian's own
 * precision) are not resolved. That eigenvalue step costs O(m³) for m = min(inputs, outputs):
 * nothing for a 10-class head, about 0.3 s of CPU per input at m = 512 and 2 s at m = 1024.
 */
export interface JacobianSpectrum {
  /** Singular values, sorted descending, each averaged over the inputs (the k-th largest of every input's J, averaged); min(inputs, outputs) of them. */
  singularValues: number[];
  /** Mean of σ² over every singular value of every input, tr(JJᵀ)/min(inputs, outputs) averaged: 1 for an isometry. */
  meanSquared: number;
  /** The largest singular value over all inputs. */
  max: number;
  /** Rows of x the Jacobians were taken at. */
  inputs: number;
}

/** Default `jacobianInputs`: enough rows for a stable average, few enough to stay quick at width 1024. */
export const JACOBIAN_INPUTS = 8;

/** @internal What `diagnose` was asked for: no Jacobian (null), or how many rows and whether the count was given. */
export interface JacobianRequest {
  inputs: number;
  explicit: boolean;
}

/** @internal Checks diagnose's options before any work. */
export function jacobianRequest(options: DiagnoseOptions | undefined): JacobianRequest | null {
  const o = checkOptions('diagnose', options, { jacobian: true, jacobianInputs: true });
  const wanted = booleanOption('diagnose: jacobian', o.jacobian, false);
  if (o.jacobianInputs === undefined) return wanted ? { inputs: JACOBIAN_INPUTS, explicit: false } : null;
  const inputs = positiveInteger('diagnose: jacobianInputs', o.jacobianInputs);
  if (!wanted) throw new ParamError(`diagnose: jacobianInputs (${show(inputs)}) needs jacobian: true`);
  return { inputs, explicit: true };
}

// A group of inputs shares each product with a layer's weight; groups keep the stacked Jacobians
// under this many floats (16 MiB) whatever the widths.
const GROUP_FLOATS = 1 << 22;

/**
 * @internal The input–output Jacobians ∂logits/∂x of the first `inputs` rows of x [rows, inputs]
 * (validated), each row-major. With fewer outputs than inputs each is J [outputs, inputs], built
 * from the output side (Jᵀ's rows are gradients: R ← (R ⊙ φ′)·W, as backpropagation does);
 * otherwise each is Jᵀ [inputs, outputs], built from the input side. Either way the products run on
 * the model's wasm GEMM in f32, as its training does, with every input of a group stacked in one
 * product; a group holds at most `groupFloats` floats (a parameter for the tests).
 */
export function inputJacobians(
  mlp: Mlp,
  x: Tensor,
  inputs: number,
  groupFloats = GROUP_FLOATS,
): { rows: number; cols: number; transposed: boolean; matrices: Float32Array[] } {
  const net = networkOf(mlp);
  const sizes = mlp.sizes;
  const layers = sizes.length - 1;
  const nIn = sizes[0];
  const nOut = sizes[layers];
  const batch: Tensor = { shape: [inputs, nIn], data: x.data.subarray(0, inputs * nIn) };
  // slopes[l] holds φ′ of hidden layer l's pre-activation, [inputs, sizes[l+1]].
  const slopes: Float32Array[] = [];
  forwardByLayer(mlp, batch, (l, pre) => {
    if (l < layers - 1) slopes.push(Float32Array.from(pre, (v) => activationDerivative(mlp.activation, v)));
    return false;
  });
  const transposed = nIn < nOut;
  const rows = Math.min(nIn, nOut);
  const cols = Math.max(nIn, nOut);
  const widest = Math.max(...sizes);
  const group = Math.max(1, Math.min(inputs, Math.floor(groupFloats / (rows * widest))));
  const weight = (l: number) => net.params.ptr + net.weightOffsets[l] * 4;
  // Each step multiplies by one layer: from the output side, layer l = L−2 … 0 (R [·, sizes[l+1]] → [·, sizes[l]]),
  // from the input side, layer l = 1 … L−1 (T [·, sizes[l]] → [·, sizes[l+1]]).
  const steps = Array.from({ length: layers - 1 }, (_, i) => (transposed ? i + 1 : layers - 2 - i));
  for (const l of steps) {
    const k = transposed ? sizes[l] : sizes[l + 1];
    const n = transposed ? sizes[l + 1] : sizes[l];
    reserveGemmWorkspace(group * rows, n, k);
  }
  const matrices: Float32Array[] = [];
  withBuffers([group * rows * widest, group * rows * widest], (first, second) => {
    for (let start = 0; start < inputs; start += group) {
      const count = Math.min(group, inputs - start);
      let current = first;
      let spare = second;
      // The side layer itself: J's last factor W_L [nOut, sizes[L−1]], or Jᵀ's first, W_1ᵀ [nIn, sizes[1]].
      const sideLayer = transposed ? 0 : layers - 1;
      let width = transposed ? sizes[1] : sizes[layers - 1];
      const side = heap().f32(weight(sideLayer), sizes[sideLayer + 1] * sizes[sideLayer]);
      const stack = current.view;
      for (let i = 0; i < count; i++) {
        const block = i * rows * width;
        if (transposed) {
          for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) stack[block + r * width + j] = side[j * rows + r];
        } else stack.set(side, block);
      }
      for (const l of steps) {
        // Scale each input's block by the slopes of the hidden layer between the two products.
        const hidden = transposed ? l - 1 : l;
        const view = current.view;
        for (let i = 0; i < count; i++) {
          const slope = slopes[hidden].subarray((start + i) * width, (start + i + 1) * width);
          for (let r = 0; r < rows; r++) {
            const offset = (i * rows + r) * width;
            for (let j = 0; j < width; j++) view[offset + j] *= slope[j];
          }
        }
        const next = transposed ? sizes[l + 1] : sizes[l];
        // R·W_l (W_l [sizes[l+1], sizes[l]] as stored), or T·W_lᵀ.
        gemmInto(false, transposed, count * rows, next, width, 1, current.ptr, width, weight(l), sizes[l], 0, spare.ptr, next);
        [current, spare] = [spare, current];
        width = next;
      }
      const view = current.view;
      for (let i = 0; i < count; i++) matrices.push(view.slice(i * rows * cols, (i + 1) * rows * cols));
    }
  });
  return { rows, cols, transposed, matrices };
}

/** @internal The {@link JacobianSpectrum} of the first rows of x (validated) at the current weights, for `diagnose`. */
export function jacobianSpectrum(mlp: Mlp, x: Tensor, request: JacobianRequest): JacobianSpectrum {
  const available = x.shape[0];
  if (request.explicit && request.inputs > available) {
    throw new ParamError(`diagnose: jacobianInputs must be at most the ${available} rows of x, got ${show(request.inputs)}`);
  }
  const inputs = Math.min(request.inputs, available);
  const { rows, cols, matrices } = inputJacobians(mlp, x, inputs);
  const sums = new Float64Array(rows);
  let squares = 0;
  let max = 0;
  matrices.forEach((matrix, i) => {
    for (let k = 0; k < matrix.length; k++) {
      if (!Number.isFinite(matrix[k])) {
        throw new DataError(`diagnose: the Jacobian at row ${i} of x is not finite (f32 overflow): the network's signal explodes at these weights`);
      }
    }
    const gram = gramMatrix(matrix, rows, cols);
    for (let r = 0; r < rows; r++) squares += gram[r * rows + r];
    const values = symmetricEigenvalues(gram, rows).map((v) => Math.sqrt(Math.max(v, 0)));
    values.sort((a, b) => b - a);
    values.forEach((v, k) => (sums[k] += v));
    max = Math.max(max, values[0]);
  });
  return {
    singularValues: Array.from(sums, (s) => s / inputs),
    meanSquared: squares / (inputs * rows),
    max,
    inputs,
  };
}

/** One line for `Diagnostics.toString()`. */
export function describeJacobian(j: JacobianSpectrum): string {
  const values = j.singularValues;
  const format = (v: number) => (v === 0 || (v >= 1e-3 && v < 1e5) ? v.toFixed(4) : v.toExponential(3));
  return (
    `Jacobian ∂logits/∂x over ${j.inputs} input${j.inputs === 1 ? '' : 's'}: ${values.length} singular values ` +
    `${format(values[0])} … ${format(values[values.length - 1])} (averaged), max ${format(j.max)}, ` +
    `mean σ² ${format(j.meanSquared)} (1 = dynamical isometry)`
  );
}

/** @internal M·Mᵀ in f64 for M [rows, cols] row-major (f32): the Gram matrix of M's rows, rows × rows. */
export function gramMatrix(matrix: Float32Array, rows: number, cols: number): Float64Array {
  const m = Float64Array.from(matrix);
  const gram = new Float64Array(rows * rows);
  // Two rows against two rows at a time: each value loaded serves two products.
  for (let i = 0; i < rows; i += 2) {
    const a0 = i * cols;
    const a1 = i + 1 < rows ? a0 + cols : a0;
    for (let j = 0; j <= i; j += 2) {
      const b0 = j * cols;
      const b1 = j + 1 < rows ? b0 + cols : b0;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < cols; k++) {
        const x0 = m[a0 + k];
        const x1 = m[a1 + k];
        const y0 = m[b0 + k];
        const y1 = m[b1 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      gram[i * rows + j] = gram[j * rows + i] = s00;
      if (j + 1 < rows) gram[i * rows + j + 1] = gram[(j + 1) * rows + i] = s01;
      if (i + 1 < rows) {
        gram[(i + 1) * rows + j] = gram[j * rows + i + 1] = s10;
        if (j + 1 < rows) gram[(i + 1) * rows + j + 1] = gram[(j + 1) * rows + i + 1] = s11;
      }
    }
  }
  return gram;
}

/**
 * @internal The eigenvalues of a symmetric n×n matrix (row-major f64; its lower triangle is read
 * and overwritten), unsorted: Householder reduction to tridiagonal form, then the implicit QL
 * algorithm (as EISPACK's tred1 and tql1).
 */
export function symmetricEigenvalues(a: Float64Array, n: number): number[] {
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i] couples d[i] and d[i+1]
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    // H = I − 2vvᵀ maps column k below the diagonal onto its first entry, alpha.
    d[k] = a[k * n + k];
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[(k + 1) * n + k];
    const alpha = x0 > 0 ? -norm : norm; // the sign that avoids cancellation in x0 − alpha
    e[k] = alpha;
    let vNorm = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = i === k + 1 ? x0 - alpha : a[i * n + k];
      vNorm += v[i] * v[i];
    }
    if (vNorm === 0) continue; // the column is already 0
    const scale = 1 / Math.sqrt(vNorm);
    for (let i = k + 1; i < n; i++) {
      v[i] *= scale;
      p[i] = 0;
    }
    // p = A·v over the trailing block, from its lower triangle: each entry read once, used twice.
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let s = 0;
      for (let j = k + 1; j < i; j++) {
        const aij = a[row + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s + a[row + i] * vi;
    }
    // HAH = A − v·wᵀ − w·vᵀ with w = 2p − 2(vᵀp)·v, on the lower triangle.
    let vp = 0;
    for (let i = k + 1; i < n; i++) vp += v[i] * p[i];
    for (let i = k + 1; i < n; i++) p[i] = 2 * p[i] - 2 * vp * v[i];
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = k + 1; j <= i; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 1) * n + n - 2];
  }
  if (n >= 1) d[n - 1] = a[n * n - 1];
  tridiagonalEigenvalues(d, e, n);
  return Array.from(d);
}

/** Eigenvalues of the symmetric tridiagonal (d, e) in place in d: implicit QL (JAMA's tql2 without vectors). */
function tridiagonalEigenvalues(d: Float64Array, e: Float64Array, n: number): void {
  e[n - 1] = 0;
  let shift = 0;
  let scale = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    scale = Math.max(scale, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * scale) m++;
    for (let iteration = 0; m > l && Math.abs(e[l]) > eps * scale; iteration++) {
      if (iteration === 60) throw new DataError('diagnose: the Jacobian spectrum did not converge (QL iteration)');
      let g = d[l];
      let q = (d[l + 1] - g) / (2 * e[l]);
      let r = Math.hypot(q, 1);
      if (q < 0) r = -r;
      d[l] = e[l] / (q + r);
      d[l + 1] = e[l] * (q + r);
      const dl1 = d[l + 1];
      let h = g - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h;
      shift += h;
      q = d[m];
      let c = 1;
      let c2 = 1;
      let c3 = 1;
      const el1 = e[l + 1];
      let s = 0;
      let s2 = 0;
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        g = c * e[i];
        h = c * q;
        r = Math.hypot(q, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = q / r;
        q = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
      }
      q = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * q;
      d[l] = c * q;
    }
    d[l] += shift;
    e[l] = 0;
  }
}
