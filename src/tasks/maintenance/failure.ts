/**
 * Failure prediction from machine sensor tables, done honestly (issue 3):
 *
 * 1. the target is checked (≥ 2 classes, no missing values); id and timestamp columns are never
 *    features; uninformative columns are dropped with a warning that names them;
 * 2. a leakage guard excludes label-defining columns (e.g. AI4I's failure-mode flags) and says so;
 * 3. the data is split once into train and test (stratified, grouped by machine, or time-ordered);
 *    every fitted step — imputer, scaler, one-hot encoder, model, early stopping, the decision
 *    threshold — sees the training part only (a validation part carved from it for early stopping and
 *    the threshold; gbdt instead cross-fits 5 boosters on folds of it, see `crossFit`); the test part
 *    is scored once, at the end;
 * 4. k-fold cross-validation (same protocol inside each fold) gives mean ± std;
 * 5. `auto` cross-validates the candidates on the training part and keeps the best by mean PR-AUC
 *    (threshold-free, and the right summary at a few % positives).
 */
import { ConfigError, DataError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { isCategorical, type Column, type Table } from '../../core/table.js';
import type { Estimator, FitHistory, Samples } from '../../models/estimator.js';
import { PairwiseCrosses } from '../../preprocess/interactions.js';
import { TabularPipeline } from '../../preprocess/pipeline.js';
import { groupKFold, groupSplit, stratifiedKFold, stratifiedSplit, timeSplit, type Fold } from '../../preprocess/splits.js';
import { assertColumns, assertClassificationTarget, dropUninformative, describeDropped } from '../../io/validate.js';
import {
  averagePrecision,
  bestF1Threshold,
  classificationReport,
  meanStd,
  rocAuc,
  type ClassificationReport,
} from '../../evaluation/metrics.js';
import { GradientBoostedTrees } from '../../models/trees/index.js';
import { AUTO_CANDIDATES, crossFitOf, FAILURE_MODELS, makeEstimator, type FailureModelName } from './candidates.js';

export interface FailureTaskOptions {
  /** Target column, or several 0/1 flag columns combined into one multiclass target (none / flag / multiple). */
  readonly target: string | readonly string[];
  /** Model, or 'auto' (default) to cross-validate `candidates` and keep the best. */
  readonly model?: 'auto' | FailureModelName;
  readonly candidates?: readonly FailureModelName[];
  /** Columns never to use as features. */
  readonly drop?: readonly string[];
  /** 'stratified' (default), 'group:COLUMN' (no machine in both parts) or 'time:COLUMN' (latest rows test). */
  readonly split?: string;
  /** Share of rows in the test part (default 0.2). */
  readonly testFraction?: number;
  /** Share of the training part held out for early stopping and the threshold (default 0.2). */
  readonly valFraction?: number;
  /** Folds of the cross-validation report (default 5; 0 = none). */
  readonly cvFolds?: number;
  readonly seed?: number;
  /** Columns the leakage guard flags but the user keeps anyway. */
  readonly allowLeakage?: readonly string[];
  /** Overrides of the chosen model's default options. */
  readonly modelOptions?: Record<string, unknown>;
  /**
   * Pairwise products and differences of the numeric inputs (see PairwiseCrosses): 'auto' (default)
   * adds them when there are 2–12 numeric inputs, 'pairwise' always, 'none' never.
   */
  readonly crosses?: 'auto' | 'pairwise' | 'none';
  /** Repeats of the permutation importance (default 3; 0 = skip). */
  readonly importanceRepeats?: number;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
  readonly onWarning?: (message: string) => void;
}

/** The target as the model sees it. */
export interface TargetInfo {
  /** Display name ('Machine failure', or 'failure mode (TWF|HDF|…)'). */
  readonly name: string;
  /** Columns the target is made from. */
  readonly sources: string[];
  readonly classes: string[];
}

export interface LeakageFinding {
  readonly column: string;
  readonly reason: string;
  readonly excluded: boolean;
}

export interface FeatureInfo {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  readonly unit?: string;
  readonly categories?: string[];
}

export interface CvResult {
  readonly model: FailureModelName;
  readonly folds: number;
  readonly f1: { mean: number; std: number; values: number[] };
  readonly rocAuc: { mean: number; std: number; values: number[] };
  readonly prAuc: { mean: number; std: number; values: number[] };
  /** Where the folds came from: 'train part' (model selection) or 'all rows' (the reported estimate). */
  readonly over: 'train part' | 'all rows';
}

export interface FailureTrainResult {
  readonly target: TargetInfo;
  readonly features: FeatureInfo[];
  readonly encodedFeatures: string[];
  readonly dropped: { name: string; reason: string }[];
  readonly leakage: LeakageFinding[];
  readonly model: FailureModelName;
  /** Feature crosses added before the pipeline (saved with the model), or null. */
  readonly crosses: PairwiseCrosses | null;
  readonly estimator: Estimator;
  readonly pipeline: TabularPipeline;
  /** Binary: threshold on P(positive) tuned for F1 on the validation part. */
  readonly threshold: number | null;
  readonly split: { kind: string; train: number; val: number; test: number };
  readonly test: ClassificationReport;
  /** Test-part scores: true labels and P(class) row-major, for curves in the report. */
  readonly testScores: { y: Float64Array; prob: Float64Array };
  readonly comparison: CvResult[];
  readonly cv: CvResult | null;
  readonly importance: { feature: string; drop: number; std: number }[];
  /** Baselines that show why accuracy misleads. */
  readonly baseline: { majorityClass: string; majorityAccuracy: number };
  /** Learning history of the final model; for a cross-fit, the first booster's (see `foldHistories`). */
  readonly history: Estimator['history'];
  /** Learning history of each booster of a cross-fit, in fold order (empty for a single fit). */
  readonly foldHistories: readonly FitHistory[];
  readonly seconds: number;
}

/** Build the target: class index per row and the class names. */
export function prepareTarget(table: Table, target: string | readonly string[], source: string): { y: Float64Array; info: TargetInfo } {
  if (typeof target === 'string') {
    assertClassificationTarget(table, target, source);
    const c = table.column(target);
    const labels = labelsOf(c);
    const classes = [...new Set(labels)].sort(compareLabels);
    const index = new Map(classes.map((k, i) => [k, i]));
    const y = Float64Array.from(labels, (l) => index.get(l) as number);
    return { y, info: { name: target, sources: [target], classes } };
  }
  assertColumns(table, target, 'Target', source);
  const flags = target.map((t) => {
    const v = table.numeric(t, source);
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== 0 && v[i] !== 1) {
        throw new DataError('SF_DATA_TARGET', `Target flag '${t}' in ${source} must hold 0 or 1; row ${i + 1} has ${v[i]}.`, { column: t, row: i + 1 });
      }
    }
    return v;
  });
  const labels: string[] = [];
  for (let i = 0; i < table.nRows; i++) {
    const on = target.filter((_, j) => flags[j]![i] === 1);
    labels.push(on.length === 0 ? 'none' : on.length === 1 ? (on[0] as string) : 'multiple');
  }
  const present = new Set(labels);
  const classes = ['none', ...target.filter((t) => present.has(t)), ...(present.has('multiple') ? ['multiple'] : [])];
  if (classes.length < 2) {
    throw new DataError('SF_DATA_TARGET', `Target flags ${target.join(', ')} in ${source} are all 0: there is nothing to learn.`, { target: [...target] });
  }
  const index = new Map(classes.map((k, i) => [k, i]));
  const y = Float64Array.from(labels, (l) => index.get(l) as number);
  return { y, info: { name: `failure mode (${target.join('|')})`, sources: [...target], classes } };
}

