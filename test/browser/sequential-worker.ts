// The Web Worker of layers-worker.test.ts, written as an app writes one: the built-in jobs plus a
// Sequential fit reporting each epoch.
import type { EpochLog } from '../../src/index.js';
import { serve, type Job } from '../../src/worker/index.js';
import { fitSequential, type FitSequentialParams } from './fit-sequential.js';

const fitSequentialJob: Job<FitSequentialParams, Record<string, Float32Array>, EpochLog> = (params, { progress }) =>
  fitSequential(params, (log) => progress(log));

export const jobs = { fitSequential: fitSequentialJob };

serve({ jobs });
