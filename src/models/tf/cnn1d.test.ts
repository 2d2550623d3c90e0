import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../core/errors.js';
import { backendInfo, initBackend } from './backend.js';
import { CNN1D } from './cnn1d.js';
import { accuracy, linear, trendWindows } from './testing/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe('CNN1D (the seed CNN)', () => {
  it('trains on wasm through the patched Conv2DBackpropFilter kernel', () => {
    expect(backendInfo().name).toBe('wasm');
    expect(backendInfo().patchedKernels).toContain('Conv2DBackpropFilter');
  });

  it('windows: detects an upward trend (order-dependent) on held-out data', async () => {
    const train = trendWindows(192, 10, 2, 1);
    const test = trendWindows(200, 10, 2, 2);
    const m = await new CNN1D({ filters: 8, denseUnits: [8], epochs: 15, batchSize: 32, learningRate: 0.02 }).fit(train.x, train.y);
    expect(accuracy(await m.predict(test.x), test.y)).toBeGreaterThan(0.85);
    m.dispose();
  });

  it('tabular rows read as a 1-channel sequence (the seed case)', async () => {
    const train = linear(300, 7, 5);
    const test = linear(300, 7, 6);
    // Kernel 2 without pooling keeps each feature pair's position: the seed's shape, sized for 7 features.
    const m = await new CNN1D({ filters: 16, kernelSize: 2, poolSize: 1, denseUnits: [8], epochs: 20, batchSize: 64, learningRate: 0.01 }).fit(train.x, train.y);
    expect(accuracy(await m.predict(test.x), test.y)).toBeGreaterThan(0.9);
    m.dispose();
  });

  it('regression: recovers the slope of the trend', async () => {
    const train = trendWindows(192, 10, 2, 7);
    const test = trendWindows(150, 10, 2, 8);
    const m = await new CNN1D({ task: 'regression', filters: 8, denseUnits: [8], epochs: 20, batchSize: 32, learningRate: 0.02 }).fit(train.x, train.slope);
    const p = await m.predict(test.x);
    let ss = 0;
    let st = 0;
    for (let i = 0; i < test.slope.length; i++) {
      ss += ((p[i] as number) - (test.slope[i] as number)) ** 2;
      st += (test.slope[i] as number) ** 2; // slopes are centred on 0
    }
    expect(1 - ss / st).toBeGreaterThan(0.7);
    m.dispose();
  });

  it('refuses sequences shorter than kernel + pool', async () => {
    const d = linear(20, 3, 1);
    await expect(new CNN1D({ kernelSize: 3, poolSize: 2 }).fit(d.x, d.y)).rejects.toBeInstanceOf(DataError);
    expect(() => new CNN1D({ kernelSize: 0 })).toThrow('cnn1d.kernelSize: expected an integer in [1, 64]; got 0.');
  });
});
