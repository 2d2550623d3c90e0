import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { tabular } from '../estimator.js';
import { binValue, fitBinMapper } from './binning.js';
import { GradientBoostedTrees, loadGradientBoostedTrees } from './gradient-boosted-trees.js';

/** n rows × d uniform features in [-1, 1], label from `label(row)`. */
function dataset(n: number, d: number, seed: number, label: (r: Float32Array, rng: Rng) => number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) x[i * d + f] = rng.uniform(-1, 1);
    y[i] = label(x.subarray(i * d, i * d + d), rng);
  }
  return { x: tabular(x, n, d), y };
}

function accuracy(pred: Float64Array, y: Float64Array): number {
  let c = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) c++;
  return c / y.length;
}

function recallOf(pred: Float64Array, y: Float64Array, cls: number): number {
  let tp = 0;
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === cls) {
      pos++;
      if (pred[i] === cls) tp++;
    }
  }
  return tp / pos;
}

const xor = (r: Float32Array): number => (((r[0] as number) > 0) !== ((r[1] as number) > 0) ? 1 : 0);

describe('binning', () => {
  it('puts each distinct value in its own bin when there are few, NaN in the last bin', () => {
    const x = Float32Array.from([3, 1, 2, 2, NaN, 1, 3]);
    const m = fitBinMapper(x, 7, 1, 255, new Rng(1));
    const e = m.edges[0] as Float64Array;
    expect([...e]).toEqual([1.5, 2.5]);
    expect(m.missingBin[0]).toBe(3);
    expect([1, 2, 3, 0, 99].map((v) => binValue(e, 3, v))).toEqual([0, 1, 2, 0, 2]);
    expect(binValue(e, 3, NaN)).toBe(3);
  });

  it('caps the number of bins at maxBins with quantile edges', () => {
    const n = 5000;
    const rng = new Rng(2);
    const x = Float32Array.from({ length: n }, () => rng.normal());
    const m = fitBinMapper(x, n, 1, 16, rng);
    const e = m.edges[0] as Float64Array;
    expect(e.length).toBeLessThanOrEqual(15);
    expect(e.length).toBeGreaterThanOrEqual(12);
    // Roughly equal-frequency bins.
    const counts = new Array(e.length + 1).fill(0) as number[];
    for (const v of x) counts[binValue(e, e.length + 1, v)] = (counts[binValue(e, e.length + 1, v)] as number) + 1;
    for (const c of counts) expect(c).toBeGreaterThan(n / 16 / 2);
  });
});

