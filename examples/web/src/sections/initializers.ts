// Experiment: what an initializer draws, as a histogram under the density it promises. It takes
// milliseconds, so it runs on the page's thread and redraws as the fields change (no job).
import * as nninit from 'nninit';
import { numberField, selectField } from '../ui/controls';
import type { SectionSpec } from '../ui/section';
import { OPTIONS, SHOWN, theoryOf, type Shown } from './density';

const BINS = 60;
/** Points per bin on the x grid: the curve is drawn at each, the histogram holds its bin's height. */
const SUBSTEPS = 4;

const NAMES: Record<Shown, string> = {
  uniform: 'U(0, 1) — uniform',
  normal: 'N(0, 1) — standard normal',
  truncatedNormal: 'Truncated N(0, 1)',
  xavierUniform: 'Xavier / Glorot uniform',
  xavierNormal: 'Xavier / Glorot normal',
  kaimingUniform: 'He / Kaiming uniform',
  kaimingNormal: 'He / Kaiming normal',
  lecunUniform: 'LeCun uniform',
  lecunNormal: 'LeCun normal',
  orthogonal: 'Orthogonal',
  sparse: 'Sparse (half zeros)',
};

const format = (value: number) => (value === 0 ? '0' : Math.abs(value) < 0.001 || Math.abs(value) >= 1000 ? value.toExponential(1) : String(Number(value.toPrecision(3))));

export const initializers: SectionSpec = {
  id: 'initializers',
  nav: 'Distributions',
  title: 'What an initializer draws',
  intro: `<p>Every initializer is a probability distribution for a layer’s weights. The good ones choose
    its spread from the layer’s size — the <em>fan-in</em> (inputs each unit sums) and <em>fan-out</em>
    (units in the layer) — so that a signal keeps its scale as it passes through many layers, instead
    of fading to zero or blowing up.</p>
    <p>Pick an initializer and change the layer’s size: the bars show the weights it actually drew, the
    curve the density it draws from.</p>`,
  build(section) {
    const form = section.controls({
      initializer: selectField('Initializer', { options: SHOWN.map((name) => [name, NAMES[name]]), value: 'kaimingNormal', wide: true }),
      fanIn: numberField('Inputs (fan-in)', { value: 784, min: 1, max: 1024 }),
      fanOut: numberField('Units (fan-out)', { value: 256, min: 1, max: 1024 }),
      seed: numberField('Seed', { value: 1, min: 0, max: 2 ** 31, hint: 'same seed, same weights' }),
    });
    const chart = section.chart({
      title: 'Weights drawn against their density',
      x: { label: 'weight value', format },
      y: { label: 'density', format },
      series: [
        { label: 'weights drawn', color: '#0072b2', stepsFill: 'rgba(0, 114, 178, 0.22)', width: 1 },
        { label: 'density it draws from', color: '#d55e00', width: 2.5 },
      ],
      caption: `Look at the x axis as you change Inputs: He, LeCun and Xavier spread narrow as the layer
        gets wider (He and LeCun: σ ∝ 1/√fan-in; Xavier: σ ∝ 1/√(fan-in + fan-out)), so a unit summing
        more inputs still gets a pre-activation of the same size. N(0, 1) and U(0, 1) ignore the layer’s size — the reason they fail in deep or wide networks.
        The bars follow the curve: the sampler draws what the formula says.`,
    });

    let pending = 0;
    const redraw = () => {
      pending = 0;
      try {
        const { initializer, fanIn, fanOut, seed } = form.read();
        const name = initializer as Shown;
        const shape: [number, number] = [fanOut, fanIn];
        const make = nninit.init[name] as (shape: number[], options: object) => nninit.Tensor;
        const weights = make(shape, { ...OPTIONS[name], seed }).data;
        const theory = theoryOf(name, shape);
        const { x, bars, curve, mean, std, clipped } = histogram(weights, theory.density);
        section.recover();
        chart.setData(x, [bars, curve]);
        chart.setSummary([`std ${format(std)}${clipped ? ' (tallest bar cut off)' : ''}`, `std ${format(theory.std)}`]);
        section.status(
          `${name}([${shape.join(', ')}]) draws ${theory.formula}. Its ${weights.length.toLocaleString('en')} weights: mean ${format(mean)}, std ${format(std)} (the formula’s std: ${format(theory.std)}).`,
        );
      } catch (error) {
        section.status('');
        section.fail(error, 'Check the settings');
      }
    };
    form.form.addEventListener('input', () => (pending ||= requestAnimationFrame(redraw)));
    form.form.addEventListener('submit', (event) => event.preventDefault());
    nninit.ready().then(redraw, (error) => section.fail(error, 'nninit could not start'));
  },
};

/** A density histogram of `values` on an x grid shared with `density`, and the sample's moments. */
function histogram(values: Float32Array, density: (x: number) => number) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    squares += v * v;
  }
  const mean = sum / values.length;
  const std = Math.sqrt(Math.max(0, squares / values.length - mean * mean));
  const margin = (max - min) * 0.08 || 1;
  min -= margin;
  max += margin;
  const binWidth = (max - min) / BINS;
  const heights = new Float64Array(BINS);
  for (const v of values) heights[Math.min(BINS - 1, Math.floor((v - min) / binWidth))] += 1 / (values.length * binWidth);
  const x: number[] = [];
  const bars: number[] = [];
  const curve: number[] = [];
  for (let k = 0; k <= BINS * SUBSTEPS; k++) {
    const at = min + (k * binWidth) / SUBSTEPS;
    x.push(at);
    bars.push(heights[Math.min(BINS - 1, Math.floor(k / SUBSTEPS))]);
    curve.push(density(at));
  }
  // The y axis follows the curve, so that a spike (sparse's zeros) is cut off rather than flattening the rest.
  const top = Math.max(...curve) * 1.2;
  const clipped = Math.max(...heights) > top;
  return { x, bars: bars.map((h) => Math.min(h, top)), curve, mean, std, clipped };
}
