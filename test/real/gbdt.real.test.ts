/**
 * GBDT on AI4I 2020 (../shared/data/DATASETS.md §1) with the issue-3 protocol: drop UDI, Product ID and
 * the five failure-mode flags; Type as ordinal; stratified 80/20 split (seed 42); inside the 80 % a
 * stratified 80/20 fit/validation split (seed 42) for early stopping and the F1 threshold (never the
 * test rows); 5-fold stratified CV (seed 42) with the same inner protocol.
 *
 * Two feature sets: `raw` (Type + the five sensor columns) and `raw+physics` (plus power τ·ω, process −
 * air temperature and tool wear × torque, the quantities AI4I's failure rules are written in).
 * Bounds are table rows [model, dataset, metric, bound]; each comment gives the value measured with
 * this code (bench/gbdt.bench.ts prints the same numbers next to XGBoost and scikit-learn).
 */
import { describe, expect, it } from 'vitest';
import { loadAi4i } from '../../src/io/datasets/ai4i.js';
import { tabular } from '../../src/models/estimator.js';
import { GradientBoostedTrees, type GradientBoostedTreesOptions } from '../../src/models/trees/index.js';
import { stratifiedKFold, stratifiedSplit } from '../../src/preprocess/splits.js';
import { bestF1Threshold } from '../../src/evaluation/metrics.js';
import { ai4iFeatureSets, type Ai4iFeatureSet, type Ai4iFeatureSetName } from './ai4i-features.js';
import { dataPath, hasData } from './datasets.js';
import { f1At, GBDT_QUALITY } from './gbdt-settings.js';

const FILE = 'ai4i2020/ai4i2020.csv';
// The benchmark's quality configuration (bench/gbdt.bench.ts compares exactly this with XGBoost).
const OPTIONS: GradientBoostedTreesOptions = GBDT_QUALITY;

type FeatureSet = Ai4iFeatureSetName;

async function features(set: FeatureSet): Promise<{ x: Float32Array; d: number; y: Float64Array }> {
  const { y, sets } = ai4iFeatureSets(await loadAi4i(dataPath(FILE)));
  const fs = sets.find((s) => s.name === set) as Ai4iFeatureSet;
  return { x: fs.x, d: fs.d, y };
}

function rocAuc(y: Float64Array, s: Float64Array): number {
  const o = Array.from(s.keys()).sort((a, b) => (s[a] as number) - (s[b] as number));
  let rank = 0;
  let pos = 0;
  for (let i = 0; i < o.length; ) {
    let j = i;
    while (j + 1 < o.length && s[o[j + 1] as number] === s[o[i] as number]) j++;
    for (let k = i; k <= j; k++) {
      if (y[o[k] as number] === 1) {
        rank += (i + j) / 2 + 1;
        pos++;
      }
    }
    i = j + 1;
  }
  return (rank - (pos * (pos + 1)) / 2) / (pos * (y.length - pos));
}

/** Train on `train` (early stopping + threshold on an inner validation part), score `test`. */
async function evaluate(data: { x: Float32Array; d: number; y: Float64Array }, train: Int32Array, test: Int32Array): Promise<{ f1: number; auc: number }> {
  const { x, d, y } = data;
  const inner = stratifiedSplit(Float64Array.from(train, (i) => y[i] as number), { testFraction: 0.2, seed: 42 });
  const pick = (idx: ArrayLike<number>) => {
    const rows = Array.from(idx);
    const xs = new Float32Array(rows.length * d);
    rows.forEach((r, i) => xs.set(x.subarray(r * d, r * d + d), i * d));
    return { x: tabular(xs, rows.length, d), y: Float64Array.from(rows, (r) => y[r] as number) };
  };
  const fit = pick(Array.from(inner.train, (i) => train[i] as number));
  const val = pick(Array.from(inner.test, (i) => train[i] as number));
  const te = pick(test);
  const m = await new GradientBoostedTrees(OPTIONS).fit(fit.x, fit.y, { validation: val });
  const p1 = (p: Float64Array) => Float64Array.from({ length: p.length / 2 }, (_, i) => p[2 * i + 1] as number);
  const { threshold } = bestF1Threshold(val.y, p1(await m.predictProba(val.x)));
  const pt = p1(await m.predictProba(te.x));
  return { f1: f1At(te.y, pt, threshold).f1, auc: rocAuc(te.y, pt) };
}

type Metric = 'failure-F1 split' | 'ROC-AUC split' | 'failure-F1 5-fold CV mean';

// [model, dataset, metric, bound] — measured values (this code, seed 42) in the comments.
const BOUNDS: [string, string, Metric, number][] = [
  ['gbdt', 'ai4i2020 raw+physics', 'failure-F1 split', 0.85], // measured 0.875 (XGBoost 0.878, sklearn HGB 0.873)
  ['gbdt', 'ai4i2020 raw+physics', 'ROC-AUC split', 0.97], // measured 0.976 (XGBoost 0.975)
  ['gbdt', 'ai4i2020 raw+physics', 'failure-F1 5-fold CV mean', 0.8], // measured 0.838 ± 0.043 (XGBoost 0.836 ± 0.025; 0.840 before the e^score update, one CV-fold prediction flipped)
  ['gbdt', 'ai4i2020 raw', 'failure-F1 split', 0.75], // measured 0.783 (XGBoost 0.758, sklearn HGB 0.723)
  ['gbdt', 'ai4i2020 raw', 'ROC-AUC split', 0.955], // measured 0.963 (XGBoost 0.965)
  ['gbdt', 'ai4i2020 raw', 'failure-F1 5-fold CV mean', 0.72], // measured 0.743 ± 0.042 (XGBoost 0.748 ± 0.042)
];

describe.skipIf(!hasData(FILE))('gbdt on AI4I 2020 (real data)', () => {
  const cache = new Map<string, Promise<Record<Metric, number>>>();
  const measure = (set: FeatureSet): Promise<Record<Metric, number>> => {
    let p = cache.get(set);
    if (!p) {
      p = (async () => {
        const data = await features(set);
        const split = stratifiedSplit(data.y, { testFraction: 0.2, seed: 42 });
        const s = await evaluate(data, split.train, split.test);
        let cv = 0;
        const folds = stratifiedKFold(data.y, { k: 5, seed: 42 });
        for (const f of folds) cv += (await evaluate(data, f.train, f.test)).f1 / folds.length;
        return { 'failure-F1 split': s.f1, 'ROC-AUC split': s.auc, 'failure-F1 5-fold CV mean': cv };
      })();
      cache.set(set, p);
    }
    return p;
  };

  it.each(BOUNDS)('[%s, %s, %s, ≥ %s]', async (_model, dataset, metric, bound) => {
    const set: FeatureSet = dataset.endsWith('raw+physics') ? 'raw+physics' : 'raw';
    const value = (await measure(set))[metric];
    expect(value).toBeGreaterThanOrEqual(bound);
  });
});