describe('GradientBoostedTrees', () => {
  it('learns an XOR interaction no single split can express', async () => {
    const tr = dataset(2000, 4, 1, xor);
    const te = dataset(1000, 4, 2, xor);
    const m = await new GradientBoostedTrees({ nEstimators: 60, seed: 1 }).fit(tr.x, tr.y);
    expect(accuracy(await m.predict(te.x), te.y)).toBeGreaterThan(0.95);
  });

  it('depth-wise growth with maxDepth 1 (stumps) cannot learn XOR, maxDepth 2 can', async () => {
    const tr = dataset(2000, 2, 3, xor);
    const te = dataset(1000, 2, 4, xor);
    const stumps = await new GradientBoostedTrees({ growth: 'depthwise', maxDepth: 1, nEstimators: 50, seed: 1 }).fit(tr.x, tr.y);
    const deep = await new GradientBoostedTrees({ growth: 'depthwise', maxDepth: 2, nEstimators: 50, seed: 1 }).fit(tr.x, tr.y);
    expect(accuracy(await stumps.predict(te.x), te.y)).toBeLessThan(0.7);
    expect(accuracy(await deep.predict(te.x), te.y)).toBeGreaterThan(0.9);
  });

  it('handles NaN: missing values carry signal and are routed by the learned default direction', async () => {
    // y = 1 exactly when feature 0 is missing or > 0.5; NaN-aware splits get this right.
    const make = (n: number, seed: number) => {
      const rng = new Rng(seed);
      const x = new Float32Array(n * 3);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const miss = rng.bernoulli(0.3);
        const v = rng.uniform(-1, 1);
        x[i * 3] = miss ? NaN : v;
        x[i * 3 + 1] = rng.uniform(-1, 1);
        x[i * 3 + 2] = rng.bernoulli(0.1) ? NaN : rng.uniform(-1, 1);
        y[i] = miss || v > 0.5 ? 1 : 0;
      }
      return { x: tabular(x, n, 3), y };
    };
    const tr = make(2000, 5);
    const te = make(1000, 6);
    const m = await new GradientBoostedTrees({ nEstimators: 40, seed: 3 }).fit(tr.x, tr.y);
    const p = await m.predict(te.x);
    expect(accuracy(p, te.y)).toBeGreaterThan(0.98);
    // Every row with a missing feature 0 is predicted positive.
    for (let i = 0; i < te.y.length; i++) if (Number.isNaN(te.x.x[i * 3])) expect(p[i]).toBe(1);
    // A NaN never seen in training still gets a prediction.
    const q = await m.predictProba(tabular(Float32Array.from([0, NaN, NaN]), 1, 3));
    expect(Number.isFinite(q[1])).toBe(true);
  });

  it('training loss decreases monotonically (binary logloss, softmax, squared error)', async () => {
    const bin = dataset(1000, 5, 7, (r, rng) => ((r[0] as number) + 0.5 * (r[1] as number) + 0.3 * rng.normal() > 0 ? 1 : 0));
    const multi = dataset(1000, 5, 8, (r) => ((r[0] as number) < -0.3 ? 0 : (r[1] as number) < 0 ? 1 : 2));
    const reg = dataset(1000, 5, 9, (r, rng) => Math.sin(3 * (r[0] as number)) + (r[1] as number) ** 2 + 0.1 * rng.normal());
    for (const [task, data] of [
      ['classification', bin],
      ['classification', multi],
      ['regression', reg],
    ] as const) {
      const m = await new GradientBoostedTrees({ task, nEstimators: 40, seed: 1 }).fit(data.x, data.y);
      const loss = m.history.loss;
      expect(loss.length).toBe(40);
      for (let i = 1; i < loss.length; i++) expect(loss[i]).toBeLessThanOrEqual((loss[i - 1] as number) + 1e-12);
      expect(loss[39]).toBeLessThan(0.5 * (loss[0] as number));
    }
  });

  it('reports the exact training logloss (weighted and unweighted rows)', async () => {
    const data = dataset(1500, 4, 12, (r, rng) => ((r[0] as number) - 0.4 * (r[2] as number) + 0.5 * rng.normal() > 0.6 ? 1 : 0));
    const w = Float64Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? 2.5 : 1));
    for (const sampleWeight of [undefined, w]) {
      const m = await new GradientBoostedTrees({ nEstimators: 15, seed: 3 }).fit(data.x, data.y, sampleWeight ? { sampleWeight } : {});
      const p = await m.predictProba(data.x);
      let s = 0;
      let sw = 0;
      for (let i = 0; i < 1500; i++) {
        const wi = sampleWeight ? (sampleWeight[i] as number) : 1;
        const q = p[2 * i + 1] as number;
        s -= wi * (data.y[i] === 1 ? Math.log(q) : Math.log(1 - q));
        sw += wi;
      }
      expect(m.history.loss.at(-1) as number).toBeCloseTo(s / sw, 9);
    }
  });

  it('wide data (histogram larger than 16-bit slot indices) learns like narrow data', async () => {
    // 100 features × 256 slots × 3 > 65,536: the grower switches to 32-bit slot indices.
    const wide = dataset(400, 100, 13, (r) => ((r[37] as number) + (r[80] as number) > 0 ? 1 : 0));
    const m = await new GradientBoostedTrees({ nEstimators: 30, minSamplesLeaf: 5, seed: 1 }).fit(wide.x, wide.y);
    expect(accuracy(await m.predict(wide.x), wide.y)).toBeGreaterThan(0.95);
    const imp = m.featureImportance('gain');
    const top = [...imp.keys()].sort((a, b) => (imp[b] as number) - (imp[a] as number)).slice(0, 2);
    expect(top.sort((a, b) => a - b)).toEqual([37, 80]);
  });

  it('early stopping stops on a noisy problem and restores the best round', async () => {
    // Labels are pure noise: validation loss is best after very few rounds.
    const tr = dataset(600, 5, 10, (_r, rng) => (rng.bernoulli(0.5) ? 1 : 0));
    const va = dataset(400, 5, 11, (_r, rng) => (rng.bernoulli(0.5) ? 1 : 0));
    const epochs: number[] = [];
    const m = await new GradientBoostedTrees({ nEstimators: 500, learningRate: 0.3, minSamplesLeaf: 2, earlyStoppingRounds: 5, seed: 1 }).fit(tr.x, tr.y, {
      validation: { x: va.x, y: va.y },
      onEpoch: (e) => epochs.push(e.epoch),
    });
    const h = m.history;
    expect(h.valLoss.length).toBeLessThan(500);
    expect(h.valLoss.length).toBe(h.bestEpoch + 1 + 5);
    expect(epochs.length).toBe(h.valLoss.length);
    expect(m.nRounds).toBe(h.bestEpoch + 1);
    expect(Math.min(...h.valLoss)).toBe(h.valLoss[h.bestEpoch]);
    // The kept model is the best one: its validation loss equals the recorded best.
    const p = await m.predictProba(va.x);
    let ll = 0;
    for (let i = 0; i < va.y.length; i++) ll -= Math.log((p[2 * i + (va.y[i] as number)] as number)) / va.y.length;
    expect(ll).toBeCloseTo(h.valLoss[h.bestEpoch] as number, 4);
  });

  it('internal stratified validation fraction enables early stopping', async () => {
    const tr = dataset(800, 4, 12, (_r, rng) => (rng.bernoulli(0.3) ? 1 : 0));
    const m = await new GradientBoostedTrees({ nEstimators: 300, learningRate: 0.3, minSamplesLeaf: 2, validationFraction: 0.25, earlyStoppingRounds: 5, seed: 2 }).fit(tr.x, tr.y);
    expect(m.history.valLoss.length).toBeGreaterThan(0);
    expect(m.history.valLoss.length).toBeLessThan(300);
  });

  it("class weights ('balanced' or explicit) raise minority-class recall", async () => {
    // 5 % positives, overlapping classes: unweighted trees favour the majority.
    const label = (r: Float32Array, rng: Rng): number => ((r[0] as number) + (r[1] as number) + 0.6 * rng.normal() > 1.45 ? 1 : 0);
    const tr = dataset(3000, 4, 13, label);
    const te = dataset(3000, 4, 14, label);
    const opts = { nEstimators: 50, seed: 1 } as const;
    const plain = await new GradientBoostedTrees(opts).fit(tr.x, tr.y);
    const balanced = await new GradientBoostedTrees({ ...opts, classWeight: 'balanced' }).fit(tr.x, tr.y);
    const explicit = await new GradientBoostedTrees({ ...opts, classWeight: [1, 10] }).fit(tr.x, tr.y);
    const r0 = recallOf(await plain.predict(te.x), te.y, 1);
    expect(recallOf(await balanced.predict(te.x), te.y, 1)).toBeGreaterThan(r0 + 0.15);
    expect(recallOf(await explicit.predict(te.x), te.y, 1)).toBeGreaterThan(r0 + 0.15);
    // Sample weights do the same as class weights.
    const sw = Float64Array.from(tr.y, (v) => (v === 1 ? 10 : 1));
    const weighted = await new GradientBoostedTrees(opts).fit(tr.x, tr.y, { sampleWeight: sw });
    expect(await weighted.predictProba(te.x)).toEqual(await explicit.predictProba(te.x));
  });

  it('feature importance ranks informative features above noise (gain and split count)', async () => {
    const tr = dataset(2000, 6, 15, (r, rng) => (2 * (r[3] as number) + (r[1] as number) + 0.3 * rng.normal() > 0 ? 1 : 0));
    const m = await new GradientBoostedTrees({ nEstimators: 50, seed: 1 }).fit(tr.x, tr.y);
    const gain = m.featureImportance('gain');
    const split = m.featureImportance('split');
    expect(gain.length).toBe(6);
    for (const noise of [0, 2, 4, 5]) {
      expect(gain[3]).toBeGreaterThan(5 * (gain[noise] as number));
      expect(gain[1]).toBeGreaterThan(2 * (gain[noise] as number));
    }
    expect(gain[3]).toBeGreaterThan(gain[1] as number);
    expect(split[3]).toBeGreaterThan(split[0] as number);
  });

  it('growth limits hold in every tree: maxLeaves, maxDepth, minSamplesLeaf, minSplitGain', async () => {
    const tr = dataset(1500, 5, 22, (r, rng) => (Math.sin(4 * (r[0] as number)) + (r[1] as number) * (r[2] as number) + 0.2 * rng.normal() > 0 ? 1 : 0));
    const shape = (m: GradientBoostedTrees): { leaves: number; depth: number }[] =>
      m.toJSON().trees.map((t) => {
        const depthOf = (k: number): number => ((t.feature[k] as number) < 0 ? 0 : 1 + Math.max(depthOf(t.left[k] as number), depthOf(t.right[k] as number)));
        return { leaves: t.feature.filter((f) => f < 0).length, depth: depthOf(0) };
      });
    const leafwise = await new GradientBoostedTrees({ nEstimators: 10, maxLeaves: 5, minSamplesLeaf: 1, seed: 1 }).fit(tr.x, tr.y);
    for (const t of shape(leafwise)) expect(t.leaves).toBe(5);
    const depthwise = await new GradientBoostedTrees({ nEstimators: 10, growth: 'depthwise', maxDepth: 3, minSamplesLeaf: 1, seed: 1 }).fit(tr.x, tr.y);
    const dShape = shape(depthwise);
    for (const t of dShape) expect(t.depth).toBeLessThanOrEqual(3);
    expect(Math.max(...dShape.map((t) => t.depth))).toBe(3);
    // minSamplesLeaf: every leaf of the first tree holds at least that many training rows.
    const big = await new GradientBoostedTrees({ nEstimators: 1, maxLeaves: 64, minSamplesLeaf: 200, learningRate: 1, seed: 1 }).fit(tr.x, tr.y);
    const raw = big.predictRaw(tr.x);
    const counts = new Map<number, number>();
    for (const v of raw) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(counts.size).toBeGreaterThan(1);
    for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(200);
    // minSplitGain: a huge threshold leaves only root leaves; a moderate one prunes splits.
    const none = await new GradientBoostedTrees({ nEstimators: 3, minSplitGain: 1e6, seed: 1 }).fit(tr.x, tr.y);
    for (const t of shape(none)) expect(t.leaves).toBe(1);
    const all = await new GradientBoostedTrees({ nEstimators: 10, minSamplesLeaf: 1, seed: 1 }).fit(tr.x, tr.y);
    const pruned = await new GradientBoostedTrees({ nEstimators: 10, minSamplesLeaf: 1, minSplitGain: 2, seed: 1 }).fit(tr.x, tr.y);
    const total = (m: GradientBoostedTrees): number => m.featureImportance('split').reduce((a, b) => a + b, 0);
    expect(total(pruned)).toBeLessThan(total(all));
  });

  it('row and column subsampling are seeded: same seed same model, other seed other model', async () => {
    const tr = dataset(1000, 6, 16, (r) => ((r[0] as number) * (r[1] as number) > 0 ? 1 : 0));
    const o = { nEstimators: 20, subsample: 0.7, colsampleByTree: 0.5 };
    const a = await new GradientBoostedTrees({ ...o, seed: 1 }).fit(tr.x, tr.y);
    const b = await new GradientBoostedTrees({ ...o, seed: 1 }).fit(tr.x, tr.y);
    const c = await new GradientBoostedTrees({ ...o, seed: 2 }).fit(tr.x, tr.y);
    expect(await b.predictProba(tr.x)).toEqual(await a.predictProba(tr.x));
    expect(await c.predictProba(tr.x)).not.toEqual(await a.predictProba(tr.x));
  });

  it('bags: the raw score is the mean of the boosters with seeds seed, seed + 1, …; it round-trips through save/load', async () => {
    const tr = dataset(800, 5, 21, (r, rng) => ((r[0] as number) + 0.5 * (r[1] as number) + 0.3 * rng.normal() > 0 ? 1 : 0));
    const o = { nEstimators: 15, subsample: 0.7, colsampleByTree: 0.6, seed: 5 };
    const bagged = await new GradientBoostedTrees({ ...o, bags: 3 }).fit(tr.x, tr.y);
    const single = await Promise.all([5, 6, 7].map((seed) => new GradientBoostedTrees({ ...o, seed }).fit(tr.x, tr.y)));
    const raw = bagged.predictRaw(tr.x);
    const parts = single.map((m) => m.predictRaw(tr.x));
    for (let i = 0; i < tr.y.length; i++) {
      const mean = ((parts[0]![i] as number) + (parts[1]![i] as number) + (parts[2]![i] as number)) / 3;
      expect(raw[i] as number).toBeCloseTo(mean, 10);
    }
    expect(bagged.nRounds).toBe(single.reduce((a, m) => a + m.nRounds, 0));
    // bags: 1 is the plain booster, bit for bit.
    const one = await new GradientBoostedTrees({ ...o, bags: 1 }).fit(tr.x, tr.y);
    expect(one.predictRaw(tr.x)).toEqual(parts[0]);
    expect(one.toJSON().options).not.toHaveProperty('bags');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sf-gbdt-bags-'));
    try {
      await bagged.save(dir);
      const back = await loadGradientBoostedTrees(dir);
      expect(back.options.bags).toBe(3);
      expect(back.predictRaw(tr.x)).toEqual(raw);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => new GradientBoostedTrees({ bags: 0 })).toThrow(/'bags'.*integer in \[1, 100\].*0/);
  });

  it('average: one model whose raw score is the mean of the models (different data, base scores and round counts)', async () => {
    const a = dataset(600, 4, 31, (r) => ((r[0] as number) > 0.2 ? 1 : 0));
    const b = dataset(600, 4, 32, (r) => ((r[0] as number) > -0.2 ? 1 : 0));
    const ma = await new GradientBoostedTrees({ nEstimators: 12, seed: 1 }).fit(a.x, a.y);
    const mb = await new GradientBoostedTrees({ nEstimators: 7, seed: 2 }).fit(b.x, b.y);
    const avg = GradientBoostedTrees.average([ma, mb]);
    const ra = ma.predictRaw(a.x);
    const rb = mb.predictRaw(a.x);
    const r = avg.predictRaw(a.x);
    for (let i = 0; i < a.y.length; i++) expect(r[i] as number).toBeCloseTo(((ra[i] as number) + (rb[i] as number)) / 2, 10);
    expect(avg.nRounds).toBe(19);
    expect(GradientBoostedTrees.average([ma]).predictRaw(a.x)).toEqual(ra);
    expect(() => GradientBoostedTrees.average([])).toThrow(ConfigError);
    expect(() => GradientBoostedTrees.average([new GradientBoostedTrees()])).toThrow(NotFittedError);
  });

  it('multiclass softmax and regression learn their targets', async () => {
    const lab = (r: Float32Array): number => ((r[0] as number) < -0.3 ? 0 : (r[1] as number) < 0 ? 1 : 2);
    const tr = dataset(1500, 4, 17, lab);
    const te = dataset(500, 4, 18, lab);
    const m = await new GradientBoostedTrees({ nEstimators: 40, seed: 1 }).fit(tr.x, tr.y);
    expect(m.task).toBe('multiclass');
    expect(accuracy(await m.predict(te.x), te.y)).toBeGreaterThan(0.95);

    const f = (r: Float32Array): number => 3 * (r[0] as number) - 2 * (r[1] as number) ** 2;
    const rtr = dataset(1500, 4, 19, f);
    const rte = dataset(500, 4, 20, f);
    const r = await new GradientBoostedTrees({ task: 'regression', nEstimators: 100, seed: 1 }).fit(rtr.x, rtr.y);
    const p = await r.predict(rte.x);
    let mse = 0;
    let v = 0;
    let mean = 0;
    for (const t of rte.y) mean += t / rte.y.length;
    for (let i = 0; i < p.length; i++) {
      mse += ((p[i] as number) - (rte.y[i] as number)) ** 2;
      v += ((rte.y[i] as number) - mean) ** 2;
    }
    expect(mse / v).toBeLessThan(0.05);
  });

  it('rejects bad options with messages naming the option, range and value', () => {
    expect(() => new GradientBoostedTrees({ learningRate: 2 })).toThrow(/'learningRate'.*\(0, 1\].*2/);
    expect(() => new GradientBoostedTrees({ maxBins: 300 })).toThrow(/'maxBins'.*integer in \[2, 255\].*300/);
    expect(() => new GradientBoostedTrees({ mxLeaves: 3 } as never)).toThrow(/Did you mean 'maxLeaves'/);
    const e = (() => {
      try {
        new GradientBoostedTrees({ subsample: 0 });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).details).toMatchObject({ option: 'subsample', value: 0 });
  });

  it('rejects bad data and unfitted use', async () => {
    const m = new GradientBoostedTrees();
    expect(() => m.featureImportance()).toThrow(NotFittedError);
    const x = tabular(new Float32Array(8), 4, 2);
    await expect(m.fit(x, Float64Array.from([0, 1, 0.5, 1]))).rejects.toThrow(DataError);
    await expect(m.fit(x, Float64Array.from([0, 1]))).rejects.toThrow(DataError);
    await m.fit(x, Float64Array.from([0, 1, 0, 1]));
    await expect(m.predict(tabular(new Float32Array(3), 1, 3))).rejects.toThrow(/expected 2 features/);
  });

  it('save/load round-trips exactly, including +Infinity thresholds, and rejects other formats', async () => {
    // Feature with missing values: "all non-missing left" splits have an infinite raw threshold.
    const n = 500;
    const rng = new Rng(21);
    const x = new Float32Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const miss = rng.bernoulli(0.4);
      x[i * 2] = miss ? NaN : rng.uniform(0, 1);
      x[i * 2 + 1] = rng.uniform(0, 1);
      y[i] = miss ? 1 : 0;
    }
    const m = await new GradientBoostedTrees({ nEstimators: 5, seed: 1 }).fit(tabular(x, n, 2), y);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sf-gbdt-'));
    try {
      await m.save(dir);
      const text = await readFile(path.join(dir, 'model.json'), 'utf8');
      expect(text).toContain('null');
      const loaded = await loadGradientBoostedTrees(dir);
      expect(await loaded.predictProba(tabular(x, n, 2))).toEqual(await m.predictProba(tabular(x, n, 2)));
      expect(loaded.featureImportance()).toEqual(m.featureImportance());
      const json = JSON.parse(text) as Record<string, unknown>;
      await writeFile(path.join(dir, 'model.json'), JSON.stringify({ ...json, formatVersion: 99 }));
      await expect(loadGradientBoostedTrees(dir)).rejects.toThrow(ModelFormatError);
      await writeFile(path.join(dir, 'model.json'), '{not json');
      await expect(loadGradientBoostedTrees(dir)).rejects.toThrow(ModelFormatError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
