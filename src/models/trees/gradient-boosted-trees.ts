/**
 * Histogram gradient-boosted decision trees, written in TypeScript.
 *
 * The algorithm is second-order gradient boosting (Friedman 2001; Chen & Guestrin 2016, "XGBoost: A
 * Scalable Tree Boosting System", KDD) on quantile-binned features with histogram split finding,
 * histogram subtraction and leaf-wise growth (Ke et al. 2017, "LightGBM: A Highly Efficient Gradient
 * Boosting Decision Tree", NeurIPS). Objectives: binary logloss, multiclass softmax, squared error.
 *
 * Data layout: features are binned once into a column-major Uint8Array; gradients, hessians and scores
 * are Float64Arrays; no object is allocated per row.
 */
import { rename, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { closest } from '../../core/text.js';
import {
  registerEstimator,
  sampleSize,
  type Estimator,
  type FitHistory,
  type FitOptions,
  type Samples,
  type TaskKind,
} from '../estimator.js';
import { binMatrix, fitBinMapper, MAX_BINS } from './binning.js';
import { predictBinnedRow, TreeGrower, type GrowerParams, type Tree } from './grower.js';

/** Version of the saved `model.json`; bump on any incompatible change. */
export const GBDT_FORMAT_VERSION = 1;
/** File name `save` writes into the model directory. */
export const GBDT_MODEL_FILE = 'model.json';

/**
 * Options of {@link GradientBoostedTrees}. Every option is validated in the constructor; an invalid or
 * unknown option throws ConfigError naming the option, the allowed range and the value given.
 */
export interface GradientBoostedTreesOptions {
  /** 'classification' (binary logloss for 2 classes, softmax above) or 'regression' (squared error). Default 'classification'. */
  readonly task?: 'classification' | 'regression';
  /** Number of classes; default: max(y) + 1 at fit (at least 2). Integer in [2, 1000]. */
  readonly nClasses?: number;
  /** Maximum boosting rounds (one tree per class per round). Integer in [1, 100000]. Default 100. */
  readonly nEstimators?: number;
  /** Shrinkage applied to every leaf. In (0, 1]. Default 0.1. */
  readonly learningRate?: number;
  /** 'leafwise' (best-first, LightGBM) or 'depthwise' (level by level, XGBoost). Default 'leafwise'. */
  readonly growth?: 'leafwise' | 'depthwise';
  /** Maximum leaves per tree. Integer in [2, 65536]. Default 31 (leafwise), 2^maxDepth (depthwise). */
  readonly maxLeaves?: number;
  /** Maximum depth (root has depth 0). Integer in [1, 64]. Default: none (leafwise), 6 (depthwise). */
  readonly maxDepth?: number;
  /** Non-missing bins per feature; missing values get one more. Integer in [2, 255]. Default 255. */
  readonly maxBins?: number;
  /** L2 regularisation λ on leaf weights. In [0, 1e6]. Default 1. */
  readonly lambda?: number;
  /** Minimum hessian sum in a child. In [0, 1e9]. Default 1e-3. */
  readonly minChildWeight?: number;
  /** Minimum samples in a leaf. Integer in [1, 1e9]. Default 20. */
  readonly minSamplesLeaf?: number;
  /** Minimum loss reduction to make a split (XGBoost's γ). In [0, 1e9]. Default 0. */
  readonly minSplitGain?: number;
  /** Fraction of rows drawn (without replacement, seeded) for each round. In (0, 1]. Default 1. */
  readonly subsample?: number;
  /** Fraction of features drawn (seeded) for each tree. In (0, 1]. Default 1. */
  readonly colsampleByTree?: number;
  /**
   * Stop when the validation loss has not improved for this many rounds, and keep the best round.
   * Needs validation data (FitOptions.validation or validationFraction > 0). Integer in [1, 100000]. Default 10.
   */
  readonly earlyStoppingRounds?: number;
  /**
   * Fraction of the training rows held out (stratified for classification, seeded) for early stopping
   * when `fit` gets no `validation`. In [0, 0.5]. Default 0 (no internal validation).
   */
  readonly validationFraction?: number;
  /**
   * Class weights: 'balanced' (n / (k · n_class), as scikit-learn) or one positive weight per class.
   * Multiplied with FitOptions.sampleWeight. Classification only. Default: none.
   */
  readonly classWeight?: 'balanced' | readonly number[];
  /** Seed of every random choice (binning sample, subsampling, validation split). Default 0. */
  readonly seed?: number;
  /**
   * Bagging: train this many boosters with seeds `seed, seed + 1, …` (each with its own row / column
   * subsampling, internal validation split and early stopping) and average their raw scores (the
   * model is their union with every leaf value divided by `bags`). Diversity comes from `subsample`,
   * `colsampleByTree` or `validationFraction`; `bags: 1` is the plain booster. Integer in [1, 100]. Default 1.
   */
  readonly bags?: number;
}

type Resolved = Required<Omit<GradientBoostedTreesOptions, 'nClasses' | 'classWeight' | 'maxDepth' | 'maxLeaves'>> & {
  readonly nClasses: number | null;
  readonly classWeight: 'balanced' | readonly number[] | null;
  readonly maxDepth: number | null;
  readonly maxLeaves: number | null;
};

const DEFAULTS: Resolved = {
  task: 'classification',
  nClasses: null,
  nEstimators: 100,
  learningRate: 0.1,
  growth: 'leafwise',
  maxLeaves: null,
  maxDepth: null,
  maxBins: MAX_BINS,
  lambda: 1,
  minChildWeight: 1e-3,
  minSamplesLeaf: 20,
  minSplitGain: 0,
  subsample: 1,
  colsampleByTree: 1,
  earlyStoppingRounds: 10,
  validationFraction: 0,
  classWeight: null,
  seed: 0,
  bags: 1,
};

const OPTION_NAMES = Object.keys(DEFAULTS);

interface Range {
  min: number;
  max: number;
  minExclusive?: boolean;
  integer?: boolean;
}

function checkNumber(option: string, value: unknown, r: Range): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (r.minExclusive ? value > r.min : value >= r.min) &&
    value <= r.max &&
    (!r.integer || Number.isInteger(value));
  if (!ok) {
    const range = `${r.minExclusive ? '(' : '['}${r.min}, ${r.max}]`;
    throw new ConfigError(
      `GradientBoostedTrees option '${option}': expected ${r.integer ? 'an integer' : 'a number'} in ${range}; got ${JSON.stringify(value) ?? String(value)}.`,
      { option, value: typeof value === 'number' && !Number.isFinite(value) ? String(value) : value, min: r.min, max: r.max, integer: r.integer ?? false },
    );
  }
  return value as number;
}

