/**
 * `nninit/worker`: run nninit jobs (initializers now, any `fit` through your own jobs) in a Web
 * Worker or a Node `worker_threads` worker, with progress messages, results moved back without a
 * copy, and the same bits as on the main thread.
 *
 * ```ts
 * // nninit.worker.js: the worker
 * import { serve } from 'nninit/worker';
 * serve({ jobs: { async train(params, { progress }) { ...; return weights; } } });
 *
 * // main thread
 * import { connect } from 'nninit/worker';
 * const worker = connect(new Worker(new URL('./nninit.worker.js', import.meta.url), { type: 'module' }));
 * const [w] = await worker.run('init', [{ initializer: 'heNormal', shape: [256, 784], options: { seed: 1 } }]);
 * ```
 *
 * @module nninit/worker
 */
export { connect, type WorkerClient, type WorkerLike, type RunOptions } from './client.js';
export { serve, builtinJobs, type ServeOptions, type BuiltinJobs, type InitRequest, type InitProgress } from './serve.js';
export type { Job, Jobs, JobContext, JobParams, JobResult, JobProgress, Endpoint } from './protocol.js';
