/**
 * Deep belief networks: greedy layer-wise RBM pretraining, then `toMlp` for fine-tuning.
 */
export { DBN, type DbnOptions, type PretrainOptions, type LayerDone, type ToMlpOptions } from './dbn.js';