function checkChoice<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(
    `GradientBoostedTrees option '${option}': expected one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(value) ?? String(value)}.`,
    { option, value, allowed: [...allowed] },
  );
}

function resolveOptions(o: GradientBoostedTreesOptions): Resolved {
  if (o === null || typeof o !== 'object') {
    throw new ConfigError(`GradientBoostedTrees options: expected an object; got ${String(o)}.`, { value: String(o) });
  }
  for (const key of Object.keys(o)) {
    if (!OPTION_NAMES.includes(key)) {
      const hint = closest(key, OPTION_NAMES);
      throw new ConfigError(
        `GradientBoostedTrees: unknown option '${key}'.${hint ? ` Did you mean '${hint}'?` : ''} Known options: ${OPTION_NAMES.join(', ')}.`,
        { option: key, known: OPTION_NAMES },
      );
    }
  }
  const task = checkChoice('task', o.task ?? DEFAULTS.task, ['classification', 'regression'] as const);
  const growth = checkChoice('growth', o.growth ?? DEFAULTS.growth, ['leafwise', 'depthwise'] as const);
  const nClasses = o.nClasses === undefined ? null : checkNumber('nClasses', o.nClasses, { min: 2, max: 1000, integer: true });
  let classWeight: Resolved['classWeight'] = null;
  if (o.classWeight !== undefined) {
    if (task === 'regression') {
      throw new ConfigError(`GradientBoostedTrees option 'classWeight': only for task 'classification'; got task 'regression'. Use FitOptions.sampleWeight instead.`, {
        option: 'classWeight',
      });
    }
    if (o.classWeight === 'balanced') classWeight = 'balanced';
    else if (Array.isArray(o.classWeight) && o.classWeight.length >= 2) {
      o.classWeight.forEach((w, i) => checkNumber(`classWeight[${i}]`, w, { min: 0, max: 1e12, minExclusive: true }));
      if (nClasses !== null && o.classWeight.length !== nClasses) {
        throw new ConfigError(`GradientBoostedTrees option 'classWeight': expected ${nClasses} weights (nClasses); got ${o.classWeight.length}.`, {
          option: 'classWeight',
          value: [...o.classWeight],
        });
      }
      classWeight = [...(o.classWeight as readonly number[])];
    } else {
      throw new ConfigError(
        `GradientBoostedTrees option 'classWeight': expected 'balanced' or an array of at least 2 positive weights; got ${JSON.stringify(o.classWeight) ?? String(o.classWeight)}.`,
        { option: 'classWeight', value: o.classWeight as unknown },
      );
    }
  }
  return {
    task,
    nClasses,
    nEstimators: checkNumber('nEstimators', o.nEstimators ?? DEFAULTS.nEstimators, { min: 1, max: 100_000, integer: true }),
    learningRate: checkNumber('learningRate', o.learningRate ?? DEFAULTS.learningRate, { min: 0, max: 1, minExclusive: true }),
    growth,
    maxLeaves: o.maxLeaves === undefined ? null : checkNumber('maxLeaves', o.maxLeaves, { min: 2, max: 65_536, integer: true }),
    maxDepth: o.maxDepth === undefined ? null : checkNumber('maxDepth', o.maxDepth, { min: 1, max: 64, integer: true }),
    maxBins: checkNumber('maxBins', o.maxBins ?? DEFAULTS.maxBins, { min: 2, max: MAX_BINS, integer: true }),
    lambda: checkNumber('lambda', o.lambda ?? DEFAULTS.lambda, { min: 0, max: 1e6 }),
    minChildWeight: checkNumber('minChildWeight', o.minChildWeight ?? DEFAULTS.minChildWeight, { min: 0, max: 1e9 }),
    minSamplesLeaf: checkNumber('minSamplesLeaf', o.minSamplesLeaf ?? DEFAULTS.minSamplesLeaf, { min: 1, max: 1e9, integer: true }),
    minSplitGain: checkNumber('minSplitGain', o.minSplitGain ?? DEFAULTS.minSplitGain, { min: 0, max: 1e9 }),
    subsample: checkNumber('subsample', o.subsample ?? DEFAULTS.subsample, { min: 0, max: 1, minExclusive: true }),
    colsampleByTree: checkNumber('colsampleByTree', o.colsampleByTree ?? DEFAULTS.colsampleByTree, { min: 0, max: 1, minExclusive: true }),
    earlyStoppingRounds: checkNumber('earlyStoppingRounds', o.earlyStoppingRounds ?? DEFAULTS.earlyStoppingRounds, { min: 1, max: 100_000, integer: true }),
    validationFraction: checkNumber('validationFraction', o.validationFraction ?? DEFAULTS.validationFraction, { min: 0, max: 0.5 }),
    classWeight,
    seed: checkNumber('seed', o.seed ?? DEFAULTS.seed, { min: -(2 ** 53), max: 2 ** 53, integer: true }),
    bags: checkNumber('bags', o.bags ?? DEFAULTS.bags, { min: 1, max: 100, integer: true }),
  };
}

/**
 * All trees of a model in one set of flat arrays, for fast prediction on raw features. A node's right
 * child is always `left + 1` (the grower allocates children in pairs), so a node is just
 * (feature, left) in `info` plus one number in `thr`: the threshold, or the value for a leaf.
 */
interface Forest {
  readonly root: Int32Array;
  /** Per node: [feature (−1 for a leaf), left child]. */
  readonly info: Int32Array;
  /** Per node: threshold (inner node) or output value (leaf). */
  readonly thr: Float64Array;
  readonly defaultLeft: Uint8Array;
}

