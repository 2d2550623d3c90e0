import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../../core/errors.js';
import { loadEstimator } from '../estimator.js';
import { initBackend } from './backend.js';
import { trendWindows } from './testing/synthetic.js';
import { Transformer, sinusoid } from './transformer.js';

beforeAll(async () => {
  await initBackend();
});

describe('Transformer', () => {
  it('recovers the trend slope of windows by self-attention (R² > 0.6 on held-out windows)', async () => {
    const train = trendWindows(128, 6, 2, 3);
    const test = trendWindows(120, 6, 2, 4);
    const m = await new Transformer({ task: 'regression', dModel: 8, heads: 2, layers: 1, denseUnits: [8], epochs: 12, batchSize: 32, learningRate: 0.01, patience: 0 }).fit(train.x, train.slope);
    const p = await m.predict(test.x);
    let mean = 0;
    for (const v of test.slope) mean += v / test.slope.length;
    let ss = 0;
    let st = 0;
    test.slope.forEach((v, i) => {
      ss += (v - (p[i] as number)) ** 2;
      st += (v - mean) ** 2;
    });
    expect(1 - ss / st).toBeGreaterThan(0.6);
    m.dispose();
  }, 30_000);

  it('saves and loads (custom attention layers registered) with identical predictions; same seed, same model', async () => {
    const data = trendWindows(48, 5, 2, 7);
    const opts = { task: 'regression' as const, dModel: 8, heads: 4, layers: 2, ffUnits: 8, pooling: 'last' as const, epochs: 2, batchSize: 16, patience: 0, seed: 9 };
    const a = await new Transformer(opts).fit(data.x, data.slope);
    const b = await new Transformer(opts).fit(data.x, data.slope);
    const pa = await a.predict(data.x);
    expect(Array.from(await b.predict(data.x))).toEqual(Array.from(pa));
    const dir = mkdtempSync(path.join(tmpdir(), 'transformer-'));
    try {
      await a.save(dir);
      const loaded = await loadEstimator(dir);
      expect(loaded.kind).toBe('transformer');
      expect(Array.from(await loaded.predict(data.x))).toEqual(Array.from(pa));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(a.parameterCount).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  }, 30_000);

  it('rejects invalid sizes and non-window samples', async () => {
    expect(() => new Transformer({ dModel: 10, heads: 4 })).toThrow(ConfigError);
    expect(() => new Transformer({ layers: 0 })).toThrow(ConfigError);
    expect(() => new Transformer({ pooling: 'max' as never })).toThrow(ConfigError);
    await expect(new Transformer({ epochs: 1 }).fit({ x: new Float32Array(8), n: 2, shape: [4] }, Float64Array.from([0, 1]))).rejects.toThrow(DataError);
  });

  it('uses the sinusoidal positional encoding of Vaswani et al.', () => {
    const pe = sinusoid(3, 4);
    expect(pe[0]).toBeCloseTo(0); // sin(0)
    expect(pe[1]).toBeCloseTo(1); // cos(0)
    expect(pe[4]).toBeCloseTo(Math.sin(1));
    expect(pe[6]).toBeCloseTo(Math.sin(1 / 100));
  });
});
