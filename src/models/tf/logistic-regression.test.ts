import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { LogisticRegression } from './logistic-regression.js';
import { accuracy, circles, linear } from './testing/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe('LogisticRegression', () => {
  it('separates linearly separable classes on held-out data (features on unequal scales)', async () => {
    const train = linear(300, 5, 1);
    const test = linear(300, 5, 2);
    const m = await new LogisticRegression({ epochs: 60, patience: 0, l2: 0, batchSize: 64, learningRate: 0.05 }).fit(train.x, train.y);
    expect(accuracy(await m.predict(test.x), test.y)).toBeGreaterThan(0.95);
    m.dispose();
  });

  it('cannot learn a circle (a linear model), where an MLP can', async () => {
    const train = circles(300, 3);
    const m = await new LogisticRegression({ epochs: 40, batchSize: 64, learningRate: 0.05 }).fit(train.x, train.y);
    // Inside the circle is ~28 % of the square: a linear boundary cannot beat "always outside" by much.
    expect(accuracy(await m.predict(train.x), train.y)).toBeLessThan(0.8);
    m.dispose();
  });

  it('option errors name the option, the range and the value', () => {
    expect(() => new LogisticRegression({ l2: 11 })).toThrow('logreg.l2: expected a number in [0, 10]; got 11.');
    expect(() => new LogisticRegression({ batchSize: 1.5 })).toThrow(/logreg\.batchSize/);
    expect(() => new LogisticRegression({ validationFraction: 0.9 })).toThrow(/validationFraction/);
  });
});