function flatten(trees: readonly Tree[]): Forest {
  let total = 0;
  for (const t of trees) total += t.feature.length;
  const f: Forest = {
    root: new Int32Array(trees.length),
    info: new Int32Array(2 * total),
    thr: new Float64Array(total),
    defaultLeft: new Uint8Array(total),
  };
  let o = 0;
  trees.forEach((t, i) => {
    f.root[i] = o;
    f.defaultLeft.set(t.defaultLeft, o);
    for (let k = 0; k < t.feature.length; k++) {
      const leaf = (t.feature[k] as number) < 0;
      f.info[2 * (o + k)] = leaf ? -1 : (t.feature[k] as number);
      f.info[2 * (o + k) + 1] = leaf ? -1 : (t.left[k] as number) + o;
      f.thr[o + k] = leaf ? (t.value[k] as number) : (t.threshold[k] as number);
    }
    o += t.feature.length;
  });
  return f;
}

interface State {
  readonly nFeatures: number;
  readonly nClasses: number;
  /** Score columns: 1 for binary and regression, nClasses for multiclass. */
  readonly nScores: number;
  readonly baseScore: Float64Array;
  /** Trees in round order; tree t belongs to score column t % nScores. */
  readonly trees: Tree[];
  readonly forest: Forest;
  readonly history: FitHistory;
}

/** Which kind of feature importance {@link GradientBoostedTrees.featureImportance} returns. */
export type ImportanceType = 'gain' | 'split';

/**
 * Histogram gradient-boosted trees (kind `'gbdt'`), implementing the shopfloor {@link Estimator} contract.
 *
 * Features are quantile-binned (≤ 255 bins, NaN in its own bin with a learned default direction);
 * trees grow leaf-wise or depth-wise on gradient/hessian histograms with the subtraction trick;
 * shrinkage, L2, minimum child weight / samples / gain, seeded row and column subsampling, early
 * stopping with best-round restore, class and sample weights.
 *
 * @throws ConfigError from the constructor for any invalid or unknown option.
 * @example
 * ```ts
 * const gbdt = new GradientBoostedTrees({ nEstimators: 300, learningRate: 0.05, classWeight: 'balanced', seed: 42 });
 * await gbdt.fit(tabular(x, n, d), y, { validation: { x: tabular(xv, nv, d), y: yv } });
 * const p = await gbdt.predictProba(tabular(xt, nt, d)); // n × 2, P(failure) in column 1
 * await gbdt.save(dir); const same = await loadEstimator(dir);
 * ```
 */
export class GradientBoostedTrees implements Estimator {
  readonly kind = 'gbdt';
  /** The validated options with defaults filled in (`null` = chosen at fit / by growth mode). */
  readonly options: Readonly<Resolved>;
  private state: State | null = null;

  constructor(options: GradientBoostedTreesOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
  }

  get task(): TaskKind {
    if (this.options.task === 'regression') return 'regression';
    const k = this.state?.nClasses ?? this.options.nClasses ?? 2;
    return k > 2 ? 'multiclass' : 'binary';
  }

  get nClasses(): number {
    if (this.options.task === 'regression') return 1;
    return this.state?.nClasses ?? this.options.nClasses ?? 2;
  }

  get history(): FitHistory {
    return this.state?.history ?? { loss: [], valLoss: [], bestEpoch: -1 };
  }

  /** Whether `fit` (or loading) has completed. */
  get isFitted(): boolean {
    return this.state !== null;
  }

  /** Number of boosting rounds kept (after early stopping; summed over the boosters when `bags` > 1). */
  get nRounds(): number {
    const s = this.fitted('nRounds');
    return s.trees.length / s.nScores;
  }

  private fitted(what: string): State {
    if (!this.state) throw new NotFittedError(`GradientBoostedTrees.${what}`);
    return this.state;
  }

  private growerParams(): GrowerParams {
    const o = this.options;
    const maxDepth = o.maxDepth ?? (o.growth === 'depthwise' ? 6 : Infinity);
    const maxLeaves = o.maxLeaves ?? (o.growth === 'depthwise' ? Math.min(65_536, 2 ** Math.min(maxDepth, 16)) : 31);
    return {
      growth: o.growth,
      maxLeaves,
      maxDepth,
      lambda: o.lambda,
      minChildWeight: o.minChildWeight,
      minSamplesLeaf: o.minSamplesLeaf,
      minSplitGain: o.minSplitGain,
      learningRate: o.learningRate,
    };
  }

  /**
   * Train. `y` holds class indices 0..k−1 (classification) or targets (regression). Inputs are not
   * mutated. Early stopping runs when `opts.validation` is given or `validationFraction > 0`.
   * @throws DataError (SF_DATA_TARGET / SF_DATA_SCHEMA) for unusable targets or shapes.
   */
  async fit(x: Samples, y: Float64Array, opts: FitOptions = {}): Promise<this> {
    if (this.options.bags > 1) return this.fitBagged(x, y, opts);
    const o = this.options;
    const d = sampleSize(x);
    const nAll = x.n;
    checkSamples(x, d, 'fit');
    if (y.length !== nAll) {
      throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: y has ${y.length} values for ${nAll} samples.`, { n: nAll, yLength: y.length });
    }
    if (nAll < 2) throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: need at least 2 samples; got ${nAll}.`, { n: nAll });
    const regression = o.task === 'regression';
    let K = 1;
    if (regression) {
      for (let i = 0; i < nAll; i++) {
        if (!Number.isFinite(y[i] as number)) {
          throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: target of sample ${i} is ${String(y[i])}; regression targets must be finite.`, { index: i });
        }
      }
    } else {
      let maxY = 0;
      for (let i = 0; i < nAll; i++) {
        const v = y[i] as number;
        if (!Number.isInteger(v) || v < 0) {
          throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: class of sample ${i} is ${String(v)}; expected an integer class index 0..k-1.`, { index: i, value: v });
        }
        if (v > maxY) maxY = v;
      }
      K = o.nClasses ?? Math.max(2, maxY + 1);
      if (maxY >= K) {
        throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: class index ${maxY} is out of range for nClasses = ${K}.`, { nClasses: K, maxClass: maxY });
      }
      if (Array.isArray(o.classWeight) && o.classWeight.length !== K) {
        throw new ConfigError(`GradientBoostedTrees option 'classWeight': expected ${K} weights (one per class); got ${o.classWeight.length}.`, {
          option: 'classWeight',
        });
      }
    }
    const S = !regression && K > 2 ? K : 1; // score columns
    if (opts.sampleWeight && opts.sampleWeight.length !== nAll) {
      throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: sampleWeight has ${opts.sampleWeight.length} values for ${nAll} samples.`, {
        n: nAll,
        weightLength: opts.sampleWeight.length,
      });
    }

