/**
 * Classification and regression metrics, computed from scores and labels only (no model here).
 * Definitions follow scikit-learn so numbers compare one to one: ROC-AUC by the trapezoid rule over
 * distinct thresholds (ties handled), PR-AUC as average precision (step-wise, no interpolation),
 * precision of a class with no predicted positives is 0 (sklearn's zero_division=0).
 */

/** Confusion matrix: `m[true * k + predicted]`. */
export interface ConfusionMatrix {
  readonly k: number;
  readonly counts: number[];
}

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): ConfusionMatrix {
  const counts = new Array<number>(k * k).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    counts[t * k + p] = (counts[t * k + p] as number) + 1;
  }
  return { k, counts };
}

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Number of true samples of the class. */
  readonly support: number;
}

/** Per-class precision, recall, F1 and support from a confusion matrix. */
export function perClass(cm: ConfusionMatrix): ClassMetrics[] {
  const { k, counts } = cm;
  const out: ClassMetrics[] = [];
  for (let c = 0; c < k; c++) {
    let tp = 0;
    let predPos = 0;
    let actual = 0;
    for (let j = 0; j < k; j++) {
      predPos += counts[j * k + c] as number;
      actual += counts[c * k + j] as number;
    }
    tp = counts[c * k + c] as number;
    const precision = predPos > 0 ? tp / predPos : 0;
    const recall = actual > 0 ? tp / actual : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    out.push({ precision, recall, f1, support: actual });
  }
  return out;
}

export function accuracy(cm: ConfusionMatrix): number {
  let correct = 0;
  let total = 0;
  for (let t = 0; t < cm.k; t++) {
    for (let p = 0; p < cm.k; p++) {
      const n = cm.counts[t * cm.k + p] as number;
      total += n;
      if (t === p) correct += n;
    }
  }
  return total > 0 ? correct / total : 0;
}

/** Mean recall over classes that occur (robust to imbalance). */
export function balancedAccuracy(cm: ConfusionMatrix): number {
  const pc = perClass(cm).filter((c) => c.support > 0);
  return pc.length ? pc.reduce((s, c) => s + c.recall, 0) / pc.length : 0;
}

export interface Curve {
  readonly x: number[];
  readonly y: number[];
  readonly thresholds: number[];
}

/** Sort indices by score descending; returns distinct-threshold cumulative TP/FP counts. */
function cumulative(yTrue: ArrayLike<number>, score: ArrayLike<number>): { tps: number[]; fps: number[]; thr: number[]; pos: number; neg: number } {
  const n = yTrue.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[b] as number) - (score[a] as number));
  const tps: number[] = [];
  const fps: number[] = [];
  const thr: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n; r++) {
    const i = idx[r] as number;
    if ((yTrue[i] as number) === 1) tp++;
    else fp++;
    const next = idx[r + 1];
    if (next === undefined || (score[next] as number) !== (score[i] as number)) {
      tps.push(tp);
      fps.push(fp);
      thr.push(score[i] as number);
    }
  }
  return { tps, fps, thr, pos: tp, neg: fp };
}

/** ROC curve (FPR, TPR) of binary labels (1 = positive) against scores. */
export function rocCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>): Curve {
  const { tps, fps, thr, pos, neg } = cumulative(yTrue, score);
  const x = [0, ...fps.map((f) => (neg > 0 ? f / neg : 0))];
  const y = [0, ...tps.map((t) => (pos > 0 ? t / pos : 0))];
  return { x, y, thresholds: [Infinity, ...thr] };
}

/** Area under the ROC curve (trapezoid). NaN when only one class is present. */
export function rocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  const { x, y } = rocCurve(yTrue, score);
  if (!(x[x.length - 1]! > 0) || !(y[y.length - 1]! > 0)) return NaN;
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return a;
}

/** Precision-recall curve: x = recall, y = precision, at each distinct threshold (high → low). */
export function prCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>): Curve {
  const { tps, fps, thr, pos } = cumulative(yTrue, score);
  const x = tps.map((t) => (pos > 0 ? t / pos : 0));
  const y = tps.map((t, i) => t / (t + fps[i]!));
  return { x, y, thresholds: thr };
}

/** Average precision (sklearn's PR-AUC): Σ (R_n − R_{n−1}) P_n. NaN without positives. */
export function averagePrecision(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  const { x, y } = prCurve(yTrue, score);
  if (x.length === 0 || !(x[x.length - 1]! > 0)) return NaN;
  let ap = 0;
  let prevR = 0;
  for (let i = 0; i < x.length; i++) {
    ap += (x[i]! - prevR) * y[i]!;
    prevR = x[i]!;
  }
  return ap;
}

/**
 * The threshold on P(positive) that maximises F1 of the positive class on the given (validation)
 * data. Returns the midpoint between the best score and the next lower one, so that it generalises
 * rather than sitting exactly on one sample. Never call this with test data.
 */
