// The soak test's worker (bundled by test/soak.node.test.ts): the cycles behind nninit/worker.
import { parentPort } from 'node:worker_threads';
import { serve } from '../src/worker/index.js';
import { soak } from './soak-cycles.js';

serve({
  port: parentPort!,
  jobs: {
    soak: ({ cycles, directory }: { cycles: number; directory: string }, { progress }) => soak(cycles, directory, (done) => progress(done)),
  },
});