    const rng = new Rng(o.seed);
    // --- training / validation rows
    let trainIdx: Int32Array | null = null;
    let xVal: Float32Array | null = null;
    let yVal: Float64Array | null = null;
    let nVal = 0;
    if (opts.validation) {
      const v = opts.validation;
      checkSamples(v.x, d, 'fit (validation)');
      if (v.y.length !== v.x.n) {
        throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: validation y has ${v.y.length} values for ${v.x.n} samples.`, {});
      }
      xVal = v.x.x;
      yVal = v.y;
      nVal = v.x.n;
    } else if (o.validationFraction > 0) {
      const split = holdOut(y, nAll, o.validationFraction, regression ? 0 : K, rng.fork(2));
      trainIdx = split.train;
      nVal = split.val.length;
      xVal = gatherRows(x.x, d, split.val);
      yVal = gatherValues(y, split.val);
    }
    const n = trainIdx ? trainIdx.length : nAll;
    const xTr = trainIdx ? gatherRows(x.x, d, trainIdx) : x.x;
    const yTr = trainIdx ? gatherValues(y, trainIdx) : y;
    if (!regression && yVal) {
      for (let i = 0; i < nVal; i++) {
        const v = yVal[i] as number;
        if (!Number.isInteger(v) || v < 0 || v >= K) {
          throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: validation class of sample ${i} is ${String(v)}; expected 0..${K - 1}.`, { index: i });
        }
      }
    }

    // --- weights: sample weight × class weight
    const w = new Float64Array(n);
    if (opts.sampleWeight) {
      const sw = opts.sampleWeight;
      for (let i = 0; i < n; i++) {
        const v = sw[trainIdx ? (trainIdx[i] as number) : i] as number;
        if (!(v >= 0) || !Number.isFinite(v)) {
          throw new DataError('SF_DATA_TARGET', `GradientBoostedTrees.fit: sampleWeight ${String(v)} is not a finite non-negative number.`, {});
        }
        w[i] = v;
      }
    } else w.fill(1);
    if (!regression && o.classWeight) {
      const cw = classWeights(o.classWeight, yTr, K);
      for (let i = 0; i < n; i++) w[i] = (w[i] as number) * (cw[yTr[i] as number] as number);
    }

    // --- binning
    const mapper = fitBinMapper(xTr, n, d, o.maxBins, rng.fork(1));
    const binned = binMatrix(mapper, xTr, n);
    const binnedVal = xVal ? binMatrix(mapper, xVal, nVal) : null;
    const grower = new TreeGrower(binned, n, mapper);
    const params = this.growerParams();

    // --- initial scores
    const base = baseScore(yTr, w, K, S, regression);
    const score = new Float64Array(n * S);
    for (let i = 0; i < n; i++) score.set(base, i * S);
    const scoreVal = new Float64Array(nVal * S);
    for (let i = 0; i < nVal; i++) scoreVal.set(base, i * S);
    // Binary logloss: e^score of every training row, kept up to date multiplicatively (one Math.exp
    // per leaf instead of one per row and round; see expUpdate).
    const expScore = !regression && S === 1 ? Float64Array.from(score, clampedExp) : null;

    // Per score column: gradient and hessian of every row, interleaved (gh[2r], gh[2r + 1]) so that the
    // histogram loop reads both from one cache line.
    const ghs: Float64Array[] = [];
    for (let k = 0; k < S; k++) ghs.push(new Float64Array(2 * n));
    const prob = new Float64Array(S);
    const allRows = new Int32Array(n);
    for (let i = 0; i < n; i++) allRows[i] = i;
    const rows = new Int32Array(n);
    const inSample = new Uint8Array(n);
    const sampleRng = rng.fork(3);
    const colRng = rng.fork(4);
    const nColsPerTree = Math.max(1, Math.round(o.colsampleByTree * d));
    const allFeatures = new Int32Array(d);
    for (let f = 0; f < d; f++) allFeatures[f] = f;

    const trees: Tree[] = [];
    const lossHist: number[] = [];
    const valHist: number[] = [];
    let best = -1;
    let bestVal = Infinity;
    const early = binnedVal !== null && nVal > 0;

    for (let round = 0; round < o.nEstimators; round++) {
      // Gradients and hessians of the loss at the current scores (Chen & Guestrin 2016, eq. 2–3).
      const prevLoss = computeGradients(score, expScore, yTr, w, n, S, regression, ghs, prob);
      if (round > 0) lossHist.push(prevLoss);
      // Row subsampling (seeded): a Bernoulli draw per row keeps the rows in order.
      let nRows = n;
      if (o.subsample < 1) {
        nRows = 0;
        for (let i = 0; i < n; i++) if (sampleRng.next() < o.subsample) rows[nRows++] = i;
        if (nRows < 2) {
          rows.set(allRows);
          nRows = n;
        }
      }
      for (let k = 0; k < S; k++) {
        const features = o.colsampleByTree < 1 ? sortedSample(colRng, d, nColsPerTree) : allFeatures;
        const rowView = rows.subarray(0, nRows);
        if (o.subsample >= 1) rowView.set(allRows);
        const tree = grower.grow(rowView, features, ghs[k] as Float64Array, params);
        trees.push(tree);
        // In-sample rows: add their leaf's value straight from the grower's partition.
        addLeafValues(grower.leafRanges, tree.value, rowView, score, expScore, S, k);
        if (nRows < n) {
          // Rows left out by subsampling walk the tree on their bins.
          inSample.fill(0);
          for (let q = 0; q < nRows; q++) inSample[rowView[q] as number] = 1;
          for (let i = 0; i < n; i++) {
            if (inSample[i]) continue;
            const v = predictBinnedRow(tree, binned, d, i, mapper.missingBin);
            score[i * S + k] = (score[i * S + k] as number) + v;
            if (expScore) expScore[i] = expUpdate(expScore[i] as number, Math.exp(v), score[i] as number);
          }
        }
        if (binnedVal) {
          for (let i = 0; i < nVal; i++) {
            scoreVal[i * S + k] = (scoreVal[i * S + k] as number) + predictBinnedRow(tree, binnedVal, d, i, mapper.missingBin);
          }
        }
      }
      let valLoss: number | undefined;
      if (early && yVal) {
        valLoss = meanLoss(scoreVal, yVal, null, nVal, S, regression, prob);
        valHist.push(valLoss);
      }
      if (opts.onEpoch) {
        // The callback wants this round's training loss now (otherwise it comes free with the next gradients).
        const loss = meanLoss(score, yTr, w, n, S, regression, prob);
        opts.onEpoch(valLoss === undefined ? { epoch: round, loss } : { epoch: round, loss, valLoss });
      }
      if (early && valLoss !== undefined) {
        if (valLoss < bestVal) {
          bestVal = valLoss;
          best = round;
        } else if (round - best >= o.earlyStoppingRounds) break;
      } else best = round;
    }
    lossHist.push(meanLoss(score, yTr, w, n, S, regression, prob));
    // Best-iteration restore: drop the rounds after the best validation loss.
    trees.length = (best + 1) * S;
    this.state = {
      nFeatures: d,
      nClasses: regression ? 1 : K,
      nScores: S,
      baseScore: base,
      trees,
      forest: flatten(trees),
      history: { loss: lossHist, valLoss: valHist, bestEpoch: best },
    };
    return this;
  }

  /**
   * `bags` boosters with seeds seed, seed + 1, …, combined into one forest whose leaf values are divided
   * by `bags` (the mean of their raw scores). History and `onEpoch` are those of the first booster.
   */
  private async fitBagged(x: Samples, y: Float64Array, opts: FitOptions): Promise<this> {
    const { bags, ...one } = this.options;
    const parts: State[] = [];
    for (let b = 0; b < bags; b++) {
      const m = new GradientBoostedTrees(toOptions({ ...one, bags: 1, seed: one.seed + b }));
      await m.fit(x, y, b === 0 ? opts : { ...opts, onEpoch: undefined });
      parts.push(m.fitted('fit'));
    }
    this.state = meanState(parts);
    return this;
  }

  /**
   * One model whose raw score is the mean of the given fitted models' raw scores (their trees with
   * every leaf value divided by the number of models, the mean of their base scores), e.g. the
   * boosters of a k-fold cross-fit. Options and history are the first model's.
   * @throws ConfigError for no models or models of different shapes; NotFittedError for unfitted ones.
   */
  static average(models: readonly GradientBoostedTrees[]): GradientBoostedTrees {
    if (models.length === 0) throw new ConfigError('GradientBoostedTrees.average: expected at least one model; got none.', {});
    const states = models.map((m) => m.fitted('average'));
    const s0 = states[0] as State;
    for (const s of states) {
      if (s.nFeatures !== s0.nFeatures || s.nClasses !== s0.nClasses || s.nScores !== s0.nScores) {
        throw new ConfigError(
          `GradientBoostedTrees.average: models differ in shape (features/classes ${s.nFeatures}/${s.nClasses} vs ${s0.nFeatures}/${s0.nClasses}).`,
          {},
        );
      }
    }
    const out = new GradientBoostedTrees(toOptions((models[0] as GradientBoostedTrees).options));
    out.state = meanState(states);
    return out;
  }

  /**
   * Raw scores (margins): n × nScores row-major (log-odds for binary, per-class logits for
   * multiclass, the prediction for regression).
   */
  predictRaw(x: Samples): Float64Array {
    const s = this.fitted('predictRaw');
    const d = s.nFeatures;
    checkSamples(x, d, 'predict', true);
    const n = x.n;
    const S = s.nScores;
    const xs = x.x;
    const out = new Float64Array(n * S);
    const F = s.forest;
    const nT = F.root.length;
    const { info, thr, defaultLeft, root } = F;
    for (let i = 0; i < n; i++) for (let k = 0; k < S; k++) out[i * S + k] = s.baseScore[k] as number;
    // Blocks of rows, trees in order inside a block: one tree's nodes stay in cache while the block's
    // rows walk it (a large forest does not fit in cache, so row by row would reload every tree for
    // every row). Each row still adds the trees in round order: the sums are the same.
    for (let i0 = 0; i0 < n; i0 += PREDICT_BLOCK) {
      const i1 = Math.min(n, i0 + PREDICT_BLOCK);
      let k = 0;
      for (let t = 0; t < nT; t++) {
        const r0 = root[t] as number;
        for (let i = i0; i < i1; i++) {
          const ro = i * d;
          let node = r0;
          let f = info[2 * node] as number;
          while (f >= 0) {
            const v = xs[ro + f] as number;
            const l = info[2 * node + 1] as number;
            // NaN fails `<=`, then takes the learned default direction.
            node = v <= (thr[node] as number) ? l : v !== v && defaultLeft[node] === 1 ? l : l + 1;
            f = info[2 * node] as number;
          }
          const c = i * S + k;
          out[c] = (out[c] as number) + (thr[node] as number);
        }
        if (++k === S) k = 0;
      }
    }
    return out;
  }

  /** Class index (argmax probability; binary: P(1) ≥ 0.5) or regression value per sample. */
  async predict(x: Samples): Promise<Float64Array> {
    const s = this.fitted('predict');
    const raw = this.predictRaw(x);
    if (this.options.task === 'regression') return raw;
    const n = x.n;
    const out = new Float64Array(n);
    if (s.nScores === 1) {
      for (let i = 0; i < n; i++) out[i] = (raw[i] as number) >= 0 ? 1 : 0;
      return out;
    }
    const S = s.nScores;
    for (let i = 0; i < n; i++) {
      let bk = 0;
      let bv = raw[i * S] as number;
      for (let k = 1; k < S; k++) {
        const v = raw[i * S + k] as number;
        if (v > bv) {
          bv = v;
          bk = k;
        }
      }
      out[i] = bk;
    }
    return out;
  }

  /**
   * n × nClasses probabilities, row-major (binary: column 1 is P(class 1)).
   * @throws ConfigError for regression models; NotFittedError before fit.
   */
  async predictProba(x: Samples): Promise<Float64Array> {
    const s = this.fitted('predictProba');
    if (this.options.task === 'regression') {
      throw new ConfigError(`GradientBoostedTrees.predictProba: a regression model has no class probabilities; use predict().`, { task: 'regression' });
    }
    const raw = this.predictRaw(x);
    const n = x.n;
    const K = s.nClasses;
    const out = new Float64Array(n * K);
    if (s.nScores === 1) {
      for (let i = 0; i < n; i++) {
        const p = sigmoid(raw[i] as number);
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    for (let i = 0; i < n; i++) softmaxInto(raw, i * K, K, out, i * K);
    return out;
  }

  /**
   * Feature importance over the kept trees: total split gain ('gain', the loss reduction, as
   * LightGBM's `importance_type='gain'`) or number of splits ('split'). Length = number of features.
   */
  featureImportance(type: ImportanceType = 'gain'): Float64Array {
    const s = this.fitted('featureImportance');
    checkChoice('importance type', type, ['gain', 'split'] as const);
    const out = new Float64Array(s.nFeatures);
    for (const t of s.trees) {
      for (let k = 0; k < t.feature.length; k++) {
        const f = t.feature[k] as number;
        if (f >= 0) out[f] = (out[f] as number) + (type === 'gain' ? (t.gain[k] as number) : 1);
      }
    }
    return out;
  }

  /** The model as a JSON-safe object (`formatVersion`, options, trees, history). */
  toJSON(): GbdtModelJson {
    const s = this.fitted('toJSON');
    const options = toOptions(this.options);
    return {
      formatVersion: GBDT_FORMAT_VERSION,
      kind: 'gbdt',
      options,
      nFeatures: s.nFeatures,
      nClasses: s.nClasses,
      nScores: s.nScores,
      baseScore: [...s.baseScore],
      trees: s.trees.map((t) => ({
        feature: [...t.feature],
        threshold: [...t.threshold].map((v) => (v === Infinity ? null : v)),
        defaultLeft: [...t.defaultLeft],
        left: [...t.left],
        right: [...t.right],
        value: [...t.value],
        gain: [...t.gain],
      })),
      history: { loss: [...s.history.loss], valLoss: [...s.history.valLoss], bestEpoch: s.history.bestEpoch },
    };
  }

  /**
   * Rebuild a fitted model from {@link GradientBoostedTrees.toJSON} output.
   * @throws ModelFormatError for a wrong kind, an unknown formatVersion or malformed trees.
   */
  static fromJSON(json: unknown): GradientBoostedTrees {
    const j = json as Partial<GbdtModelJson> | null;
    if (!j || typeof j !== 'object' || j.kind !== 'gbdt') {
      throw new ModelFormatError(`Not a gbdt model: kind is ${JSON.stringify(j?.kind)}.`, { kind: j?.kind });
    }
    if (j.formatVersion !== GBDT_FORMAT_VERSION) {
      throw new ModelFormatError(`gbdt model formatVersion ${String(j.formatVersion)} is not supported (this version reads ${GBDT_FORMAT_VERSION}).`, {
        formatVersion: j.formatVersion,
        supported: GBDT_FORMAT_VERSION,
      });
    }
    const { nFeatures, nClasses, nScores, baseScore, trees, history, options } = j;
    if (
      !Number.isInteger(nFeatures) ||
      !Number.isInteger(nClasses) ||
      !Number.isInteger(nScores) ||
      !Array.isArray(baseScore) ||
      baseScore.length !== nScores ||
      !Array.isArray(trees) ||
      trees.length % (nScores as number) !== 0 ||
      !history
    ) {
      throw new ModelFormatError('gbdt model: missing or inconsistent nFeatures / nClasses / nScores / baseScore / trees / history.', {});
    }
    let m: GradientBoostedTrees;
    try {
      m = new GradientBoostedTrees(options ?? {});
    } catch (e) {
      throw new ModelFormatError(`gbdt model: invalid saved options: ${(e as Error).message}`, {});
    }
    const parsed: Tree[] = trees.map((t, ti) => {
      const len = Array.isArray(t?.feature) ? t.feature.length : 0;
      const ok =
        len > 0 &&
        [t.threshold, t.defaultLeft, t.left, t.right, t.value, t.gain].every((a) => Array.isArray(a) && a.length === len) &&
        t.feature.every((f, k) => f < 0 || (f < (nFeatures as number) && (t.left[k] as number) > k && t.right[k] === (t.left[k] as number) + 1 && (t.right[k] as number) < len));
      if (!ok) throw new ModelFormatError(`gbdt model: tree ${ti} is malformed.`, { tree: ti });
      return {
        feature: Int32Array.from(t.feature),
        threshold: Float64Array.from(t.threshold, (v) => (v === null ? Infinity : v)),
        binThreshold: new Uint8Array(len),
        defaultLeft: Uint8Array.from(t.defaultLeft),
        left: Int32Array.from(t.left),
        right: Int32Array.from(t.right),
        value: Float64Array.from(t.value),
        gain: Float64Array.from(t.gain),
      };
    });
    m.state = {
      nFeatures: nFeatures as number,
      nClasses: nClasses as number,
      nScores: nScores as number,
      baseScore: Float64Array.from(baseScore),
      trees: parsed,
      forest: flatten(parsed),
      history: { loss: [...history.loss], valLoss: [...history.valLoss], bestEpoch: history.bestEpoch },
    };
    return m;
  }

  /** Write `model.json` into the existing directory `dir` (temp file + rename: never half-written). */
  async save(dir: string): Promise<void> {
    const json = JSON.stringify(this.toJSON());
    const file = path.join(dir, GBDT_MODEL_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, json, 'utf8');
    await rename(tmp, file);
  }
}

/** The saved form of a gbdt model (`model.json`). */
export interface GbdtModelJson {
  readonly formatVersion: number;
  readonly kind: 'gbdt';
  readonly options: GradientBoostedTreesOptions;
  readonly nFeatures: number;
  readonly nClasses: number;
  readonly nScores: number;
  readonly baseScore: number[];
  readonly trees: {
    feature: number[];
    /** `null` encodes +Infinity (a split sending every non-missing value left). */
    threshold: (number | null)[];
    defaultLeft: number[];
    left: number[];
    right: number[];
    value: number[];
    gain: number[];
  }[];
  readonly history: FitHistory;
}

/**
 * Read a gbdt model written by {@link GradientBoostedTrees.save}. Registered as the loader of kind
 * `'gbdt'`, so `estimatorLoader('gbdt')` finds it.
 * @throws ModelFormatError when the file is missing, not JSON, or not a supported gbdt model.
 */
export async function loadGradientBoostedTrees(dir: string): Promise<GradientBoostedTrees> {
  const file = path.join(dir, GBDT_MODEL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ModelFormatError(`Cannot read gbdt model ${file}: ${(e as Error).message}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`gbdt model ${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
  return GradientBoostedTrees.fromJSON(json);
}

registerEstimator('gbdt', loadGradientBoostedTrees);

// ---------------------------------------------------------------------------------------------------

/** The mean of several fitted models' raw scores as one state (see GradientBoostedTrees.average). */
function meanState(parts: readonly State[]): State {
  const first = parts[0] as State;
  const B = parts.length;
  const trees: Tree[] = [];
  const base = new Float64Array(first.nScores);
  for (const p of parts) {
    for (let k = 0; k < first.nScores; k++) base[k] = (base[k] as number) + (p.baseScore[k] as number) / B;
    for (const t of p.trees) trees.push(B === 1 ? t : { ...t, value: t.value.map((v) => v / B) });
  }
  return { ...first, baseScore: base, trees, forest: flatten(trees) };
}

/** Resolved options back to constructor options (`null` = not set). */
function toOptions(r: Resolved): GradientBoostedTreesOptions {
  const { nClasses, maxDepth, maxLeaves, classWeight, bags, ...rest } = r;
  return {
    ...rest,
    ...(bags !== 1 ? { bags } : {}),
    ...(nClasses !== null ? { nClasses } : {}),
    ...(maxDepth !== null ? { maxDepth } : {}),
    ...(maxLeaves !== null ? { maxLeaves } : {}),
    ...(classWeight !== null ? { classWeight } : {}),
  };
}

function checkSamples(x: Samples, d: number, where: string, isPredict = false): void {
  if (x.x.length !== x.n * sampleSize(x)) {
    throw new DataError('SF_DATA_SCHEMA', `GradientBoostedTrees.${where}: ${x.n} samples of shape [${x.shape.join(', ')}] need ${x.n * sampleSize(x)} values; got ${x.x.length}.`, {});
  }
  if (sampleSize(x) !== d) {
    throw new DataError(
      'SF_DATA_SCHEMA',
      `GradientBoostedTrees.${where}: expected ${d} features per sample${isPredict ? ' (as in training)' : ''}; got ${sampleSize(x)}.`,
      { expected: d, got: sampleSize(x) },
    );
  }
}

function gatherRows(x: Float32Array, d: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i] as number;
    out.set(x.subarray(r * d, r * d + d), i * d);
  }
  return out;
}

function gatherValues(y: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = y[idx[i] as number] as number;
  return out;
}

/** Seeded hold-out split, stratified by class when `K > 0`. Both index lists are ascending. */
function holdOut(y: Float64Array, n: number, fraction: number, K: number, rng: Rng): { train: Int32Array; val: Int32Array } {
  const isVal = new Uint8Array(n);
  const groups: number[][] = [];
  if (K > 0) {
    for (let k = 0; k < K; k++) groups.push([]);
    for (let i = 0; i < n; i++) (groups[y[i] as number] as number[]).push(i);
  } else groups.push(Array.from({ length: n }, (_, i) => i));
  for (const g of groups) {
    rng.shuffle(g);
    const m = Math.round(g.length * fraction);
    for (let j = 0; j < m; j++) isVal[g[j] as number] = 1;
  }
  let nv = 0;
  for (let i = 0; i < n; i++) nv += isVal[i] as number;
  const train = new Int32Array(n - nv);
  const val = new Int32Array(nv);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isVal[i]) val[b++] = i;
    else train[a++] = i;
  }
  return { train, val };
}

