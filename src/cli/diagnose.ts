import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mnist } from '../data/index.js';
import type { Diagnostics } from '../diagnose/index.js';
import * as nninit from '../index.js';
import { renderSvg } from './chart.js';

export const DIAGNOSE_USAGE = `  nninit diagnose [--layers 784,256,256,256,256,256,10] [--activation sigmoid]
                  [--init normal:0.01] [--rows 500] [--seed 0] [--out out/]
      Builds the network, looks inside it at its initial weights on a seeded batch of the
      bundled MNIST digits: per layer the pre-activation mean and std, saturated (sigmoid, tanh)
      or dead (relu) units and the weight gradient norm; prints the table and writes
      diagnose.svg (activation histograms, gradient norms) and diagnose.json to --out.
      --init: an nninit.init name (xavierUniform, heNormal, ...), name:std for one with a std
      option (normal:0.01 is N(0, 0.01²)), or lsuv (Xavier, then nninit.init.lsuv on the batch).`;

/** `heNormal` → 'heNormal'; `normal:0.01` → { name: 'normal', std: 0.01 }. */
export function parseInitSpec(text: string): nninit.InitSpec {
  const [name, std, ...rest] = text.split(':');
  if (std === undefined) return name as nninit.InitSpec;
  const value = Number(std);
  if (rest.length > 0 || std.trim() === '' || !Number.isFinite(value)) {
    throw new nninit.ParamError(`--init takes name or name:std (e.g. normal:0.01), got ${JSON.stringify(text)}`);
  }
  return { name: name as nninit.InitName, std: value };
}

function integerList(name: string, text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length < 2 || !values.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new nninit.ParamError(`--${name} takes at least two comma-separated positive integers, got ${JSON.stringify(text)}`);
  }
  return values;
}

function nonNegativeInt(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new nninit.ParamError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

/** The picture of Glorot & Bengio's paper: per layer, a histogram of its activations, and its weight gradient norm. */
export async function diagnoseChart(report: Diagnostics, title: string): Promise<string> {
  const name = (d: Diagnostics['layers'][number]) => `${d.layer}: ${d.inputs}→${d.outputs} ${d.activation}`;
  const layers = report.layers.map(name);
  const bins = report.layers.flatMap((d) => {
    const width = (d.histogram.high - d.histogram.low) / d.histogram.counts.length;
    return d.histogram.counts.map((count, b) => ({
      layer: name(d),
      low: d.histogram.low + b * width,
      high: d.histogram.low + (b + 1) * width,
      fraction: count / (report.rows * d.outputs),
    }));
  });
  const norms = report.layers.filter((d) => d.gradientNorm !== null).map((d) => ({ layer: name(d), norm: d.gradientNorm }));
  return renderSvg({
    title,
    hconcat: [
      {
        data: { values: bins },
        facet: { row: { field: 'layer', type: 'nominal', title: null, sort: layers } },
        spec: {
          mark: 'bar',
          width: 320,
          height: 60,
          encoding: {
            x: { field: 'low', type: 'quantitative', title: 'activation (logits for the output layer)' },
            x2: { field: 'high' },
            y: { field: 'fraction', type: 'quantitative', title: 'fraction' },
          },
        },
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
      {
        data: { values: norms },
        mark: 'bar',
        width: 260,
        height: 200,
        encoding: {
          x: { field: 'layer', type: 'nominal', sort: layers, title: 'layer' },
          y: { field: 'norm', type: 'quantitative', scale: { type: 'log' }, title: '‖∂loss/∂W‖ (log)' },
        },
      },
    ],
  });
}

export async function diagnoseCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      layers: { type: 'string', default: '784,256,256,256,256,256,10' },
      activation: { type: 'string', default: 'sigmoid' },
      init: { type: 'string', default: 'xavierUniform' },
      rows: { type: 'string', default: '500' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: 'out' },
    },
  });
  const layers = integerList('layers', values.layers);
  const rows = nonNegativeInt('rows', values.rows, 2);
  const seed = nonNegativeInt('seed', values.seed, 0);
  const useLsuv = values.init === 'lsuv';
  const init = useLsuv ? 'xavierUniform' : parseInitSpec(values.init);
  const { train } = await mnist({ trainSize: rows, testSize: 1, seed });
  if (layers[0] !== train.x.shape[1]) {
    throw new nninit.ShapeError(`--layers must start with ${train.x.shape[1]} inputs (28×28 pixels), got ${layers[0]}`);
  }
  const mlp = new nninit.Mlp({ layers, activation: values.activation as nninit.ActivationName, init, seed });
  try {
    if (useLsuv) nninit.init.lsuv(mlp, train.x, { seed });
    const report = nninit.diagnose(mlp, train.x, train.y);
    const title = `${layers.join('-')} ${values.activation}, init ${values.init}, ${rows} MNIST digits (seed ${seed})`;
    console.log(`${title}\n\n${report}`);
    await mkdir(values.out, { recursive: true });
    const svg = join(values.out, 'diagnose.svg');
    const json = join(values.out, 'diagnose.json');
    await writeFile(svg, await diagnoseChart(report, title));
    await writeFile(json, `${JSON.stringify({ title, ...report, gradientRatio: report.gradientRatio }, null, 2)}\n`);
    console.log(`\nwrote ${svg} and ${json}`);
  } finally {
    mlp.dispose();
  }
}
