// The main-thread side: sends run requests to a worker that calls `serve` and settles each
// request's promise from the replies.
import { DataError, FormatError, IoError, MemoryError, NninitError, ParamError, ShapeError, WasmError } from '../index.js';
import { isReply, listen, post, type Endpoint, type JobParams, type JobProgress, type JobResult, type Jobs, type Reply, type SerializedError } from './protocol.js';
import type { BuiltinJobs } from './serve.js';

export interface RunOptions<Progress> {
  /** Called with each update the job posts, in order, before the promise settles. */
  onProgress?: (update: Progress) => void;
  /** Buffers in `params` to move to the worker instead of copying (they become unusable here). */
  transfer?: Transferable[];
}

/** A worker seen from the main thread; `Extra` types the jobs passed to its `serve`. */
export interface WorkerClient<Extra extends Jobs = {}> {
  /** Runs the named job in the worker; resolves with its result, whose typed arrays are moved here. */
  run<Name extends keyof (BuiltinJobs & Extra) & string>(
    job: Name,
    params: JobParams<(BuiltinJobs & Extra)[Name]>,
    options?: RunOptions<JobProgress<(BuiltinJobs & Extra)[Name]>>,
  ): Promise<JobResult<(BuiltinJobs & Extra)[Name]>>;
  /** Stops the worker; jobs still running reject. */
  terminate(): Promise<void>;
}

/** A Web `Worker` or Node's `worker_threads.Worker`. */
export interface WorkerLike extends Endpoint {
  terminate(): unknown;
}

const ERROR_CLASSES: Record<string, new (message: string) => NninitError> = {
  E_SHAPE: ShapeError,
  E_PARAM: ParamError,
  E_DATA: DataError,
  E_FORMAT: FormatError,
  E_IO: IoError,
  E_MEMORY: MemoryError,
  E_WASM: WasmError,
};

/** Rebuilds a worker's error here: nninit's own errors keep their class and `code`. */
function reviveError({ name, message, code }: SerializedError): Error {
  const ErrorClass = code === undefined ? undefined : ERROR_CLASSES[code];
  if (ErrorClass) return new ErrorClass(message);
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (update: any) => void;
}

/**
 * Talks to a worker that calls `serve()`. One worker runs any number of jobs; each `run` is a
 * promise with optional progress.
 *
 * ```ts
 * const worker = connect(new Worker(new URL('./nninit.worker.js', import.meta.url), { type: 'module' }));
 * const [w] = await worker.run('init', [{ initializer: 'kaimingNormal', shape: [256, 784], options: { seed: 1 } }]);
 * ```
 */
export function connect<Extra extends Jobs = {}>(worker: WorkerLike): WorkerClient<Extra> {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: Error | null = null;

  const failAll = (error: Error) => {
    stopped ??= error;
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  };

  listen(worker, (message) => {
    const job = isReply(message) ? pending.get(message.id) : undefined;
    if (!job) return;
    const reply = message as Reply;
    if (reply.type === 'nninit:progress') return job.onProgress?.(reply.update);
    pending.delete(reply.id);
    if (reply.type === 'nninit:result') job.resolve(reply.result);
    else job.reject(reviveError(reply.error));
  });

  // A worker that fails outside any job (a script that does not load, an uncaught throw, an exit)
  // rejects its pending and later jobs instead of leaving them hanging.
  const onCrash = (error: Error) => failAll(new Error(`nninit worker stopped: ${error.message}`));
  const node = worker as WorkerLike & { on?(event: string, listener: (value: any) => void): unknown };
  if (typeof node.on === 'function') {
    node.on('error', onCrash);
    node.on('exit', (code: number) => onCrash(new Error(`exited with code ${code}`)));
  } else {
    (worker as unknown as EventTarget).addEventListener('error', (event) => {
      onCrash(new Error((event as ErrorEvent).message || 'an error outside any job'));
    });
  }

  return {
    run(job, params, options = {}) {
      if (stopped) return Promise.reject(stopped);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (result: unknown) => void, reject, onProgress: options.onProgress });
        post(worker, { type: 'nninit:run', id, job, params }, options.transfer ?? []);
      });
    },
    async terminate() {
      failAll(new Error('nninit worker terminated'));
      await worker.terminate();
    },
  };
}