function labelsOf(c: Column): string[] {
  if (isCategorical(c)) return Array.from(c.codes, (code) => c.categories[code] as string);
  return Array.from(c.values, (v) => String(v));
}

function compareLabels(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names of AI4I 2020's failure-mode flags: they define 'Machine failure' (Matzka 2020). */
const KNOWN_LABEL_FLAGS = new Set(['TWF', 'HDF', 'PWF', 'OSF', 'RNF']);

/**
 * Find columns that (nearly) define the target — features no model may use, because they are only
 * known once the failure has happened:
 * - a 0/1 flag whose 1s are ≥ 95 % failures (it *says* "failure", e.g. TWF, HDF, PWF, OSF);
 * - any numeric feature that alone separates the classes (single-feature ROC-AUC ≥ 0.99);
 * - the known failure-mode flags of AI4I 2020 when the target is a failure flag (RNF is a 0.1 %
 *   random failure: as a feature it leaks the 1 in 19 RNF rows that failed).
 * Computed on the training rows only.
 */
export function detectLeakage(table: Table, features: readonly string[], y: Float64Array, rows: ArrayLike<number>, binary: boolean, targetSources: readonly string[]): { column: string; reason: string }[] {
  const out: { column: string; reason: string }[] = [];
  const targetIsFailure = targetSources.some((s) => /fail/i.test(s)) || targetSources.every((s) => KNOWN_LABEL_FLAGS.has(s));
  for (const f of features) {
    const c = table.column(f);
    if (isCategorical(c)) continue;
    const v = c.values;
    if (targetIsFailure && KNOWN_LABEL_FLAGS.has(f) && features.filter((x) => KNOWN_LABEL_FLAGS.has(x)).length >= 3) {
      out.push({ column: f, reason: 'failure-mode flag (AI4I): recorded with the failure, so it defines the label' });
      continue;
    }
    const yr = new Float64Array(rows.length);
    const vr = new Float64Array(rows.length);
    let isFlag = true;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      yr[i] = binary ? (y[r] as number) : (y[r] as number) > 0 ? 1 : 0;
      vr[i] = v[r] as number;
      if (vr[i] !== 0 && vr[i] !== 1 && !Number.isNaN(vr[i])) isFlag = false;
    }
    if (isFlag) {
      let on = 0;
      let onPos = 0;
      for (let i = 0; i < vr.length; i++) {
        if (vr[i] === 1) {
          on++;
          if (yr[i] === 1) onPos++;
        }
      }
      if (on >= 5 && onPos / on >= 0.95) {
        out.push({ column: f, reason: `0/1 flag whose 1s are ${((100 * onPos) / on).toFixed(0)} % failures (${onPos} of ${on})` });
        continue;
      }
    }
    const auc = rocAuc(yr, vr.map((x) => (Number.isNaN(x) ? 0 : x)));
    if (Number.isFinite(auc) && Math.max(auc, 1 - auc) >= 0.99) {
      out.push({ column: f, reason: `alone separates the classes (ROC-AUC ${Math.max(auc, 1 - auc).toFixed(3)})` });
    }
  }
  return out;
}

