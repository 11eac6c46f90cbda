// The demo's worker. Every run starts one of these (ui/job.ts) and terminates it afterwards, so a
// job owns its thread. A new experiment adds its job module here.
import { serve } from 'nninit/worker';
import { compareInits } from './jobs/compare';
import { trainDepth } from './jobs/depth';
import { runMupDemo } from './jobs/mup';
import { trainRbm } from './jobs/rbm';

export const jobs = { compareInits, trainRbm, trainDepth, runMupDemo };

serve({ jobs });
