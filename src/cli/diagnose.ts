import { join } from 'node:path';
import * as nninit from '../index.js';
import { ACTIVATION_NAMES } from './activations.js';
import { renderFigure } from './charts.js';
import { choice, defineCommand, integer, parseNumber, sizes, text, UsageError } from './command.js';
import { bundledDigits } from './dataset.js';
import { prepareDirectory, writeOutput, wroteLine } from './files.js';

/** Functions of nninit.init that draw no tensor from a shape alone. */
const NOT_INITIALIZERS = new Set(['calculateGain', 'fans', 'lsuv', 'fromTensor', 'fixup']);
/** The initializers that take a std, for `name:std`. */
const WITH_STD = ['normal', 'truncatedNormal', 'sparse'];

const INIT_NAMES = Object.keys(nninit.init).filter(
  (name) => typeof (nninit.init as Record<string, unknown>)[name] === 'function' && !NOT_INITIALIZERS.has(name),
);

/** `heNormal` → 'heNormal'; `normal:0.01` → { name: 'normal', std: 0.01 }. */
export function parseInitSpec(spec: string): nninit.InitSpec {
  const [name, std, ...rest] = spec.split(':');
  if (!INIT_NAMES.includes(name)) {
    throw new UsageError(`--init ${JSON.stringify(spec)}: ${JSON.stringify(name)} is no initializer; use lsuv or one of ${INIT_NAMES.join(', ')}`);
  }
  if (std === undefined) return name as nninit.InitName;
  if (rest.length > 0) throw new UsageError(`--init takes name or name:std (e.g. normal:0.01), got ${JSON.stringify(spec)}`);
  if (!WITH_STD.includes(name)) throw new UsageError(`--init ${spec}: ${name} takes no std; name:std works for ${WITH_STD.join(', ')}`);
  return { name: name as nninit.InitName, std: parseNumber(`--init ${name}:std`, std, true) };
}

/** The picture of Glorot & Bengio's paper: per layer, a histogram of its activations, and its weight gradient norm. */
export function diagnoseChart(report: nninit.Diagnostics, title: string): string {
  const name = (d: nninit.LayerDiagnostics) => `${d.layer}: ${d.inputs}→${d.outputs} ${d.activation}`;
  const histograms = report.layers.map((d) => {
    const width = (d.histogram.high - d.histogram.low) / d.histogram.counts.length;
    return {
      title: name(d),
      width: 320,
      height: 60,
      x: { title: d.activation === 'output' ? 'logit' : 'activation' },
      y: { title: 'fraction' },
      bins: d.histogram.counts.map((count, b) => ({
        low: d.histogram.low + b * width,
        high: d.histogram.low + (b + 1) * width,
        value: count / (report.rows * d.outputs),
      })),
    };
  });
  const norms = report.layers.filter((d) => d.gradientNorm !== null);
  const gradients = {
    title: 'weight gradient norm per layer',
    width: 40 * Math.max(norms.length, 4),
    height: 240,
    x: { title: 'layer' },
    y: { title: '‖∂loss/∂W‖ (log scale)', scale: 'log' as const },
    bars: norms.map((d) => ({ category: name(d), value: d.gradientNorm! })),
  };
  return renderFigure({ title, layout: { row: [{ column: histograms }, gradients] } });
}

export const diagnose = defineCommand({
  name: 'diagnose',
  summary: 'looks inside a network at its initial weights: per layer the activations, saturation and the gradient norm',
  description:
    'Builds the network and runs it on a seeded batch of the bundled MNIST digits: per layer the pre-activation mean and std, ' +
    'saturated (sigmoid, tanh) or dead (relu) units and the weight gradient norm. Prints the table and writes diagnose.svg ' +
    '(activation histograms, gradient norms; the picture of Glorot & Bengio 2010) and diagnose.json to --out. ' +
    '--init: an nninit.init name (xavierUniform, heNormal, …), name:std for normal, truncatedNormal or sparse ' +
    '(normal:0.01 is N(0, 0.01²)), or lsuv (Xavier, then nninit.init.lsuv on the batch).',
  options: {
    layers: sizes('the layer sizes, 784 inputs first', { default: [784, 256, 256, 256, 256, 256, 10], minLength: 2 }),
    activation: choice(ACTIVATION_NAMES, 'hidden activation', { default: 'sigmoid' }),
    init: text('NAME|NAME:STD|lsuv', 'the initialization', { default: 'xavierUniform' }),
    rows: integer('digits in the batch', { min: 2, default: 500 }),
    seed: integer('seed of the batch and the weights', { min: 0, default: 0 }),
    out: text('DIR', 'where diagnose.svg and diagnose.json go', { default: 'out' }),
  },
  async run(values, _positionals, io): Promise<nninit.Diagnostics> {
    const { layers, activation, rows, seed, out } = values;
    const useLsuv = values.init === 'lsuv';
    const init = useLsuv ? 'xavierUniform' : parseInitSpec(values.init);
    if (layers[0] !== nninit.data.MNIST_PIXELS) {
      throw new UsageError(`--layers must start with ${nninit.data.MNIST_PIXELS} inputs (28×28 pixels), got ${layers[0]}`);
    }
    await prepareDirectory('--out', out);
    const { train } = await bundledDigits(rows, 1, seed, `--rows ${rows} plus one test digit`);
    const mlp = new nninit.Mlp({ layers, activation, init, seed });
    try {
      if (useLsuv) nninit.init.lsuv(mlp, train.x, { seed });
      const report = nninit.diagnose(mlp, train.x, train.y);
      const title = `${layers.join('-')} ${activation}, init ${values.init}, ${rows} MNIST digits (seed ${seed})`;
      io.print(`${title}\n\n${report}`);
      const svg = join(out, 'diagnose.svg');
      const json = join(out, 'diagnose.json');
      await writeOutput(svg, diagnoseChart(report, title));
      await writeOutput(json, `${JSON.stringify({ title, ...report, gradientRatio: report.gradientRatio }, null, 2)}\n`);
      io.print(`\n${wroteLine([svg, json])}`);
      return report;
    } finally {
      mlp.dispose();
    }
  },
});