function sortedSample(rng: Rng, d: number, m: number): Int32Array {
  return rng.permutation(d).subarray(0, m).sort();
}

function classWeights(cw: 'balanced' | readonly number[], y: Float64Array, K: number): Float64Array {
  const out = new Float64Array(K);
  if (cw === 'balanced') {
    const counts = new Float64Array(K);
    for (let i = 0; i < y.length; i++) counts[y[i] as number] = (counts[y[i] as number] as number) + 1;
    for (let k = 0; k < K; k++) out[k] = (counts[k] as number) > 0 ? y.length / (K * (counts[k] as number)) : 1;
  } else for (let k = 0; k < K; k++) out[k] = cw[k] as number;
  return out;
}

function baseScore(y: Float64Array, w: Float64Array, K: number, S: number, regression: boolean): Float64Array {
  const n = y.length;
  let sw = 0;
  for (let i = 0; i < n; i++) sw += w[i] as number;
  if (sw <= 0) sw = 1;
  const out = new Float64Array(S);
  if (regression) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (w[i] as number) * (y[i] as number);
    out[0] = s / sw;
    return out;
  }
  const prior = new Float64Array(K);
  for (let i = 0; i < n; i++) prior[y[i] as number] = (prior[y[i] as number] as number) + (w[i] as number);
  const eps = 1e-6;
  if (S === 1) {
    const p = Math.min(1 - eps, Math.max(eps, (prior[1] as number) / sw));
    out[0] = Math.log(p / (1 - p));
  } else for (let k = 0; k < K; k++) out[k] = Math.log(Math.max(eps, (prior[k] as number) / sw));
  return out;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softmaxInto(raw: Float64Array, ro: number, K: number, out: Float64Array, oo: number): void {
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, raw[ro + k] as number);
  let s = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp((raw[ro + k] as number) - m);
    out[oo + k] = e;
    s += e;
  }
  for (let k = 0; k < K; k++) out[oo + k] = (out[oo + k] as number) / s;
}

