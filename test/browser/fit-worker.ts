// The Web Worker of worker.test.ts, written as an app writes one: the built-in jobs plus a fit.
import type { RbmEpochStats, RbmWeights } from '../../src/index.js';
import { serve, type Job } from '../../src/worker/index.js';
import { fitRbm, type FitRbmParams } from './fit-rbm.js';

const fitRbmJob: Job<FitRbmParams, RbmWeights, RbmEpochStats> = (params, { progress }) => fitRbm(params, (stats) => progress(stats));

export const jobs = { fitRbm: fitRbmJob };

serve({ jobs });
