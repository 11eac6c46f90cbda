/*
 * log Z of an RBM by annealed importance sampling (Salakhutdinov & Murray 2008), and the mean
 * log-likelihood of data from it.
 *
 * Every run starts from the base model (W = 0, visible biases a, hidden biases 0; its log Z is
 * nHidden·log 2 + Σ softplus(a_i)) and anneals to the model through the temperatures β_k: at each
 * one a product of the runs' visible states with W gives the hidden inputs, which serve the
 * importance weight and the hidden sample; the visible sample follows from the active hidden units
 * (assembly/rbm-ais.ts). The runs are split over the thread pool, and every random word is
 * addressed by (run, temperature), so a split over threads or calls never changes a bit.
 *
 * Ẑ = Z_0 · mean(w) is unbiased, so log Ẑ is biased low (Jensen) and, by Markov's inequality,
 * exceeds log Z by t nats with probability at most e^−t: AIS tends to under-estimate log Z, and so
 * to over-estimate log-likelihoods. The standard error comes from the spread of the weights by the
 * delta method on log mean(w), as in the paper: sd(w) / (√runs · mean(w)).
 */
import { DataError, ParamError } from '../errors.js';
import { nextTurn } from '../event-loop.js';
import { Rng } from '../random.js';
import { heap, kernels } from '../runtime/index.js';
import { AIS_GAUSSIAN, type AisSettings, type EstimateProgress, type LogLikelihoodEstimate, type LogPartitionEstimate } from './ais-options.js';
import { OwnedBuffers } from './buffers.js';
import { logPartition as exactLogPartition } from './exact.js';
import type { Inference, Rows } from './inference.js';
import type { VisibleUnits } from './options.js';
import { runSplit, splitRange } from './parallel.js';
import type { Parameters } from './parameters.js';

/** Multiply-adds (runs · nVisible · nHidden per temperature) one kernel call covers: ~0.1 s, between progress reports and yields. */
const CALL_WORK = 2 ** 28;
/** Longest stretch without yielding to the event loop. */
const YIELD_MS = 50;
/** Rows per block of a split: the register tile's height. */
const ROW_ALIGN = 4;

