/*
 * The experiment cores behind `nninit experiment depth`, `edge-of-chaos`, `mup`, `labels`, `cnn`,
 * `residual` and `transfer`:
 * plain API code (no Node modules, no files), so the CLI and a browser worker run the same
 * functions. Each takes a config (the *_FULL constants, or *_QUICK spread over them) and
 * `{ onProgress, digits }`, and resolves with JSON-ready results.
 */
export * from './common.js';
export * from './deep-relu.js';
export * from './deep-linear.js';
export * from './edge-of-chaos.js';
export * from './isometry.js';
export * from './labels.js';
export * from './mup.js';
export * from './cnn.js';
export * from './residual.js';
export * from './transfer.js';
