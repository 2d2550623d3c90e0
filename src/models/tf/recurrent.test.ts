import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { GRU, LSTM } from './recurrent.js';
import { accuracy, trendWindows } from './testing/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe.each([
  ['lstm', LSTM],
  ['gru', GRU],
] as const)('%s', (_kind, Net) => {
  it('detects an upward trend in windows on held-out data', async () => {
    const train = trendWindows(128, 6, 2, 1);
    const test = trendWindows(200, 6, 2, 2);
    const m = await new Net({ units: [8], epochs: 10, batchSize: 32, learningRate: 0.05, patience: 0 }).fit(train.x, train.y);
    expect(accuracy(await m.predict(test.x), test.y)).toBeGreaterThan(0.85);
    m.dispose();
  });
});

describe('LSTM regression', () => {
  it('recovers the trend slope (R² > 0.7 on held-out windows)', async () => {
    const train = trendWindows(128, 6, 2, 3);
    const test = trendWindows(150, 6, 2, 4);
    const m = await new LSTM({ task: 'regression', units: [8], epochs: 10, batchSize: 32, learningRate: 0.05, patience: 0 }).fit(train.x, train.slope);
    const p = await m.predict(test.x);
    let ss = 0;
    let st = 0;
    for (let i = 0; i < test.slope.length; i++) {
      ss += ((p[i] as number) - (test.slope[i] as number)) ** 2;
      st += (test.slope[i] as number) ** 2;
    }
    expect(1 - ss / st).toBeGreaterThan(0.7);
    m.dispose();
  });

  it('rejects bad options', () => {
    expect(() => new LSTM({ units: [2000] })).toThrow(/lstm\.units: expected 1–16 integers each in \[1, 1024\]/);
    expect(() => new GRU({ denseUnits: [-1] })).toThrow(/gru\.denseUnits/);
  });
});
