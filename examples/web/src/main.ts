import * as nninit from 'nninit';
import { connect } from 'nninit/worker';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { jobs } from './demo.worker';
import { OPTIONS, SHOWN, theoryOf, type Shown } from './density';
import { drawHistogram, drawTiles } from './draw';
import './style.css';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const field = (form: HTMLFormElement, name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const numberField = (form: HTMLFormElement, name: string) => Number(field(form, name).value);

const worker = connect<typeof jobs>(new Worker(new URL('./demo.worker.ts', import.meta.url), { type: 'module' }));

// An initializer's weights against its density, made on this thread: it takes milliseconds.
function showInitializer(form: HTMLFormElement): void {
  const name = field(form, 'initializer').value as Shown;
  const shape: [number, number] = [numberField(form, 'out'), numberField(form, 'in')];
  const seed = numberField(form, 'seed');
  const stats = byId('init-stats');
  try {
    const make = nninit.init[name] as (shape: number[], options: object) => nninit.Tensor;
    const weights = make(shape, { ...OPTIONS[name], seed });
    const theory = theoryOf(name, shape);
    drawHistogram(byId<HTMLCanvasElement>('histogram'), weights.data, theory.density);
    let sum = 0;
    let squares = 0;
    for (const w of weights.data) {
      sum += w;
      squares += w * w;
    }
    const mean = sum / weights.data.length;
    const std = Math.sqrt(squares / weights.data.length - mean * mean);
    stats.textContent = `${name}([${shape.join(', ')}]): ${theory.formula}. Sample mean ${mean.toPrecision(3)}, std ${std.toPrecision(3)}.`;
  } catch (error) {
    stats.textContent = String(error);
  }
}

/** An x axis with ticks on whole epochs only. */
const EPOCH_AXIS: uPlot.Axis = { incrs: [1, 2, 5, 10] };

function rbmChart(epochs: number): uPlot {
  const target = byId('rbm-chart');
  target.replaceChildren();
  return new uPlot(
    {
      width: 640,
      height: 200,
      scales: { x: { time: false, range: [1, Math.max(2, epochs)] } },
      axes: [EPOCH_AXIS, {}],
      series: [{ label: 'epoch' }, { label: 'reconstruction error', stroke: '#1565c0', width: 2 }],
    },
    [[], []],
    target,
  );
}

async function trainRbm(form: HTMLFormElement): Promise<void> {
  const status = byId('rbm-status');
  const params = { trainSize: numberField(form, 'trainSize'), nHidden: numberField(form, 'nHidden'), epochs: numberField(form, 'epochs'), seed: 1 };
  const chart = rbmChart(params.epochs);
  const curve: [number[], number[]] = [[], []];
  status.textContent = 'Loading MNIST and training…';
  const { seconds } = await worker.run('trainRbm', params, {
    onProgress: ({ epoch, reconstructionError, filters, digits }) => {
      drawTiles(byId('filters'), filters, params.nHidden, Math.ceil(Math.sqrt(params.nHidden)), 2, true);
      drawTiles(byId('reconstructions'), digits, digits.length / 784, digits.length / 784 / 2, 2, false);
      curve[0].push(epoch);
      curve[1].push(reconstructionError);
      chart.setData(curve);
      status.textContent = `Epoch ${epoch} of ${params.epochs}: reconstruction error ${reconstructionError.toFixed(4)}`;
    },
  });
  status.textContent += `. Done in ${seconds.toFixed(1)} s.`;
}

const COMPARED: { label: string; init: nninit.InitSpec; color: string }[] = [
  { label: 'heNormal', init: 'heNormal', color: '#2e7d32' },
  { label: 'xavierUniform', init: 'xavierUniform', color: '#1565c0' },
  { label: 'orthogonal', init: 'orthogonal', color: '#6a1b9a' },
  { label: 'normal, std 1', init: { name: 'normal', std: 1 }, color: '#ef6c00' },
  { label: 'zeros', init: 'zeros', color: '#757575' },
];

async function compareInits(form: HTMLFormElement): Promise<void> {
  const status = byId('compare-status');
  const epochs = numberField(form, 'epochs');
  const target = byId('accuracy-chart');
  target.replaceChildren();
  const data: (number | null)[][] = [Array.from({ length: epochs }, (_, i) => i + 1), ...COMPARED.map(() => new Array(epochs).fill(null))];
  const chart = new uPlot(
    {
      width: 640,
      height: 260,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [EPOCH_AXIS, {}],
      series: [{ label: 'epoch' }, ...COMPARED.map(({ label, color }) => ({ label, stroke: color, width: 2 }))],
    },
    data as uPlot.AlignedData,
    target,
  );
  status.textContent = 'Loading MNIST and training…';
  const accuracies = await worker.run(
    'compareInits',
    { inits: COMPARED.map(({ init }) => init), trainSize: numberField(form, 'trainSize'), epochs, seed: 1 },
    {
      onProgress: ({ index, epoch, testAccuracy }) => {
        data[index + 1][epoch - 1] = testAccuracy;
        chart.setData(data as uPlot.AlignedData);
        status.textContent = `Epoch ${epoch} of ${epochs}: ${COMPARED[index].label} ${(100 * testAccuracy).toFixed(1)}% of the test digits right`;
      },
    },
  );
  status.textContent = `Test accuracy after ${epochs} epoch${epochs === 1 ? '' : 's'}: ${COMPARED.map(({ label }, i) => `${label} ${(100 * accuracies[i]).toFixed(1)}%`).join(', ')}`;
}

/** Runs a form's action on submit with its button disabled, showing any error in `status`. */
function onSubmit(form: HTMLFormElement, status: HTMLElement, action: (form: HTMLFormElement) => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button')!;
    button.disabled = true;
    action(form)
      .catch((error: Error) => (status.textContent = `Failed: ${error.message}`))
      .finally(() => (button.disabled = false));
  });
}

async function start(): Promise<void> {
  await nninit.ready();
  const initForm = byId<HTMLFormElement>('init-form');
  field(initForm, 'initializer').replaceChildren(...SHOWN.map((name) => new Option(name, name, name === 'kaimingNormal', name === 'kaimingNormal')));
  initForm.addEventListener('input', () => showInitializer(initForm));
  showInitializer(initForm);
  onSubmit(byId('rbm-form'), byId('rbm-status'), trainRbm);
  onSubmit(byId('compare-form'), byId('compare-status'), compareInits);
}

start().catch((error: Error) => (byId('init-stats').textContent = `nninit could not start: ${error.message}`));