export function bestF1Threshold(yTrue: ArrayLike<number>, score: ArrayLike<number>): { threshold: number; f1: number } {
  if (score.length !== yTrue.length) throw new RangeError(`bestF1Threshold: ${yTrue.length} labels but ${score.length} scores`);
  const { tps, fps, thr, pos } = cumulative(yTrue, score);
  if (pos === 0) return { threshold: 0.5, f1: 0 }; // nothing to tune on: keep the neutral cut
  let best = -1;
  let bestI = -1;
  for (let i = 0; i < tps.length; i++) {
    const tp = tps[i]!;
    const fp = fps[i]!;
    const fn = pos - tp;
    const f1 = tp > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
    if (f1 > best) {
      best = f1;
      bestI = i;
    }
  }
  if (bestI < 0) return { threshold: 0.5, f1: 0 };
  const hi = thr[bestI]!;
  const lo = thr[bestI + 1];
  return { threshold: lo === undefined ? hi : (hi + lo) / 2, f1: best };
}

export interface CalibrationBin {
  readonly meanPredicted: number;
  readonly fractionPositive: number;
  readonly count: number;
}

/** Reliability diagram data: `bins` equal-width bins of P(positive). Empty bins are omitted. */
export function calibrationBins(yTrue: ArrayLike<number>, prob: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const cnt = new Array<number>(bins).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const p = prob[i] as number;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    sumP[b]! += p;
    sumY[b]! += yTrue[i] as number;
    cnt[b]!++;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (cnt[b]! > 0) out.push({ meanPredicted: sumP[b]! / cnt[b]!, fractionPositive: sumY[b]! / cnt[b]!, count: cnt[b]! });
  }
  return out;
}

/** Brier score: mean squared error of P(positive). */
export function brierScore(yTrue: ArrayLike<number>, prob: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += ((prob[i] as number) - (yTrue[i] as number)) ** 2;
  return yTrue.length ? s / yTrue.length : NaN;
}

/** Root mean squared error. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += ((yPred[i] as number) - (yTrue[i] as number)) ** 2;
  return Math.sqrt(s / yTrue.length);
}

export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs((yPred[i] as number) - (yTrue[i] as number));
  return s / yTrue.length;
}

/** Coefficient of determination. */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i] as number;
  mean /= yTrue.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += ((yTrue[i] as number) - (yPred[i] as number)) ** 2;
    ssTot += ((yTrue[i] as number) - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

/**
 * PHM08 / NASA scoring function for RUL (Saxena et al. 2008): d = pred − true;
 * s = exp(−d/13) − 1 for early (d < 0), exp(d/10) − 1 for late predictions; summed over units.
 */
export function phmScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = (yPred[i] as number) - (yTrue[i] as number);
    s += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  }
  return s;
}

/** Mean and (sample) standard deviation. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** Everything a classification report needs, from labels, predicted labels and probabilities. */
export interface ClassificationReport {
  readonly classes: string[];
  readonly accuracy: number;
  readonly balancedAccuracy: number;
  readonly macroF1: number;
  readonly perClass: (ClassMetrics & { label: string })[];
  readonly confusion: ConfusionMatrix;
  /** Binary only (positive = class 1): */
  readonly rocAuc?: number;
  readonly prAuc?: number;
  readonly brier?: number;
  readonly threshold?: number;
  /** Multiclass: one-vs-rest macro ROC-AUC. */
  readonly rocAucOvr?: number;
}

/**
 * @param prob row-major n × k probabilities
 * @param yPred predicted labels (after the threshold, for binary)
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  prob: ArrayLike<number>,
  classes: readonly string[],
  threshold?: number,
): ClassificationReport {
  const k = classes.length;
  const cm = confusionMatrix(yTrue, yPred, k);
  const pc = perClass(cm).map((c, i) => ({ ...c, label: classes[i] as string }));
  const present = pc.filter((c) => c.support > 0);
  const macroF1 = present.reduce((s, c) => s + c.f1, 0) / Math.max(1, present.length);
  const base = { classes: [...classes], accuracy: accuracy(cm), balancedAccuracy: balancedAccuracy(cm), macroF1, perClass: pc, confusion: cm };
  if (k === 2) {
    const p1 = Float64Array.from({ length: yTrue.length }, (_, i) => prob[i * 2 + 1] as number);
    return { ...base, rocAuc: rocAuc(yTrue, p1), prAuc: averagePrecision(yTrue, p1), brier: brierScore(yTrue, p1), ...(threshold !== undefined ? { threshold } : {}) };
  }
  const aucs: number[] = [];
  for (let c = 0; c < k; c++) {
    const yc = Float64Array.from({ length: yTrue.length }, (_, i) => ((yTrue[i] as number) === c ? 1 : 0));
    const pcol = Float64Array.from({ length: yTrue.length }, (_, i) => prob[i * k + c] as number);
    const a = rocAuc(yc, pcol);
    if (!Number.isNaN(a)) aucs.push(a);
  }
  return { ...base, rocAucOvr: aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN };
}