/** Model input from pipeline output (same data; sequence models see each row as a 1-channel sequence). */
function samples(s: { x: Float32Array; n: number; shape: readonly number[] }): Samples {
  return { x: s.x, n: s.n, shape: s.shape };
}

/** Predicted labels from probabilities: threshold on P(class 1) for binary, argmax otherwise. */
export function labelsFromProba(prob: Float64Array, k: number, threshold: number | null): Float64Array {
  const n = prob.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (k === 2) out[i] = (prob[i * 2 + 1] as number) >= (threshold ?? 0.5) ? 1 : 0;
    else {
      let best = 0;
      for (let c = 1; c < k; c++) if ((prob[i * k + c] as number) > (prob[i * k + best] as number)) best = c;
      out[i] = best;
    }
  }
  return out;
}

/** A column the preprocessing pipeline turns into model input (an input column or a cross of two). */
interface ModelFeature {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
}

interface Fitted {
  pipeline: TabularPipeline;
  estimator: Estimator;
  threshold: number | null;
  /** Learning history of each cross-fit booster (empty for a single fit). */
  foldHistories: FitHistory[];
}

function subset(y: Float64Array, rows: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: rows.length }, (_, i) => y[rows[i] as number] as number);
}

function mapRows(rows: Int32Array, local: Int32Array): Int32Array {
  return Int32Array.from(local, (i) => rows[i] as number);
}

