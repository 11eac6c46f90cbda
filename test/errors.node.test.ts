import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';

// What the README says about errors, checked against what nninit throws.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const errorsSection = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe("the README's errors", () => {
  beforeAll(() => nninit.ready());

  it('prints the sample lines that nninit prints', () => {
    const samples = /```\n([\s\S]*?)```/.exec(errorsSection)![1].trim().split('\n');
    const real = [thrown(() => nninit.init.zeros([256, -3])), thrown(() => nninit.init.normal([2, 2], { std: NaN }))];
    expect(samples).toEqual(real.map(String));
    // What Node prints for an uncaught one starts with the same line.
    expect(real.map((error) => error.stack!.split('\n')[0])).toEqual(samples);
  });

  it('lists the code of every error class nninit exports', () => {
    const classes = (Object.values(nninit) as unknown[]).filter(
      (value): value is new (message: string) => nninit.NninitError => typeof value === 'function' && value.prototype instanceof nninit.NninitError,
    );
    expect(classes.length).toBeGreaterThanOrEqual(7);
    for (const ErrorClass of classes) expect(errorsSection).toContain(`\`${new ErrorClass('m').code}\``);
  });
});

describe('an error about a long value', () => {
  let train: nninit.data.Examples;
  beforeAll(async () => {
    await nninit.ready();
    ({ train } = await nninit.data.mnist({ trainSize: 8000, testSize: 100, seed: 0 }));
  }, 120_000);

  it('mlp.fit(train.x.data, …), the raw array for the tensor, names it in under 1 KB', async () => {
    const mlp = new nninit.Mlp({ layers: [784, 16, 10], seed: 1 });
    const error = await mlp.fit(train.x.data as unknown as nninit.Tensor, train.y, { epochs: 1, batchSize: 100 }).then(
      () => new Error('fit accepted a raw array'),
      (e: unknown) => e as Error,
    );
    mlp.dispose();
    expect(error).toBeInstanceOf(nninit.ParamError); // not a Tensor: E_PARAM, as for every matrix argument
    expect(error.message).toContain('Float32Array(6272000) [0, 0, ');
    expect(error.message.length).toBeLessThan(1024);
  });

  it('rbm.fit and nninit.tensor with the same slip stay short too', async () => {
    const rbm = new nninit.RBM({ nVisible: 784, nHidden: 8, seed: 1 });
    const error = await rbm.fit(train.x.data as unknown as nninit.Tensor, { epochs: 1 }).then(
      () => new Error('fit accepted a raw array'),
      (e: unknown) => e as Error,
    );
    rbm.dispose();
    expect(error).toBeInstanceOf(nninit.NninitError);
    expect(error.message.length).toBeLessThan(1024);
    const shape = Array.from({ length: 1_000_000 }, () => 2);
    expect(thrown(() => nninit.tensor(train.x.data, shape)).message.length).toBeLessThan(1024);
  });
});
