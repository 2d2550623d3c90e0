import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { initBackend } from './backend.js';
import { MLP } from './mlp.js';
import { accuracy, circles } from './testing/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe('MLP', () => {
  it('learns a nonlinear boundary (circle) on held-out data', async () => {
    const train = circles(400, 1);
    const test = circles(300, 2);
    const m = await new MLP({ hiddenUnits: [32, 16], epochs: 40, learningRate: 0.03, batchSize: 64 }).fit(train.x, train.y);
    expect(accuracy(await m.predict(test.x), test.y)).toBeGreaterThan(0.9);
    m.dispose();
  });

  it('regression: learns a nonlinear trend (R² > 0.9 on held-out data)', async () => {
    const make = (n: number, seed: number) => {
      const rng = new Rng(seed);
      const x = new Float32Array(n * 2);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const a = rng.uniform(-2, 2);
        const b = rng.uniform(-2, 2);
        x[2 * i] = a;
        x[2 * i + 1] = b;
        y[i] = 100 + 30 * a * a - 20 * b + rng.normal(0, 2); // target far from 0: tests target scaling
      }
      return { x: { x, n, shape: [2] }, y };
    };
    const train = make(400, 3);
    const test = make(200, 4);
    const m = await new MLP({ task: 'regression', hiddenUnits: [32, 16], epochs: 50, batchSize: 64, learningRate: 0.03 }).fit(train.x, train.y);
    expect(m.task).toBe('regression');
    expect(m.nClasses).toBe(1);
    const p = await m.predict(test.x);
    let ss = 0;
    let st = 0;
    let mean = 0;
    for (const v of test.y) mean += v / test.y.length;
    for (let i = 0; i < test.y.length; i++) {
      ss += ((p[i] as number) - (test.y[i] as number)) ** 2;
      st += ((test.y[i] as number) - mean) ** 2;
    }
    expect(1 - ss / st).toBeGreaterThan(0.9);
    m.dispose();
  });

  it('rejects bad layer options', () => {
    expect(() => new MLP({ hiddenUnits: [] })).toThrow(/mlp\.hiddenUnits: expected 1–16 integers/);
    expect(() => new MLP({ hiddenUnits: [0] })).toThrow(/mlp\.hiddenUnits/);
    expect(() => new MLP({ activation: 'gelu' as 'relu' })).toThrow("mlp.activation: expected one of relu, tanh; got 'gelu'.");
  });
});