/**
 * Fit preprocessing and model on `train` rows; early stopping and the threshold on a validation part
 * carved from them (same split kind). Nothing here sees any other row.
 */
async function fitOnce(
  table: Table,
  y: Float64Array,
  train: Int32Array,
  features: readonly ModelFeature[],
  model: FailureModelName,
  k: number,
  seed: number,
  o: { valFraction: number; splitKind: SplitKind; modelOptions?: Record<string, unknown> },
): Promise<Fitted> {
  const { crossFitFolds, estimatorOptions } = crossFitOf(model, o.modelOptions);
  if (crossFitFolds >= 2 && canCrossFit(table, train, crossFitFolds, o.splitKind)) {
    return crossFit(table, y, train, features, k, seed, crossFitFolds, o.splitKind, estimatorOptions);
  }
  const { train: tr, val } = holdout(table, y, train, o.valFraction, o.splitKind, seed + 1);
  const pipeline = new TabularPipeline({ features: features.map((f) => ({ name: f.name, kind: f.kind })), handleUnknown: 'ignore' }).fit(table, tr);
  const xTr = samples(pipeline.transform(table, tr));
  const xVal = samples(pipeline.transform(table, val));
  const yTr = subset(y, tr);
  const yVal = subset(y, val);
  const estimator = makeEstimator(model, k, seed, estimatorOptions);
  await estimator.fit(xTr, yTr, { validation: { x: xVal, y: yVal } });
  let threshold: number | null = null;
  if (k === 2) {
    const p = await estimator.predictProba(xVal);
    threshold = bestF1Threshold(yVal, Float64Array.from({ length: xVal.n }, (_, i) => p[i * 2 + 1] as number)).threshold;
  }
  return { pipeline, estimator, threshold, foldHistories: [] };
}

/**
 * k-fold cross-fit of gradient-boosted trees on `train` rows: one booster per fold, trained on the other
 * folds with early stopping on its own fold; the model is their average (mean raw score, one
 * GradientBoostedTrees) and the binary threshold is tuned for F1 on the out-of-fold probabilities of
 * every training row. Every training row thus serves both for fitting and, once, for validation, and
 * the threshold rests on all of them instead of one 20 % part. Folds follow the split kind (stratified,
 * or by group: no machine in a booster's training and validation folds). Nothing here sees other rows.
 */
async function crossFit(
  table: Table,
  y: Float64Array,
  train: Int32Array,
  features: readonly ModelFeature[],
  k: number,
  seed: number,
  nFolds: number,
  splitKind: SplitKind,
  estimatorOptions: Record<string, unknown>,
): Promise<Fitted> {
  const pipeline = new TabularPipeline({ features: features.map((f) => ({ name: f.name, kind: f.kind })), handleUnknown: 'ignore' }).fit(table, train);
  const fs = folds(table, y, train, nFolds, splitKind, seed + 1);
  const members: GradientBoostedTrees[] = [];
  const yOof: number[] = [];
  const pOof: number[] = [];
  for (let j = 0; j < fs.length; j++) {
    const f = fs[j] as Fold;
    const xFit = samples(pipeline.transform(table, f.train));
    const xVal = samples(pipeline.transform(table, f.test));
    const yVal = subset(y, f.test);
    const m = makeEstimator('gbdt', k, seed + j, estimatorOptions);
    if (!(m instanceof GradientBoostedTrees)) throw new ConfigError('cross-fit: expected a gbdt estimator.', {});
    await m.fit(xFit, subset(y, f.train), { validation: { x: xVal, y: yVal } });
    if (k === 2) {
      const p = await m.predictProba(xVal);
      for (let i = 0; i < xVal.n; i++) {
        yOof.push(yVal[i] as number);
        pOof.push(p[i * 2 + 1] as number);
      }
    }
    members.push(m);
  }
  const estimator = GradientBoostedTrees.average(members);
  const threshold = k === 2 ? bestF1Threshold(Float64Array.from(yOof), Float64Array.from(pOof)).threshold : null;
  return { pipeline, estimator, threshold, foldHistories: members.map((m) => m.history) };
}