/** What an estimate needs besides the parameters: progress, and a check that the model is still alive after each yield. */
export interface EstimateHooks {
  onProgress?: (progress: EstimateProgress) => void;
  checkAlive(): void;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log Z of the base model: W = 0, visible biases a, hidden biases 0. */
export function baseLogPartition(baseBias: Float32Array, nHidden: number): number {
  let sum = nHidden * Math.LN2;
  for (const a of baseBias) sum += softplus(a);
  return sum;
}

/**
 * log Z by the settings' method: exactly (enumeration), or by AIS from the base model with visible
 * biases `baseBias`, drawing from the Philox key of `rng`.
 */
export async function estimateLogPartition(
  params: Parameters,
  visible: VisibleUnits,
  s: AisSettings,
  baseBias: Float32Array,
  rng: Rng,
  hooks: EstimateHooks,
): Promise<LogPartitionEstimate> {
  if (s.method === 'exact') {
    hooks.onProgress?.({ done: 0, total: 1 });
    const logZ = exactLogPartition(params, visible);
    hooks.onProgress?.({ done: 1, total: 1 });
    return { logZ, stdError: 0, method: 'exact', logWeights: null, effectiveRuns: null };
  }
  if (visible !== 'bernoulli') {
    throw new ParamError(AIS_GAUSSIAN);
  }
  const logWeights = await anneal(params, s, baseBias, rng, hooks);
  return summarize(logWeights, baseLogPartition(baseBias, params.nHidden));
}

/** Each run's log importance weight. */
async function anneal(params: Parameters, s: AisSettings, baseBias: Float32Array, rng: Rng, hooks: EstimateHooks): Promise<Float64Array> {
  const { nVisible: nV, nHidden: nH } = params;
  const { runs, betas } = s;
  const temporary = new OwnedBuffers();
  try {
    const states = temporary.alloc(runs * nV);
    const logWeights = temporary.alloc(2 * runs);
    const betaBuffer = temporary.alloc(betas.length);
    betaBuffer.write(betas);
    // a, b − a and c, so that the visible inputs at β are a + β·((b − a) + Wᵀh).
    const biases = temporary.alloc(2 * nV + nH);
    const terms = new Float32Array(2 * nV + nH);
    const target = params.visibleBias.view;
    for (let i = 0; i < nV; i++) {
      terms[i] = baseBias[i];
      terms[nV + i] = target[i] - baseBias[i];
    }
    terms.set(params.hiddenBias.view, 2 * nV);
    biases.write(terms);
    // One workspace per thread a call may split over, made when first needed.
    const workspaceFloats = Math.ceil(kernels().rbmAisWorkspaceBytes(runs, nV, nH) / 4);
    const workspaces: number[] = [];
    const takeWorkspaces = (count: number) => {
      while (workspaces.length < count) workspaces.push(temporary.alloc(workspaceFloats).ptr);
      return workspaces;
    };

    const steps = betas.length;
    const perStep = runs * nV * nH;
    const stepsPerCall = Math.max(1, Math.floor(CALL_WORK / perStep));
    let lastYield = performance.now();
    for (let first = 0; first < steps; first += stepsPerCall) {
      const end = Math.min(steps, first + stepsPerCall);
      const blocks = splitRange(runs, ROW_ALIGN, perStep * (end - first));
      const spaces = takeWorkspaces(blocks.length);
      // Fetched per call: a yield may have let wasm memory grow, which moves nothing but views.
      const packedWeights = params.panels();
      const packedStrips = params.strips();
      runSplit(
        'rbmAisSteps',
        blocks.map((block, i) => ({
          states: states.ptr + block.first * nV * 4,
          runs: block.count,
          nVisible: nV,
          nHidden: nH,
          packedWeights,
          packedStrips,
          biases: biases.ptr,
          betas: betaBuffer.ptr,
          stepFirst: first,
          stepEnd: end,
          lastStep: steps - 1,
          logWeights: logWeights.ptr + block.first * 8,
          runFirst: block.first,
          k0: rng.key0,
          k1: rng.key1,
          workspace: spaces[i],
        })),
      );
      hooks.onProgress?.({ done: end, total: steps });
      if (end < steps && performance.now() - lastYield > YIELD_MS) {
        await nextTurn();
        hooks.checkAlive();
        lastYield = performance.now();
      }
    }
    return new Float64Array(heap().memory.buffer, logWeights.ptr, runs).slice();
  } finally {
    temporary.freeAll();
  }
}

/** log Z = log Z_0 + log mean(w), its delta-method standard error, and the effective number of runs. */
export function summarize(logWeights: Float64Array, baseLogZ: number): LogPartitionEstimate {
  const runs = logWeights.length;
  let max = -Infinity;
  logWeights.forEach((w, run) => {
    if (!Number.isFinite(w)) throw new DataError(`AIS run ${run} has log-weight ${w}: the model's parameters are not finite, or too large for f32`);
    max = Math.max(max, w);
  });
  let sum = 0;
  let squares = 0;
  for (const w of logWeights) {
    const scaled = Math.exp(w - max);
    sum += scaled;
    squares += scaled * scaled;
  }
  const meanWeight = sum / runs;
  let stdError = Infinity;
  if (runs > 1) {
    let deviations = 0;
    for (const w of logWeights) deviations += (Math.exp(w - max) - meanWeight) ** 2;
    stdError = Math.sqrt(deviations / (runs - 1) / runs) / meanWeight;
  }
  return {
    logZ: baseLogZ + max + Math.log(meanWeight),
    stdError,
    method: 'ais',
    logWeights,
    effectiveRuns: (sum * sum) / squares,
  };
}

/**
 * The mean log-likelihood −F(v) − log Z of rows with free energies F, with the error of log Z and
 * the sample's combined: √(se(log Z)² + var(−F) / rows).
 */
export function logLikelihoodFrom(freeEnergies: Float64Array, partition: LogPartitionEstimate): LogLikelihoodEstimate {
  const rows = freeEnergies.length;
  let total = 0;
  for (const f of freeEnergies) total += -f;
  const meanNegative = total / rows;
  let variance = 0;
  if (rows > 1) {
    for (const f of freeEnergies) variance += (-f - meanNegative) ** 2;
    variance /= rows - 1;
  }
  return {
    mean: meanNegative - partition.logZ,
    stdError: Math.sqrt(partition.stdError ** 2 + variance / rows),
    logZ: partition.logZ,
    logZStdError: partition.stdError,
  };
}

/** The mean log-likelihood of `rows` rows at x (JavaScript values or wasm memory), with log Z estimated by the settings. */
export async function estimateLogLikelihood(
  inference: Inference,
  params: Parameters,
  visible: VisibleUnits,
  x: Rows,
  rows: number,
  s: AisSettings,
  baseBias: Float32Array,
  rng: Rng,
  hooks: EstimateHooks,
): Promise<LogLikelihoodEstimate> {
  const partition = await estimateLogPartition(params, visible, s, baseBias, rng, hooks);
  return logLikelihoodFrom(inference.freeEnergies(x, rows), partition);
}
