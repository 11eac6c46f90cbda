import * as nninit from '../index.js';
import { formatTable } from '../text-table.js';
import { defineCommand, integer, sizes } from './command.js';

interface Scheme {
  name: string;
  /** 'bound' for uniform schemes (weights in [−b, b]), 'std' for normal ones. */
  kind: 'bound' | 'std';
  formula: string;
  value(fanIn: number, fanOut: number): number;
  draw(shape: number[], seed: number): nninit.Tensor;
}

const RELU_GAIN = Math.SQRT2;

const SCHEMES: Scheme[] = [
  {
    name: 'xavierUniform',
    kind: 'bound',
    formula: '√(6/(fanIn+fanOut))',
    value: (i, o) => Math.sqrt(6 / (i + o)),
    draw: (shape, seed) => nninit.init.xavierUniform(shape, { seed }),
  },
  {
    name: 'xavierNormal',
    kind: 'std',
    formula: '√(2/(fanIn+fanOut))',
    value: (i, o) => Math.sqrt(2 / (i + o)),
    draw: (shape, seed) => nninit.init.xavierNormal(shape, { seed }),
  },
  {
    name: 'kaimingUniform (relu)',
    kind: 'bound',
    formula: '√2·√(3/fanIn)',
    value: (i) => RELU_GAIN * Math.sqrt(3 / i),
    draw: (shape, seed) => nninit.init.kaimingUniform(shape, { nonlinearity: 'relu', seed }),
  },
  {
    name: 'kaimingNormal (relu)',
    kind: 'std',
    formula: '√2/√fanIn',
    value: (i) => RELU_GAIN / Math.sqrt(i),
    draw: (shape, seed) => nninit.init.kaimingNormal(shape, { nonlinearity: 'relu', seed }),
  },
  {
    name: 'lecunNormal',
    kind: 'std',
    formula: '√(1/fanIn), truncated ±2σ',
    value: (i) => Math.sqrt(1 / i),
    draw: (shape, seed) => nninit.init.lecunNormal(shape, { seed }),
  },
  {
    name: 'PyTorch Linear default',
    kind: 'bound',
    formula: '1/√fanIn (kaimingUniform a=√5)',
    value: (i) => 1 / Math.sqrt(i),
    draw: (shape, seed) => nninit.init.kaimingUniform(shape, { a: Math.sqrt(5), seed }),
  },
];

function std(data: Float32Array): number {
  let mean = 0;
  for (const v of data) mean += v;
  mean /= data.length;
  let sq = 0;
  for (const v of data) sq += (v - mean) ** 2;
  return Math.sqrt(sq / data.length);
}

/** The formula's std of a scheme: a uniform [−b, b] has std b/√3. */
function formulaStd(scheme: Scheme, fanIn: number, fanOut: number): number {
  const v = scheme.value(fanIn, fanOut);
  return scheme.kind === 'bound' ? v / Math.sqrt(3) : v;
}

/** For each layer of a dense network: its fans, every scheme's bound or std by formula, and the std of weights drawn with it. */
export function scalesTable(layers: readonly number[], seed: number): string {
  const rows: string[][] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const shape = [layers[l + 1], layers[l]]; // PyTorch layout [out, in]
    const { fanIn, fanOut } = nninit.init.fans(shape);
    for (const scheme of SCHEMES) {
      const measured = std(scheme.draw(shape, seed + l).data);
      rows.push([
        `${l + 1}: ${layers[l]}→${layers[l + 1]}`,
        String(fanIn),
        String(fanOut),
        scheme.name,
        `${scheme.kind} = ${scheme.formula}`,
        scheme.value(fanIn, fanOut).toFixed(5),
        formulaStd(scheme, fanIn, fanOut).toFixed(5),
        measured.toFixed(5),
      ]);
    }
  }
  const header = ['layer', 'fanIn', 'fanOut', 'scheme', 'formula', 'value', 'std (formula)', 'std (drawn)'];
  return `Weight scales for a ${layers.join('-')} dense network (weights [out, in], seed ${seed})\n\n${formatTable(header, rows)}`;
}

export const scales = defineCommand({
  name: 'scales',
  summary: "for each layer of a dense network: fans, and every scheme's bound or std by formula beside the std of weights nninit drew",
  options: {
    layers: sizes('the layer sizes, inputs first (at least two: one layer)', { default: [784, 256, 256, 10], minLength: 2 }),
    seed: integer('seed of the drawn weights (layer l uses seed + l)', { min: 0, default: 0 }),
  },
  async run(values, _positionals, io): Promise<string> {
    const table = scalesTable(values.layers, values.seed);
    io.print(table);
    return table;
  },
});
