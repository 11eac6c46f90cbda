// A consumer app as a user writes it: the package by name, a worker by URL, no bundler setup.
import * as nninit from 'nninit';
import { connect } from 'nninit/worker';
import { fnv1a, KAIMING, weightReport } from './weight-report.js';

async function report() {
  await nninit.ready();
  const worker = connect(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
  const [fromWorker] = await worker.run('init', [KAIMING]);
  await worker.terminate();
  return { ...weightReport(nninit), worker: fnv1a(fromWorker.data) };
}

report().then(
  (result) => (window.nninitReport = result),
  (error) => (window.nninitReport = { error: String(error?.stack ?? error) }),
);