/** Whether `train` can be cut into `nFolds` cross-fit folds of the split kind (time splits keep one time-ordered validation part). */
function canCrossFit(table: Table, train: Int32Array, nFolds: number, splitKind: SplitKind): boolean {
  if (splitKind.kind === 'time') return false;
  if (splitKind.kind === 'group') {
    const g = groupLabels(table, splitKind.column);
    return new Set(Array.from(train, (r) => g[r] as string)).size >= nFolds;
  }
  return train.length >= 2 * nFolds;
}

/** Rows in the validation part of the final fit: one cross-fit fold, or the held-out fraction. */
function validationRows(table: Table, train: Int32Array, model: FailureModelName, valFraction: number, splitKind: SplitKind, modelOptions?: Record<string, unknown>): number {
  const { crossFitFolds } = crossFitOf(model, modelOptions);
  if (crossFitFolds >= 2 && canCrossFit(table, train, crossFitFolds, splitKind)) return Math.round(train.length / crossFitFolds);
  return Math.round(train.length * valFraction);
}

type SplitKind = { kind: 'stratified' } | { kind: 'group'; column: string } | { kind: 'time'; column: string };

export function parseSplit(split: string | undefined, table: Table, source: string): SplitKind {
  const s = split ?? 'stratified';
  if (s === 'stratified') return { kind: 'stratified' };
  const m = /^(group|time):(.+)$/.exec(s);
  if (!m) throw new ConfigError(`--split: expected stratified, group:COLUMN or time:COLUMN; got '${s}'.`, { option: 'split', value: s });
  const column = m[2] as string;
  assertColumns(table, [column], `--split ${m[1]}:`, source);
  return { kind: m[1] as 'group' | 'time', column };
}

function groupLabels(table: Table, column: string): string[] {
  return labelsOf(table.column(column));
}

/** Split `rows` into train/test parts of the given kind (indices into the table). */
function holdout(table: Table, y: Float64Array, rows: Int32Array, fraction: number, split: SplitKind, seed: number): { train: Int32Array; val: Int32Array } {
  let parts: { train: Int32Array; test: Int32Array };
  if (split.kind === 'stratified') parts = stratifiedSplit(Array.from(rows, (r) => y[r] as number), { testFraction: fraction, seed });
  else if (split.kind === 'group') {
    const g = groupLabels(table, split.column);
    parts = groupSplit(Array.from(rows, (r) => g[r] as string), { testFraction: fraction, seed });
  } else {
    const t = table.numeric(split.column);
    parts = timeSplit(Array.from(rows, (r) => t[r] as number), { testFraction: fraction });
  }
  return { train: mapRows(rows, parts.train), val: mapRows(rows, parts.test) };
}

function folds(table: Table, y: Float64Array, rows: Int32Array, k: number, split: SplitKind, seed: number): Fold[] {
  const local =
    split.kind === 'group'
      ? groupKFold(Array.from(rows, (r) => groupLabels(table, split.column)[r] as string), { k, seed })
      : stratifiedKFold(Array.from(rows, (r) => y[r] as number), { k, seed });
  return local.map((f) => ({ train: mapRows(rows, f.train), test: mapRows(rows, f.test) }));
}

