import { ParamError, show } from '../errors.js';
import type { Sequential } from './sequential.js';
import type { Layer } from './specs.js';

/** What {@link fixup} did. */
export interface FixupReport {
  /** L: the residual branches in the model (nested ones included). */
  branches: number;
  /** Per branch (by path): m, its dense and conv layers, and the factor L^(−1/(2m−2)) its other layers got. */
  scaled: Array<{ path: string; layers: number; scale: number }>;
  /** The state_dict names set to zero: each branch's last layer and the classification layer. */
  zeroed: string[];
}

interface Branch {
  path: string;
  /** Paths of the branch's own dense and conv layers, in order. */
  weighted: string[];
  gated: boolean;
  scalarBiases: string[];
}

const weightedKinds = new Set(['dense', 'conv2d']);

function collect(layers: readonly Layer[], prefix: string, branches: Branch[]): void {
  layers.forEach((layer, i) => {
    const path = prefix === '' ? String(i) : `${prefix}.${i}`;
    if (layer.kind !== 'residual') return;
    const inner = `${path}.branch`;
    branches.push({
      path,
      weighted: layer.layers.flatMap((l, j) => (weightedKinds.has(l.kind) ? [`${inner}.${j}`] : [])),
      gated: layer.gate !== null,
      scalarBiases: layer.layers.flatMap((l, j) => (l.kind === 'scalarBias' ? [`${inner}.${j}`] : [])),
    });
    collect(layer.layers, inner, branches);
  });
}

/**
 * Fixup (Zhang, Dauphin & Ma 2019, "Fixup Initialization: Residual Learning Without
 * Normalization"), applied to a built model's current weights: in each of the L residual branches
 * with m dense or conv layers, the last of them starts at zero (weight and bias) and the others'
 * weights are multiplied by L^(−1/(2m−2)); the classification layer (the model's last dense or
 * conv layer outside the branches) starts at zero; gates (Fixup's scalar multipliers) start at 1
 * and `scalarBias` layers at 0. Build the model with a standard init for the branch layers (e.g.
 * `init: 'heNormal'`) and Fixup's architecture: a `scalarBias()` before each conv, dense and
 * activation of a branch and `{ gate: 1 }` on each block; then call `fixup(model)` before training.
 *
 * @throws ParamError (`E_PARAM`) for a model without residual blocks.
 */
export function fixup(model: Sequential): FixupReport {
  const branches: Branch[] = [];
  collect(model.layers, '', branches);
  if (branches.length === 0) throw new ParamError('fixup: the model has no residual blocks; Fixup initializes residual branches');
  if (branches.every((b) => b.weighted.length === 0)) {
    throw new ParamError(`fixup: the residual branches ${show(branches.map((b) => b.path))} hold no dense or conv layers to initialize`);
  }
  const state = model.stateDict();
  const L = branches.length;
  const zeroed: string[] = [];
  const zero = (path: string) => {
    for (const name of [`${path}.weight`, `${path}.bias`]) {
      if (state[name]) {
        state[name].data.fill(0);
        zeroed.push(name);
      }
    }
  };
  const scaled: FixupReport['scaled'] = [];
  for (const branch of branches) {
    const m = branch.weighted.length;
    const scale = m >= 2 ? L ** (-1 / (2 * m - 2)) : 1;
    branch.weighted.slice(0, -1).forEach((path) => state[`${path}.weight`].data.forEach((v, i, data) => (data[i] = v * scale)));
    if (m > 0) zero(branch.weighted[m - 1]);
    if (branch.gated) state[`${branch.path}.gate`].data.fill(1);
    for (const path of branch.scalarBiases) state[`${path}.bias`].data.fill(0);
    scaled.push({ path: branch.path, layers: m, scale });
  }
  const kinds = model.layers.map((layer) => layer.kind);
  let head = kinds.length - 1;
  while (head >= 0 && !weightedKinds.has(kinds[head])) head--;
  if (head >= 0 && head > kinds.lastIndexOf('residual')) zero(String(head));
  model.loadStateDict(state);
  return { branches: L, scaled, zeroed };
}
