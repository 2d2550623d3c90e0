// Failure prediction on AI4I 2020 (issue 3 §6): stratified 80/20 split with seed 42, 5-fold CV.
// Bounds as table rows [model, dataset, metric, bound]; measured values in the comments
// (2-core machine, 2026-11-28, `shopfloor train … --model gbdt --seed 42`). The targets: F1 ≥ 0.85 split, ≥ 0.78 CV, ROC-AUC ≥ 0.97.
import { describe, expect, it } from 'vitest';
import { loadAi4i } from '../../src/io/datasets/index.js';
import { trainFailureModel } from '../../src/tasks/maintenance/failure.js';
import { dataPath, hasData } from './datasets.js';

// gbdt defaults (src/tasks/maintenance/candidates.ts: 15 leaves, lr 0.05, early stopping on
// validation logloss, fitted as a 5-fold cross-fit — the average of 5 boosters, each early-stopped on
// its own fold, threshold tuned on the out-of-fold probabilities) were chosen by 5-fold CV on the
// training part only, among 21 settings; the split is scored once.
const BOUNDS: [string, string, string, number][] = [
  ['gbdt', 'ai4i2020', 'failure F1 (split)', 0.85], // measured 0.852 (52 TP, 2 FP, 16 FN): the target; one TP fewer would give 0.843
  ['gbdt', 'ai4i2020', 'failure F1 (5-fold CV mean)', 0.82], // measured 0.852 ± 0.028 (single fit: 0.830 ± 0.039)
  ['gbdt', 'ai4i2020', 'ROC-AUC (split)', 0.97], // measured 0.975: the target (single fit: 0.966)
  ['gbdt', 'ai4i2020', 'ROC-AUC (5-fold CV mean)', 0.975], // measured 0.983 ± 0.004 (single fit: 0.979)
];

describe.skipIf(!hasData('ai4i2020/ai4i2020.csv'))('failure prediction on AI4I 2020', () => {
  it('gbdt meets its bounds, with the failure-mode flags excluded by the leakage guard', async () => {
    const table = await loadAi4i(dataPath('ai4i2020/ai4i2020.csv'));
    const r = await trainFailureModel(table, 'ai4i2020.csv', { target: 'Machine failure', model: 'gbdt', seed: 42, cvFolds: 5, importanceRepeats: 1 });
    expect(r.leakage.filter((l) => l.excluded).map((l) => l.column).sort()).toEqual(['HDF', 'OSF', 'PWF', 'RNF', 'TWF']);
    expect(r.features.map((f) => f.name)).toEqual(['Type', 'Air temperature', 'Process temperature', 'Rotational speed', 'Torque', 'Tool wear']);
    expect(r.split.test).toBe(2000);
    const measured: Record<string, number> = {
      'failure F1 (split)': r.test.perClass[1]!.f1,
      'failure F1 (5-fold CV mean)': r.cv!.f1.mean,
      'ROC-AUC (split)': r.test.rocAuc!,
      'ROC-AUC (5-fold CV mean)': r.cv!.rocAuc.mean,
    };
    for (const [model, dataset, metric, bound] of BOUNDS) {
      expect(measured[metric], `${model} ${dataset} ${metric}`).toBeGreaterThanOrEqual(bound);
    }
    // Accuracy is reported but is not the measure: the majority answer is already 96.6 %.
    expect(r.baseline.majorityAccuracy).toBeCloseTo(0.966, 3);
  }, 300_000);
});