async function crossValidate(
  table: Table,
  y: Float64Array,
  rows: Int32Array,
  features: readonly ModelFeature[],
  model: FailureModelName,
  k: number,
  nFolds: number,
  seed: number,
  o: { valFraction: number; splitKind: SplitKind; modelOptions?: Record<string, unknown> },
  over: CvResult['over'],
  progress: (done: number) => void,
): Promise<CvResult> {
  const f1s: number[] = [];
  const aucs: number[] = [];
  const aps: number[] = [];
  const fs = folds(table, y, rows, nFolds, o.splitKind.kind === 'time' ? { kind: 'stratified' } : o.splitKind, seed);
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i] as Fold;
    const fitted = await fitOnce(table, y, f.train, features, model, k, seed + 100 * (i + 1), o);
    const x = samples(fitted.pipeline.transform(table, f.test));
    const prob = await fitted.estimator.predictProba(x);
    const yt = subset(y, f.test);
    const rep = classificationReport(yt, labelsFromProba(prob, k, fitted.threshold), prob, classNames(k));
    f1s.push(k === 2 ? (rep.perClass[1]?.f1 ?? 0) : rep.macroF1);
    aucs.push(k === 2 ? (rep.rocAuc ?? NaN) : (rep.rocAucOvr ?? NaN));
    aps.push(k === 2 ? (rep.prAuc ?? NaN) : meanApOvr(yt, prob, k));
    disposeEstimator(fitted.estimator);
    progress(i + 1);
  }
  return { model, folds: fs.length, over, f1: { ...meanStd(f1s), values: f1s }, rocAuc: { ...meanStd(aucs), values: aucs }, prAuc: { ...meanStd(aps), values: aps } };
}

function meanApOvr(y: Float64Array, prob: Float64Array, k: number): number {
  let s = 0;
  let m = 0;
  for (let c = 0; c < k; c++) {
    const yc = y.map((v) => (v === c ? 1 : 0));
    const pc = Float64Array.from({ length: y.length }, (_, i) => prob[i * k + c] as number);
    const ap = averagePrecision(yc, pc);
    if (Number.isFinite(ap)) {
      s += ap;
      m++;
    }
  }
  return m ? s / m : NaN;
}

function classNames(k: number): string[] {
  return Array.from({ length: k }, (_, i) => String(i));
}

/** Release TF.js memory of a neural estimator that is no longer needed. */
function disposeEstimator(e: Estimator): void {
  const d = (e as unknown as { dispose?: () => void }).dispose;
  if (typeof d === 'function') d.call(e);
}

