// Each run gets a worker of its own: two sections training at once never wait on each other, and
// Stop ends a job at once by terminating its worker (a job inside a shared worker could not be
// interrupted).
import { connect, type JobParams, type JobProgress, type JobResult } from 'nninit/worker';
import type { jobs } from '../demo.worker';

export type DemoJobs = typeof jobs;
export type JobName = keyof DemoJobs & string;

export interface RunningJob<Result> {
  /** Settles with the job's result, its error, or a `StoppedError` after `stop()`. */
  readonly result: Promise<Result>;
  /** Terminates the job's worker. */
  stop(): void;
}

/** What a job's promise rejects with when the user pressed Stop. */
export class StoppedError extends Error {
  override name = 'StoppedError';
}

/** Starts `name` in a fresh worker, which is terminated when the job settles or is stopped. */
export function startJob<Name extends JobName>(
  name: Name,
  params: JobParams<DemoJobs[Name]>,
  onProgress: (update: JobProgress<DemoJobs[Name]>) => void,
): RunningJob<JobResult<DemoJobs[Name]>> {
  const worker = connect<DemoJobs>(new Worker(new URL('../demo.worker.ts', import.meta.url), { type: 'module', name: `nninit ${name}` }));
  let stopped = false;
  const result = worker
    .run(name, params as never, { onProgress: onProgress as never })
    .catch((error: Error) => {
      throw stopped ? new StoppedError('stopped') : error;
    })
    .finally(() => void worker.terminate());
  return {
    result: result as Promise<JobResult<DemoJobs[Name]>>,
    stop() {
      stopped = true;
      void worker.terminate();
    },
  };
}
