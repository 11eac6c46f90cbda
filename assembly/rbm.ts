// The RBM kernels (assembly/rbm/), on raw pointers: Gibbs half-steps fused with their sampling,
// the CD parameter update on W's packed layouts, monitoring sums and the exact log-partition.
// One file per concern; this list is what the module exports.
export { rbmPackWeights, rbmPackedStripsLength, rbmPackedWeightsLength, rbmPackStrips, rbmUnpackWeights, rbmWorkspaceBytes } from './rbm/layouts';
export { rbmHiddenStep } from './rbm/hidden';
export { rbmVisibleMeans, rbmVisibleStep } from './rbm/visible';
export { rbmUpdateBiases, rbmUpdateWeights } from './rbm/update';
export { rbmFreeEnergy, rbmPseudoLikelihood, rbmSquaredError } from './rbm/monitor';
export { rbmLogPartition } from './rbm/partition';
