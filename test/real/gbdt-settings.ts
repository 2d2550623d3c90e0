/**
 * GBDT settings shared by the benchmark (bench/gbdt.bench.ts) and the real-data test
 * (test/real/gbdt.real.test.ts), so that the test holds bounds for exactly the configuration the
 * benchmark compares with XGBoost and scikit-learn (as ai4i-features.ts does for the inputs), and
 * the protocol's test-side F1 at a fixed threshold.
 */
import type { GradientBoostedTreesOptions } from '../../src/models/trees/index.js';

/** Seed of every split and model in the AI4I GBDT protocol (issue 3). */
export const GBDT_SEED = 42;

/** Our quality configuration: leaf-wise trees, shrinkage 0.1, early stopping on the validation part. */
export const GBDT_QUALITY: GradientBoostedTreesOptions = Object.freeze({
  nEstimators: 1000,
  learningRate: 0.1,
  maxLeaves: 31,
  minSamplesLeaf: 5,
  earlyStoppingRounds: 50,
  seed: GBDT_SEED,
});

/**
 * XGBoost's default tree configuration in our options, for a like-for-like timing against
 * `XGBClassifier(tree_method='hist')`: 100 rounds, depth-wise trees of depth ≤ 6, shrinkage 0.3,
 * min_child_weight 1, λ = 1, no minimum leaf size, 255 bins + 1 missing bin (XGBoost: max_bin 256).
 */
export const GBDT_AS_XGB_DEFAULT: GradientBoostedTreesOptions = Object.freeze({
  nEstimators: 100,
  learningRate: 0.3,
  growth: 'depthwise',
  maxDepth: 6,
  minChildWeight: 1,
  minSamplesLeaf: 1,
  lambda: 1,
  seed: GBDT_SEED,
});

/**
 * Failure-class F1 (with precision and recall) of scores `s` cut at `t` (score ≥ t = failure) against
 * labels `y` (1 = failure): the protocol's test metric, at the threshold chosen on validation data.
 */
export function f1At(y: ArrayLike<number>, s: ArrayLike<number>, t: number): { f1: number; precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const p = (s[i] as number) >= t;
    if (p && y[i] === 1) tp++;
    else if (p) fp++;
    else if (y[i] === 1) fn++;
  }
  return { f1: (2 * tp) / (2 * tp + fp + fn), precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn) };
}
