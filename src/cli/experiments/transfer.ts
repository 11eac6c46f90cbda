import {
  fineTuneGain,
  runTransfer,
  TRANSFER_FULL,
  TRANSFER_METHODS,
  TRANSFER_QUICK,
  TRANSFER_TARGET,
  transferAccuracies,
  type LabelsPerClass,
  type TransferConfig,
  type TransferMethod,
  type TransferResult,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { renderFigure } from '../charts.js';
import { choices, integer, parseInteger, UsageError, type Option } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, defineExperiment, mean, meanAndSd, runLabel, seedsOf, standardDeviation, type Claim, toJson } from './harness.js';

/*
 * `nninit experiment transfer`: the small CNN pretrained on digits 0–4, adapted to 5–9 from few
 * or many labels — frozen features, fine-tuned, or from scratch (src/experiments/transfer.ts).
 */

const METHODS = Object.keys(TRANSFER_METHODS) as TransferMethod[];
const SOURCE = 'Yosinski et al. 2014';

const labelsText = (labels: LabelsPerClass) => (labels === 'all' ? 'all' : String(labels));

function rowsOf(result: TransferResult, labels: LabelsPerClass): number[] {
  return result.config.seeds.map((seed) => result.runs.find((r) => r.seed === seed && r.labels === labels)?.rows ?? 0);
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

export function transferTable(result: TransferResult, judge: boolean): string {
  const { seeds, labels, methods, steps, lr, pretrainEpochs, pretrainLr, trainSize, testSize, channels } = result.config;
  const both = methods.includes('finetune') && methods.includes('scratch');
  const header = ['labels / class', 'rows', ...methods.map((m) => TRANSFER_METHODS[m]), ...(both ? ['fine-tuned − scratch', 'claim', 'agrees'] : [])];
  const body = labels.map((count) => {
    const gain = both ? fineTuneGain(result, count) : null;
    const claim: Claim | undefined = gain ? { paper: `fine-tuned ≥ from scratch (${SOURCE})`, agrees: judge ? gain.mean >= 0 : null } : undefined;
    return [
      labelsText(count),
      String(Math.round(mean(rowsOf(result, count)))),
      ...methods.map((m) => meanAndSd(transferAccuracies(result, count, m), 3)),
      ...(gain ? [`${signed(gain.mean)}${gain.perSeed.length > 1 ? ` ± ${standardDeviation(gain.perSeed).toFixed(3)}` : ''}`, ...claimCells(claim)] : []),
    ];
  });
  const pretrained = result.pretrain.filter((p) => p.accuracy !== null).map((p) => p.accuracy!);
  const lines = [
    `CNN conv5×${channels[0]}→ReLU→pool2→conv5×${channels[1]}→ReLU→pool2→dense128→ReLU→dropout0.5→dense, ${trainSize}/${testSize} split; pretrained on the ` +
      `${Math.round(mean(result.pretrain.map((p) => p.rows)))} training rows of 0–4 (${pretrainEpochs} epochs, Adam ${pretrainLr} cosine, batch 64; ` +
      `test accuracy on 0–4: ${meanAndSd(pretrained, 4)}), adapted to 5–9 with a new head (~${steps} Adam steps, lr ${lr} cosine). ` +
      `Test accuracy on the ${result.testRows} test rows of 5–9, mean ± sd over seeds ${seeds.join(', ')}:`,
    formatTable(header, body),
  ];
  const gain = both && labels.includes(TRANSFER_TARGET.labels) ? fineTuneGain(result, TRANSFER_TARGET.labels) : null;
  if (gain) {
    const met = gain.mean >= TRANSFER_TARGET.margin;
    const verdict = judge && seeds.length >= 3 ? (met ? 'ok' : 'MISSED') : '(not judged: --quick or fewer than 3 seeds)';
    lines.push(
      `target: with ${TRANSFER_TARGET.labels} labels per class, fine-tuned − scratch >= ${TRANSFER_TARGET.margin}: ${signed(gain.mean)} ` +
        `(per seed ${gain.perSeed.map(signed).join(', ')}) ${verdict}`,
    );
  }
  return lines.join('\n');
}

function transferChart(result: TransferResult): string {
  const { labels, methods, seeds } = result.config;
  // 'all' sits at its mean rows per class.
  const x = (count: LabelsPerClass) => (count === 'all' ? mean(rowsOf(result, 'all')) / 5 : count);
  const names = methods.map((m) => TRANSFER_METHODS[m]);
  return renderFigure({
    title: `Digits 0–4 → 5–9: test accuracy on 5–9 vs labels per class (mean of ${seeds.length} seed${seeds.length > 1 ? 's' : ''})`,
    layout: {
      width: 420,
      height: 240,
      x: { title: 'labelled rows per class (log; the last: all)', scale: 'log' },
      y: { title: 'test accuracy on 5–9' },
      lines: methods.map((m, i) => ({ name: names[i], points: labels.map((count) => ({ x: x(count), y: mean(transferAccuracies(result, count, m)) })) })),
    },
    legend: { title: 'adaptation', names },
  });
}

/** `--labels 10,100,all`: positive counts and/or 'all'. */
const labelsOption: Option<LabelsPerClass[] | undefined> = {
  placeholder: 'N,…|all',
  help: `labelled rows per class of 5–9 to adapt from, or all (default ${TRANSFER_FULL.labels.join(',')})`,
  absent: undefined,
  parse: (text, flag) => {
    const items = text.split(',');
    if (items.some((item) => item === '')) throw new UsageError(`${flag} takes counts and/or all, comma-separated; got ${JSON.stringify(text)}`);
    return items.map((item) => (item === 'all' ? 'all' : parseInteger(flag, item, 1)));
  },
};

export const transfer = defineExperiment({
  name: 'transfer',
  summary: 'transfer learning measured: a CNN pretrained on digits 0–4, adapted to 5–9 from 10, 100 or all labels per class — frozen, fine-tuned, from scratch',
  description:
    `The cnn experiment's CNN pretrained on every training row of 0–4 in the 8000/2000 split (${TRANSFER_FULL.pretrainEpochs} epochs), then adapted to 5–9 ` +
    `from 10, 100 or all labelled rows per class: (a) frozen features + new head, (b) fine-tuned whole with a new head, (c) from scratch (He normal); ` +
    `each ~${TRANSFER_FULL.steps} Adam steps at lr ${TRANSFER_FULL.lr} (cosine), batch rows/16 within [${TRANSFER_FULL.minBatch}, ${TRANSFER_FULL.maxBatch}]. ` +
    'Test accuracy on the test rows of 5–9, mean ± sd over seeds (each seed: split, pretraining, labelled rows, new weights), the ' +
    `fine-tuned − scratch gap per seed, and the target (≥ ${TRANSFER_TARGET.margin} at ${TRANSFER_TARGET.labels} labels per class). ` +
    `About 4 minutes on two cores with the default ${TRANSFER_FULL.seeds.length} seeds; writes transfer.json and transfer.svg. ` +
    `--quick: ${TRANSFER_QUICK.trainSize}/${TRANSFER_QUICK.testSize} digits, ${TRANSFER_QUICK.pretrainEpochs} pretraining epochs, ~${TRANSFER_QUICK.steps} steps.`,
  // Three seeds by default, not the harness's one: the result is a mean ± sd.
  defaultSeeds: TRANSFER_FULL.seeds.length,
  options: {
    labels: labelsOption,
    methods: choices(METHODS, 'the adaptations to run: frozen, finetune, scratch'),
    steps: integer(`adaptation steps per run (default ${TRANSFER_FULL.steps}; ${TRANSFER_QUICK.steps} with --quick)`, { min: 1 }),
    'pretrain-epochs': integer(`pretraining epochs on 0–4 (default ${TRANSFER_FULL.pretrainEpochs}; ${TRANSFER_QUICK.pretrainEpochs} with --quick)`, { min: 1 }),
  },
  async run(values, progress) {
    const config: TransferConfig = { ...TRANSFER_FULL, ...(values.quick ? TRANSFER_QUICK : {}), methods: values.methods, seeds: seedsOf(values) };
    if (values.labels !== undefined) config.labels = values.labels;
    if (values.steps !== undefined) config.steps = values.steps;
    if (values['pretrain-epochs'] !== undefined) config.pretrainEpochs = values['pretrain-epochs'];
    const result = await runTransfer(config, {
      digits: ({ trainSize, testSize, seed }) => bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`),
      onProgress: (p) => {
        const what = p.phase === 'pretrain' ? 'pretraining on 0–4' : `${labelsText(p.labels!)} labels/class, ${TRANSFER_METHODS[p.method!]}`;
        progress.update(`${runLabel(p.run, p.runs, `seed ${p.seed}, ${what}`)}: epoch ${p.epoch}/${p.epochs}, loss ${p.trainLoss.toFixed(4)}`);
      },
    });
    const judge = !values.quick;
    return {
      report: transferTable(result, judge),
      files: { 'transfer.json': toJson(result), 'transfer.svg': transferChart(result) },
      summary: `pretraining ${mean(result.pretrain.map((p) => p.seconds)).toFixed(1)} s per seed; total ${result.seconds.toFixed(1)} s`,
    };
  },
});