/** Train, select, evaluate. See the module comment for the protocol. */
export async function trainFailureModel(input: Table, source: string, options: FailureTaskOptions): Promise<FailureTrainResult> {
  const t0 = performance.now();
  let table = input;
  const seed = options.seed ?? 42;
  const warn = options.onWarning ?? (() => {});
  const progress = options.onProgress ?? (() => {});
  const modelChoice = options.model ?? 'auto';
  if (modelChoice !== 'auto' && !(FAILURE_MODELS as readonly string[]).includes(modelChoice)) {
    throw new ConfigError(`--model: expected one of auto, ${FAILURE_MODELS.join(', ')}; got '${String(modelChoice)}'.`, { option: 'model' });
  }
  const testFraction = options.testFraction ?? 0.2;
  const valFraction = options.valFraction ?? 0.2;
  const nFolds = options.cvFolds ?? 5;
  if (options.drop) assertColumns(table, options.drop, '--drop:', source);
  const { y, info: target } = prepareTarget(table, options.target, source);
  const k = target.classes.length;
  const splitKind = parseSplit(options.split, table, source);

  // Features: everything but the target, ids, timestamps, the split's group/time column and --drop.
  const exclude = new Set<string>([...target.sources, ...(options.drop ?? [])]);
  if (splitKind.kind !== 'stratified') exclude.add(splitKind.column);
  let candidates = table.columns.filter((c) => !exclude.has(c.name) && c.kind !== 'id' && c.kind !== 'timestamp').map((c) => c.name);
  const ignoredAuto = table.columns.filter((c) => !exclude.has(c.name) && (c.kind === 'id' || c.kind === 'timestamp')).map((c) => `'${c.name}' (${c.kind})`);
  if (ignoredAuto.length) warn(`not used as features: ${ignoredAuto.join(', ')}.`);
  const keepTable = dropUninformative(table.select(candidates), []);
  const dropped = keepTable.dropped.map((d) => ({ name: d.name, reason: d.reason }));
  const dropMsg = describeDropped(keepTable.dropped);
  if (dropMsg) warn(dropMsg);
  candidates = keepTable.table.names;

  // The test part is set aside first; everything after this line that fits anything uses `trainRows`.
  const all = Int32Array.from({ length: table.nRows }, (_, i) => i);
  const { train: trainRows, val: testRows } = holdout(table, y, all, testFraction, splitKind, seed);

  const allow = new Set(options.allowLeakage ?? []);
  const leaks = detectLeakage(table, candidates, y, trainRows, k === 2, target.sources);
  const leakage: LeakageFinding[] = leaks.map((l) => ({ ...l, excluded: !allow.has(l.column) }));
  const excludedLeaks = leakage.filter((l) => l.excluded);
  if (excludedLeaks.length) {
    const byReason = new Map<string, string[]>();
    for (const l of excludedLeaks) byReason.set(l.reason, [...(byReason.get(l.reason) ?? []), `'${l.column}'`]);
    warn(
      `leakage guard: excluded ${[...byReason.entries()].map(([reason, cols]) => `${cols.join(', ')} (${reason})`).join('; ')}. Keep one with --allow-leakage NAME.`,
    );
  }
  candidates = candidates.filter((c) => !excludedLeaks.some((l) => l.column === c));
  if (candidates.length === 0) {
    throw new DataError('SF_DATA_SCHEMA', `No usable feature columns are left in ${source} after removing the target, ids, timestamps, --drop, uninformative and leaking columns.`, {});
  }
  const features: FeatureInfo[] = candidates.map((name) => {
    const c = table.column(name);
    const base = { name, kind: isCategorical(c) ? ('categorical' as const) : ('numeric' as const) };
    const withUnit = c.unit ? { ...base, unit: c.unit } : base;
    return isCategorical(c) ? { ...withUnit, categories: [...c.categories] } : withUnit;
  });

  // Feature crosses are computed row by row (no statistics), so adding them to the whole table leaks
  // nothing; the pipeline that scales them is still fitted on training rows only.
  const numericInputs = features.filter((f) => f.kind === 'numeric').map((f) => f.name);
  const crossMode = options.crosses ?? 'auto';
  const crosses =
    crossMode === 'pairwise' || (crossMode === 'auto' && numericInputs.length >= 2 && numericInputs.length <= 12)
      ? new PairwiseCrosses({ columns: numericInputs })
      : null;
  const raw = table;
  table = crosses ? crosses.apply(table) : table;
  const modelFeatures: ModelFeature[] = [
    ...features.map((f) => ({ name: f.name, kind: f.kind })),
    ...(crosses ? crosses.outputNames.map((name) => ({ name, kind: 'numeric' as const })) : []),
  ];

  const fitOpts = { valFraction, splitKind, ...(options.modelOptions ? { modelOptions: options.modelOptions } : {}) };
  const names: FailureModelName[] = modelChoice === 'auto' ? [...(options.candidates ?? AUTO_CANDIDATES)] : [modelChoice];
  const comparison: CvResult[] = [];
  if (modelChoice === 'auto' && nFolds >= 2) {
    const total = names.length * nFolds;
    let done = 0;
    for (const name of names) {
      comparison.push(
        await crossValidate(table, y, trainRows, modelFeatures, name, k, nFolds, seed, fitOpts, 'train part', () => progress('model selection (CV on the training part)', ++done, total)),
      );
    }
  }
  const chosen: FailureModelName =
    comparison.length > 0 ? [...comparison].sort((a, b) => b.prAuc.mean - a.prAuc.mean)[0]!.model : (names[0] as FailureModelName);

  progress(`training ${chosen}`, 0, 1);
  const final = await fitOnce(table, y, trainRows, modelFeatures, chosen, k, seed, fitOpts);
  progress(`training ${chosen}`, 1, 1);
  const xTest = samples(final.pipeline.transform(table, testRows));
  const prob = await final.estimator.predictProba(xTest);
  const yTest = subset(y, testRows);
  const test = classificationReport(yTest, labelsFromProba(prob, k, final.threshold), prob, target.classes, final.threshold ?? undefined);

  let cv: CvResult | null = null;
  if (nFolds >= 2) {
    cv = await crossValidate(table, y, all, modelFeatures, chosen, k, nFolds, seed + 7, fitOpts, 'all rows', (d) => progress(`cross-validation (${nFolds} folds over all rows)`, d, nFolds));
  }

  const importance = await permutationImportance(raw, crosses, testRows, yTest, final, features, k, options.importanceRepeats ?? 3, seed);

  const counts = new Map<number, number>();
  for (const v of yTest) counts.set(v, (counts.get(v) ?? 0) + 1);
  const [majority, majorityCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] as [number, number];

  return {
    target,
    features,
    encodedFeatures: [...final.pipeline.featureNames],
    dropped,
    leakage,
    model: chosen,
    crosses,
    estimator: final.estimator,
    pipeline: final.pipeline,
    threshold: final.threshold,
    // With a cross-fit every training row validates once; `val` is then one fold (each booster's validation part).
    split: { kind: options.split ?? 'stratified', train: trainRows.length, val: validationRows(table, trainRows, chosen, valFraction, splitKind, options.modelOptions), test: testRows.length },
    test,
    testScores: { y: yTest, prob },
    comparison,
    cv,
    importance,
    baseline: { majorityClass: target.classes[majority] as string, majorityAccuracy: majorityCount / yTest.length },
    history: final.estimator.history,
    foldHistories: final.foldHistories,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Permutation importance (Breiman 2001; scikit-learn's permutation_importance): the drop in PR-AUC
 * (binary) or macro-F1 (multiclass) on the test part when one input column is shuffled (its crosses
 * are recomputed from the shuffled column, so the importance is that of the sensor, not of one cross).
 */
async function permutationImportance(
  table: Table,
  crosses: PairwiseCrosses | null,
  rows: Int32Array,
  y: Float64Array,
  fitted: Fitted,
  features: readonly FeatureInfo[],
  k: number,
  repeats: number,
  seed: number,
): Promise<{ feature: string; drop: number; std: number }[]> {
  if (repeats <= 0) return [];
  const base = table.take(rows);
  const score = async (t: Table): Promise<number> => {
    const prob = await fitted.estimator.predictProba(samples(fitted.pipeline.transform(crosses ? crosses.apply(t) : t)));
    if (k === 2) return averagePrecision(y, Float64Array.from({ length: y.length }, (_, i) => prob[i * 2 + 1] as number));
    return classificationReport(y, labelsFromProba(prob, k, null), prob, classNames(k)).macroF1;
  };
  const ref = await score(base);
  const rng = new Rng(seed + 999);
  const out: { feature: string; drop: number; std: number }[] = [];
  for (const f of features) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = rng.permutation(base.nRows);
      const col = base.select([f.name]).take(perm).column(f.name);
      drops.push(ref - (await score(base.withColumns([col]))));
    }
    const ms = meanStd(drops);
    out.push({ feature: f.name, drop: ms.mean, std: ms.std });
  }
  return out.sort((a, b) => b.drop - a.drop);
}