const MIN_HESS = 1e-16;

/** Rows per block in predictRaw (their features, 256 × d floats, stay in cache next to one tree). */
const PREDICT_BLOCK = 256;

/**
 * Add each leaf's value to the scores of its rows (`leafRanges`: (node, start, end) triples over
 * `rows`), score column k of S; with `expScore` (binary logloss) update e^score too.
 */
function addLeafValues(leafRanges: Int32Array, value: Float64Array, rows: Int32Array, score: Float64Array, expScore: Float64Array | null, S: number, k: number): void {
  for (let j = 0; j < leafRanges.length; j += 3) {
    const v = value[leafRanges[j] as number] as number;
    const start = leafRanges[j + 1] as number;
    const end = leafRanges[j + 2] as number;
    if (expScore) {
      const ev = Math.exp(v);
      for (let q = start; q < end; q++) {
        const r = rows[q] as number;
        const z = (score[r] as number) + v;
        score[r] = z;
        expScore[r] = expUpdate(expScore[r] as number, ev, z);
      }
    } else {
      for (let q = start; q < end; q++) {
        const c = (rows[q] as number) * S + k;
        score[c] = (score[c] as number) + v;
      }
    }
  }
}

/** e^z clamped to [1e−300, 1e300], so that E / (1 + E) is a valid probability (0 and 1 at the ends). */
function clampedExp(z: number): number {
  const e = Math.exp(z);
  return e < 1e-300 ? 1e-300 : e > 1e300 ? 1e300 : e;
}

