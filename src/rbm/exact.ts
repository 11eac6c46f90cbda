/*
 * Exact log-likelihoods of small RBMs: log Z by enumerating every binary state of the smaller
 * layer (at most 2^20) in wasm, the other layer summed out (assembly/rbm-partition.ts).
 */
import { ParamError } from '../errors.js';
import { kernels, withBuffers } from '../runtime/index.js';
import type { VisibleUnits } from './options.js';
import type { Parameters } from './parameters.js';

/** Most units of a layer that the exact computations enumerate (2^20 states). */
export const MAX_ENUMERATED_UNITS = 20;

interface Layers {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly visible: VisibleUnits;
}

/** Which layer an exact computation enumerates: the smaller one that can be, or null. */
export function enumeratedLayer(p: Layers): 'visible' | 'hidden' | null {
  const visibleOk = p.visible === 'bernoulli' && p.nVisible <= MAX_ENUMERATED_UNITS;
  const hiddenOk = p.nHidden <= MAX_ENUMERATED_UNITS;
  if (visibleOk && (!hiddenOk || p.nVisible <= p.nHidden)) return 'visible';
  return hiddenOk ? 'hidden' : null;
}

/** log Z, exactly; E_PARAM when neither layer can be enumerated. */
export function logPartition(params: Parameters, visible: VisibleUnits): number {
  const { nVisible: nV, nHidden: nH } = params;
  const layer = enumeratedLayer({ nVisible: nV, nHidden: nH, visible });
  if (layer === null) {
    throw new ParamError(
      `logLikelihood enumerates the smaller layer, which must have at most ${MAX_ENUMERATED_UNITS} units ` +
        `(hidden, or Bernoulli visible); this RBM has ${nV} ${visible} visible and ${nH} hidden units`,
    );
  }
  const k = kernels();
  if (layer === 'hidden') {
    return withBuffers([nV], (input) =>
      k.rbmLogPartition({
        rows: params.plain(),
        enumBias: params.hiddenBias.ptr,
        otherBias: params.visibleBias.ptr,
        units: nH,
        otherSize: nV,
        gaussianOther: visible === 'gaussian' ? 1 : 0,
        input: input.ptr,
      }),
    );
  }
  // Enumerating the visible units adds columns of W: hand the kernel Wᵀ, whose rows they are.
  const w = params.plainView().slice();
  const transposed = new Float32Array(nV * nH);
  for (let j = 0; j < nH; j++) for (let i = 0; i < nV; i++) transposed[i * nH + j] = w[j * nV + i];
  return withBuffers([nV * nH, nH], (rows, input) => {
    rows.write(transposed);
    return k.rbmLogPartition({ rows: rows.ptr, enumBias: params.visibleBias.ptr, otherBias: params.hiddenBias.ptr, units: nV, otherSize: nH, gaussianOther: 0, input: input.ptr });
  });
}
