// Experiment: He et al. 2015's 30-layer ReLU network, Xavier's start against He's.
import { PALETTE } from '../ui/chart';
import { numberField } from '../ui/controls';
import type { SectionSpec } from '../ui/section';

const INITS = [
  { init: 'he', label: 'He normal (variance 2/n)' },
  { init: 'xavier', label: 'Xavier uniform (variance 1/n)' },
] as const;

export const depth: SectionSpec = {
  id: 'depth',
  nav: 'Depth',
  title: 'Thirty layers: Xavier against He',
  intro: `<p>Stack 30 ReLU layers of 256 units. ReLU zeroes half of its inputs, so a start with
    Xavier’s variance 1/n halves the signal’s variance at every layer: after 30 layers the gradient
    that reaches the first ones is about 2⁻³⁰ of what He’s variance 2/n leaves (He et al., 2015).</p>
    <p>Both networks train with the same SGD with momentum on the same digits; only the scale of the
    random start differs.</p>`,
  build(section) {
    const form = section.controls({
      hiddenLayers: numberField('Hidden layers', { value: 30, min: 2, max: 30, hint: '256 ReLU units each' }),
      trainSize: numberField('Training digits', { value: 4000, min: 500, max: 8000, step: 100 }),
      epochs: numberField('Epochs', { value: 4, min: 1, max: 8 }),
    });
    const chart = section.chart({
      title: 'Test accuracy after each epoch',
      x: { label: 'epoch', integer: true },
      y: { label: 'test digits right (%)', range: [0, 100] },
      series: [...INITS.map((s, i) => ({ label: s.label, ...PALETTE[i] })), { label: 'most frequent digit', ...PALETTE[4], marker: 'none' as const }],
      caption: `Look at the Xavier curve: it sits on the line of the most frequent digit — the network
        answers one class for everything — for epochs, while He’s climbs from the first epoch. The
        deeper the stack, the longer Xavier stalls; with a few layers both train.`,
    });
    let columns: (number | null)[][] = [];
    let majority: number | null = null;
    const draw = (epochs: number) => {
      const x = Array.from({ length: epochs }, (_, e) => e + 1);
      chart.setData(x, [...columns, x.map(() => majority)]);
    };
    section.job(form, {
      job: 'trainDepth',
      runLabel: 'Train both',
      params: ({ hiddenLayers, trainSize, epochs }) => ({ hiddenLayers, trainSize, epochs, seed: 1 }),
      begin: ({ epochs }) => {
        columns = INITS.map(() => new Array<number | null>(epochs).fill(null));
        majority = null;
        chart.setXRange(1, Math.max(2, epochs));
        chart.setData([], [[], [], []]);
        return 'Loading the digits…';
      },
      progress: ({ init, epoch, testAccuracy }, { epochs }) => {
        const index = INITS.findIndex((s) => s.init === init);
        columns[index][epoch - 1] = 100 * testAccuracy;
        draw(epochs);
        return { status: `${INITS[index].label}: epoch ${epoch} of ${epochs}, ${(100 * testAccuracy).toFixed(1)}% right`, done: index * epochs + epoch, total: 2 * epochs };
      },
      finish: (result, { epochs }) => {
        majority = 100 * result.majority;
        draw(epochs);
        const last = (i: number) => columns[i][epochs - 1]!.toFixed(1);
        return `After ${epochs} epoch${epochs === 1 ? '' : 's'} (${result.seconds.toFixed(0)} s): He ${last(0)}%, Xavier ${last(1)}%; the most frequent digit alone scores ${majority.toFixed(1)}%.`;
      },
    });
  },
};
