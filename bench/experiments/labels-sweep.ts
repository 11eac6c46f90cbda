// Settings sweep of `nninit experiment labels` (not part of `npm run bench`): runs the core on
// the held-out split (pretraining and labels from the first 6000 training digits, scored on the
// last 2000, never the test digits) with LABELS_FULL overridden by the JSON in LABELS_SWEEP, and
// prints each start's mean held-out accuracy and the time.
//
//   LABELS_SWEEP='{"labels":[1000],"seeds":[0,1],"fineTune":{"lr":{"dbn":0.003}}}' \
//     node node_modules/vite-node/vite-node.mjs bench/experiments/labels-sweep.ts
//
// Objects merge one level deep (pretrain, fineTune, fineTune.lr); arrays replace.
import { digitsFor, LABELS_FULL } from '../../src/cli/experiments/labels.js';
import { runLabels, type LabelsConfig } from '../../src/experiments/labels.js';
import { ready } from '../../src/runtime/index.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = isObject(value) && isObject(base[key]) ? merge(base[key] as Json, value) : value;
  return out;
}

await ready();
const over = JSON.parse(process.env.LABELS_SWEEP ?? '{}') as Json;
const config = merge({ ...LABELS_FULL, labels: [1000], seeds: [0, 1], trainSize: LABELS_FULL.trainSize - 2000 } as unknown as Json, over) as unknown as LabelsConfig;
const result = await runLabels(config, { digits: digitsFor(true) });
const pre = result.pretraining.reduce((s, p) => s + p.seconds, 0);
const fine = result.runs.reduce((s, r) => s + r.seconds, 0);
const cells = result.cells.map((c) => `${c.labels}/${c.start} ${c.mean.toFixed(4)}±${c.sd.toFixed(4)}`).join('  ');
const perSeed = result.config.starts.map((start) => `${start} [${result.runs.filter((r) => r.start === start).map((r) => r.accuracy.toFixed(4)).join(' ')}]`).join(' ');
const gains = result.gains.map((g) => `gain@${g.labels} ${(100 * g.gain).toFixed(2)}`).join(' ');
console.log(`${JSON.stringify(over)}\n  ${cells}  ${gains}  ${perSeed}  [pre ${pre.toFixed(1)}s fine ${fine.toFixed(1)}s total ${result.seconds.toFixed(1)}s]`);