/**
 * e^(z + v) from e^z and e^v (z + v is the new score, passed for the fallback): one multiplication;
 * recomputed exactly, and clamped, outside [1e−280, 1e280] (relative drift over many rounds stays ~1e−14).
 */
function expUpdate(ez: number, ev: number, z: number): number {
  const e = ez * ev;
  return e > 1e-280 && e < 1e280 ? e : clampedExp(z);
}

function computeGradients(
  score: Float64Array,
  expScore: Float64Array | null,
  y: Float64Array,
  w: Float64Array,
  n: number,
  S: number,
  regression: boolean,
  ghs: Float64Array[],
  prob: Float64Array,
): number {
  let loss = 0;
  let sw = 0;
  if (regression) {
    const gh = ghs[0] as Float64Array;
    for (let i = 0; i < n; i++) {
      const wi = w[i] as number;
      const r = (score[i] as number) - (y[i] as number);
      gh[2 * i] = wi * r;
      gh[2 * i + 1] = wi;
      loss += wi * 0.5 * r * r;
      sw += wi;
    }
  } else if (S === 1) {
    const gh = ghs[0] as Float64Array;
    const ez = expScore as Float64Array;
    // logloss = max(z, 0) + log(1 + e^−|z|) − y·z with p = σ(z) = E / (1 + E), E = e^z (kept by the
    // caller: no Math.exp here). 1 + e^−|z| is 1 + E for z < 0 and 1 / p for z ≥ 0; the log terms are
    // summed as the logs of two running products (one Math.log per ~500 rows instead of one per row;
    // each factor lies in [1, 2] or [½, 1], flushed at 1e150 / 1e−150). The training loss is only
    // reported, never used to fit, and this changes it by ~1e−14.
    let logSum = 0;
    let prodNeg = 1;
    let prodPos = 1;
    for (let i = 0; i < n; i++) {
      const wi = w[i] as number;
      const z = score[i] as number;
      const yi = y[i] as number;
      const E = ez[i] as number;
      const q = 1 + E;
      const p = E / q;
      gh[2 * i] = wi * (p - yi);
      gh[2 * i + 1] = wi * Math.max(p * (1 - p), MIN_HESS);
      loss += wi * (Math.max(z, 0) - yi * z);
      if (wi === 1) {
        if (z < 0) {
          prodNeg *= q;
          if (prodNeg > 1e150) {
            logSum += Math.log(prodNeg);
            prodNeg = 1;
          }
        } else {
          prodPos *= p;
          if (prodPos < 1e-150) {
            logSum -= Math.log(prodPos);
            prodPos = 1;
          }
        }
      } else {
        loss += wi * Math.log1p(Math.exp(-Math.abs(z)));
      }
      sw += wi;
    }
    loss += logSum + Math.log(prodNeg) - Math.log(prodPos);
  } else {
    for (let i = 0; i < n; i++) {
      softmaxInto(score, i * S, S, prob, 0);
      const wi = w[i] as number;
      const yi = y[i] as number;
      for (let k = 0; k < S; k++) {
        const p = prob[k] as number;
        const gh = ghs[k] as Float64Array;
        gh[2 * i] = wi * (p - (k === yi ? 1 : 0));
        gh[2 * i + 1] = wi * Math.max(p * (1 - p), MIN_HESS);
      }
      loss -= wi * Math.log(Math.max(prob[yi] as number, 1e-300));
      sw += wi;
    }
  }
  return sw > 0 ? loss / sw : 0;
}

/** Weighted mean loss (logloss, softmax cross-entropy or squared error); `w = null` = unweighted. */
function meanLoss(score: Float64Array, y: Float64Array, w: Float64Array | null, n: number, S: number, regression: boolean, prob: Float64Array): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? (w[i] as number) : 1;
    const yi = y[i] as number;
    let l: number;
    if (regression) {
      const r = (score[i] as number) - yi;
      l = 0.5 * r * r;
    } else if (S === 1) {
      // log(1 + e^z) − y z, computed stably
      const z = score[i] as number;
      l = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - yi * z;
    } else {
      softmaxInto(score, i * S, S, prob, 0);
      l = -Math.log(Math.max(prob[yi] as number, 1e-300));
    }
    s += wi * l;
    sw += wi;
  }
  return sw > 0 ? s / sw : 0;
}
