// One module, one file per kernel family. Only numbers and raw pointers cross the boundary:
// nothing here allocates managed objects, so the TypeScript side owns all memory above heapBase().
export * from './memory';
export * from './random';
export * from './gemm';
export * from './elementwise';
export * from './rbm-layouts';
export * from './rbm-hidden';
export * from './rbm-visible';
export * from './rbm-update';
export * from './rbm-monitor';
export * from './rbm-partition';
export * from './rbm-ais';
export * from './nn';
export * from './linalg';
export * from './conv';
export * from './pool';
export * from './norm';
export * from './layers';
