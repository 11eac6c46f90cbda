import { classic } from './classic.js';
import { cnn } from './cnn.js';
import { deep } from './deep.js';
import { depth } from './depth.js';
import { edgeOfChaos } from './edge-of-chaos.js';
import type { Experiment } from './harness.js';
import { labels } from './labels.js';
import { mup } from './mup.js';
import { rbm } from './rbm.js';
import { residual } from './residual.js';
import { transfer } from './transfer.js';

/**
 * Every `nninit experiment <name>`, in the order `nninit experiment --help` lists them. A new
 * experiment is one file beside these (see docs/experiments.md) and one line here.
 */
export const EXPERIMENTS: readonly Experiment[] = [
  classic,
  deep,
  depth,
  edgeOfChaos,
  mup,
  rbm,
  labels,
  cnn,
  residual,
  transfer,
];

/** What `nninit experiment` runs without a name: the comparison `npm start` shows. */
export const DEFAULT_EXPERIMENT = classic;
