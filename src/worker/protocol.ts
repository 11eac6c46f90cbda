// The messages between a main thread and an nninit worker. Every message carries a `type` starting
// with "nninit:", so a worker or port may carry other traffic beside nninit's.

/** What a job posts back while it runs, and what a main-thread `onProgress` receives. */
export type JobContext<Progress> = {
  /**
   * Posts an update to the main thread. Typed arrays in it are copied unless their buffers are
   * listed in `transfer`, which moves them (the job must not use them afterwards).
   */
  progress(update: Progress, transfer?: Transferable[]): void;
};

/**
 * A job a worker runs: structured-cloneable params in, a result out. Typed arrays in the result
 * are moved to the main thread, not copied, so a job returns fresh arrays (as nninit's getters do).
 */
export type Job<Params = any, Result = unknown, Progress = any> = (
  params: Params,
  context: JobContext<Progress>,
) => Result | Promise<Result>;

/** Jobs by name: the table a worker serves and the type parameter of `connect`. */
export type Jobs = Record<string, Job>;

export type JobParams<J> = J extends Job<infer Params, unknown, any> ? Params : never;
export type JobResult<J> = J extends Job<any, infer Result, any> ? Awaited<Result> : never;
export type JobProgress<J> = J extends Job<any, unknown, infer Progress> ? Progress : never;

/** An error as it crosses the thread boundary; `code` is set for nninit's own errors. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export type Request = { type: 'nninit:run'; id: number; job: string; params: unknown };

export type Reply =
  | { type: 'nninit:progress'; id: number; update: unknown }
  | { type: 'nninit:result'; id: number; result: unknown }
  | { type: 'nninit:error'; id: number; error: SerializedError };

export function isReply(message: unknown): message is Reply {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'nninit:progress' || type === 'nninit:result' || type === 'nninit:error';
}

export function isRequest(message: unknown): message is Request {
  return (message as { type?: unknown } | null)?.type === 'nninit:run';
}

/**
 * Either side of a channel: a Web `Worker` or worker scope (`addEventListener`, events carry
 * `data`), or Node's `Worker` or `parentPort` (`on`, listeners get the data itself).
 */
export interface Endpoint {
  // any[]: the DOM's and Node's transfer-list types differ, and both must fit.
  postMessage(message: unknown, transfer?: any[]): void;
  on?(event: 'message', listener: (data: unknown) => void): unknown;
  // any: Node's MessagePort (parentPort) types its listener as an EventListener of `Event`.
  addEventListener?(event: 'message', listener: (event: any) => void): void;
}

/** Calls `listener` with each message's data, whichever kind of endpoint this is. */
export function listen(endpoint: Endpoint, listener: (data: unknown) => void): void {
  if (typeof endpoint.on === 'function') endpoint.on('message', listener);
  else if (typeof endpoint.addEventListener === 'function') endpoint.addEventListener('message', (event) => listener(event.data));
  else throw new TypeError('expected a Worker, a worker scope or a MessagePort: it has neither `on` nor `addEventListener`');
}

/** The distinct ArrayBuffers behind every typed array or ArrayBuffer inside `value`. */
export function transferablesIn(value: unknown): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (item: unknown): void => {
    if (typeof item !== 'object' || item === null || seen.has(item)) return;
    seen.add(item);
    if (item instanceof ArrayBuffer) buffers.add(item);
    else if (ArrayBuffer.isView(item)) {
      if (item.buffer instanceof ArrayBuffer) buffers.add(item.buffer);
    } else if (Array.isArray(item)) item.forEach(visit);
    else if (item instanceof Map) item.forEach((entry, key) => (visit(key), visit(entry)));
    else if (Object.getPrototypeOf(item) === Object.prototype) Object.values(item).forEach(visit);
  };
  visit(value);
  return [...buffers];
}

/**
 * Posts with the given transfer list, falling back to a copy when something in it cannot move
 * (a WebAssembly memory's buffer, say): slower, never wrong.
 */
export function post(endpoint: Endpoint, message: unknown, transfer: Transferable[]): void {
  if (transfer.length === 0) return endpoint.postMessage(message);
  try {
    endpoint.postMessage(message, transfer);
  } catch (error) {
    if ((error as Error).name !== 'DataCloneError') throw error;
    endpoint.postMessage(message);
  }
}
