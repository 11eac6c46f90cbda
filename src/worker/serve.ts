// The worker side: answers run requests with the named job's result, errors and progress.
// It imports the SDK only through '../index.js', which the build maps to the main entry, so
// a worker that imports both 'nninit' and 'nninit/worker' has one runtime.
import { init, ParamError, ready, type InitName, type Tensor } from '../index.js';
import {
  isRequest,
  listen,
  post,
  transferablesIn,
  type Endpoint,
  type Job,
  type Jobs,
  type Request,
  type SerializedError,
} from './protocol.js';

/** One tensor for the built-in `init` job to make: `nninit.init[initializer](shape, options)`. */
export interface InitRequest {
  initializer: InitName;
  shape: number[];
  /** The initializer's options; `seed` rather than `rng`, since an Rng cannot cross threads. */
  options?: Record<string, unknown>;
}

/** Progress of the built-in `init` job: tensors made so far. */
export interface InitProgress {
  done: number;
  total: number;
}

const NOT_INITIALIZERS = new Set(['calculateGain', 'fans', 'lsuv', 'meanField', 'criticalPoint', 'fixup']); // lsuv takes a model, which cannot cross threads

/** Makes each requested tensor in order, posting progress after each one. */
const initJob: Job<InitRequest[], Tensor[], InitProgress> = (requests, { progress }) => {
  if (!Array.isArray(requests)) throw new ParamError(`the init job takes an array of { initializer, shape, options }, got ${String(requests)}`);
  return requests.map(({ initializer, shape, options }, index) => {
    const make = (init as Record<string, unknown>)[initializer];
    if (typeof make !== 'function' || NOT_INITIALIZERS.has(initializer)) {
      const names = Object.keys(init).filter((name) => !NOT_INITIALIZERS.has(name));
      throw new ParamError(`init job: unknown initializer ${JSON.stringify(initializer)}; expected one of ${names.join(', ')}`);
    }
    if (options && 'rng' in options) {
      throw new ParamError(`init job: ${initializer} got options.rng, which cannot cross to a worker; pass a seed`);
    }
    const tensor = (make as (shape: number[], options?: unknown) => Tensor)(shape, options);
    progress({ done: index + 1, total: requests.length });
    return tensor;
  });
};

/** The jobs every served worker knows, beside those passed to `serve`. */
export const builtinJobs = { init: initJob };
export type BuiltinJobs = typeof builtinJobs;

export interface ServeOptions {
  /**
   * Where requests come from. Default: the worker scope (`self`) in a Web Worker; in Node pass
   * `parentPort` from 'node:worker_threads'.
   */
  port?: Endpoint;
  /** Jobs by name, beside (or replacing) the built-in ones. */
  jobs?: Jobs;
}

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

function defaultPort(): Endpoint {
  const scope = globalThis as Partial<Endpoint>;
  const isWorkerScope = typeof scope.postMessage === 'function' && typeof scope.addEventListener === 'function' && typeof document === 'undefined';
  if (!isWorkerScope) {
    throw new ParamError(
      "serve() found no worker scope: call it inside a Web Worker, or in Node pass { port: parentPort } from 'node:worker_threads'",
    );
  }
  return scope as Endpoint;
}

/**
 * Runs inside a worker: answers `run` requests from `connect(worker)` on the main thread.
 * Initializes nninit before the first job; a job's errors come back as rejections.
 *
 * ```ts
 * // nninit.worker.js (Web Worker)
 * import { serve } from 'nninit/worker';
 * serve();
 * // Node: serve({ port: parentPort }) with parentPort from 'node:worker_threads'
 * ```
 */
export function serve(options: ServeOptions = {}): void {
  const port = options.port ?? defaultPort();
  const jobs: Jobs = { ...builtinJobs, ...options.jobs };

  const run = async ({ id, job, params }: Request): Promise<void> => {
    try {
      const fn = Object.hasOwn(jobs, job) ? jobs[job] : undefined;
      if (!fn) throw new ParamError(`unknown job ${JSON.stringify(job)}; this worker runs ${Object.keys(jobs).join(', ')}`);
      await ready();
      const context = { progress: (update: unknown, transfer: Transferable[] = []) => post(port, { type: 'nninit:progress', id, update }, transfer) };
      const result = await fn(params, context);
      post(port, { type: 'nninit:result', id, result }, transferablesIn(result));
    } catch (error) {
      port.postMessage({ type: 'nninit:error', id, error: serializeError(error) });
    }
  };

  listen(port, (message) => {
    if (isRequest(message)) void run(message);
  });
}
