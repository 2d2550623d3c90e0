/**
 * Test-like cross-validation of gbdt RUL variants on a run-to-failure training file (docs/rul.md,
 * "Validation"): repeated grouped k-fold over units; each held-out unit is cut at cycles drawn uniformly
 * over its life (validate.ts); one prediction per cut, scored against the uncapped truth. The whole
 * validation curve over boosting rounds comes from one fit per fold (the held-out cuts are passed as
 * validation only to record the loss per round; nothing is early-stopped on them, and the rounds are
 * chosen on the pooled curve of all folds).
 *
 * Usage: npx tsx bench/rul-cv/cv.ts TRAIN_FILE 'JSON array of variants' [k] [repeats]
 * A variant: { name, window, features: 'basic'|'stats', cap, minHistory, cycle: bool, lr, rounds,
 *   leaves, minLeaf, subsample, colsample, lambda, weight: 'none'|'tail', weightCut, seed }.
 */
import { loadCmapss } from '../../src/io/datasets/cmapss.js';
import { GradientBoostedTrees } from '../../src/models/trees/index.js';
import { trainingWindows, RulPreprocessor } from '../../src/tasks/rul/data.js';
import { memberInput } from '../../src/tasks/rul/models.js';
import { CMAPSS_SETTINGS } from '../../src/tasks/rul/rul.js';
import { truncationCuts, unitFolds } from '../../src/tasks/rul/validate.js';

interface Variant {
  name?: string;
  window?: number;
  features?: 'basic' | 'stats';
  cap?: number;
  minHistory?: number;
  cycle?: boolean;
  lr?: number;
  rounds?: number;
  leaves?: number;
  minLeaf?: number;
  subsample?: number;
  colsample?: number;
  lambda?: number;
  weight?: 'none' | 'tail';
  weightCut?: number;
  seed?: number;
  /** Per-row history features at the window's end: EWMA (alphas) of each sensor from the unit's start minus the unit's baseline (mean of its first `base` cycles). */
  hist?: { alphas: number[]; base: number; raw?: boolean };
}

/** Row-level history features: for each alpha and sensor, EWMA from the unit's first row, minus the baseline. */
function historyFeatures(alphas: number[], base: number, raw: boolean): { x: Float32Array; width: number } {
  const F = series.nFeatures;
  const n = units.length;
  const width = alphas.length * F * (raw ? 2 : 1);
  const x = new Float32Array(n * width);
  const rowsOf = new Map<number | string, number[]>();
  units.forEach((u, i) => {
    let r = rowsOf.get(u);
    if (!r) rowsOf.set(u, (r = []));
    r.push(i);
  });
  for (const rows of rowsOf.values()) {
    rows.sort((a, b) => (series.time[a] as number) - (series.time[b] as number));
    const b = new Float64Array(F);
    const nb = Math.min(base, rows.length);
    for (let q = 0; q < nb; q++) for (let j = 0; j < F; j++) b[j] = (b[j] as number) + (series.values[(rows[q] as number) * F + j] as number) / nb;
    alphas.forEach((a, ai) => {
      const e = new Float64Array(F);
      rows.forEach((r, q) => {
        for (let j = 0; j < F; j++) {
          const v = series.values[r * F + j] as number;
          e[j] = q === 0 ? v : a * v + (1 - a) * (e[j] as number);
          // Causal baseline: the mean of the first min(base, q + 1) rows.
          x[r * width + ai * F + j] = (e[j] as number) - (q + 1 >= nb ? (b[j] as number) : (e[j] as number));
          if (raw) x[r * width + (alphas.length + ai) * F + j] = e[j] as number;
        }
      });
    });
  }
  return { x, width };
}

const [trainFile, variantsJson, kArg, repArg] = process.argv.slice(2);
if (!trainFile || !variantsJson) throw new Error('usage: cv.ts TRAIN_FILE VARIANTS_JSON [k] [repeats]');
const variants = JSON.parse(variantsJson) as Variant[];
const k = Number(kArg ?? 5);
const repeats = Number(repArg ?? 1);
const table = await loadCmapss(trainFile);
const prep = RulPreprocessor.fit(table, { unit: 'unit', time: 'cycle', settings: [...CMAPSS_SETTINGS], seed: 42 });
const series = prep.transform(table);
const units = Array.from(series.units);
const lastOf = new Map<number | string, number>();
const firstOf = new Map<number | string, number>();
units.forEach((u, i) => {
  const t = series.time[i] as number;
  lastOf.set(u, Math.max(lastOf.get(u) ?? -Infinity, t));
  firstOf.set(u, Math.min(firstOf.get(u) ?? Infinity, t));
});
const folds = unitFolds(units, k, repeats, 11);
const evalMax = Number(process.env.RUL_CV_MAX ?? 125);
const cutsAll = truncationCuts(series.units, series.time, { cutsPerUnit: 10, seed: 5 });

for (const v of variants) {
  const t0 = performance.now();
  const W = v.window ?? 30;
  const cap = v.cap ?? 125;
  const minHistory = v.minHistory ?? W;
  const rounds = v.rounds ?? 600;
  const win = trainingWindows(series, W, Math.min(W, minHistory, 31));
  const feats = memberInput(v.features === 'stats' ? 'window-stats' : 'window-features', win.samples);
  let x = feats.x;
  let width = feats.shape[0] as number;
  const endCycle = Array.from(win.endRows, (r) => (series.time[r] as number) - (firstOf.get(units[r] as number | string) as number) + 1);
  if (v.hist) {
    const h = historyFeatures(v.hist.alphas, v.hist.base, v.hist.raw ?? false);
    const w2 = width + h.width;
    const x2 = new Float32Array(win.samples.n * w2);
    for (let i = 0; i < win.samples.n; i++) {
      x2.set(x.subarray(i * width, (i + 1) * width), i * w2);
      const r = win.endRows[i] as number;
      x2.set(h.x.subarray(r * h.width, (r + 1) * h.width), i * w2 + width);
    }
    x = x2;
    width = w2;
  }
  if (v.cycle) {
    const w2 = width + 1;
    const x2 = new Float32Array(win.samples.n * w2);
    for (let i = 0; i < win.samples.n; i++) {
      x2.set(x.subarray(i * width, (i + 1) * width), i * w2);
      x2[i * w2 + width] = endCycle[i] as number;
    }
    x = x2;
    width = w2;
  }
  const rowAt = new Map<number, number>();
  win.endRows.forEach((r, i) => rowAt.set(r, i));
  const rulOf = (i: number): number => (lastOf.get(win.units[i] as number | string) as number) - (series.time[win.endRows[i] as number] as number);
  const take = (idx: number[]): { x: Float32Array; n: number; shape: number[] } => {
    const out = new Float32Array(idx.length * width);
    idx.forEach((i, j) => out.set(x.subarray(i * width, (i + 1) * width), j * width));
    return { x: out, n: idx.length, shape: [width] };
  };
  const sse = new Float64Array(rounds);
  const sseCappedTruth = new Float64Array(rounds);
  let nCuts = 0;
  let nAll = 0;
  let allSe = 0;
  let cappedSe = 0;
  void sseCappedTruth;
  let lastRounds = rounds;
  for (const [fi, held] of folds.entries()) {
    const tr: number[] = [];
    for (let i = 0; i < win.samples.n; i++) if (!held.has(win.units[i] as number | string) && (endCycle[i] as number) >= minHistory) tr.push(i);
    const cutsFold = cutsAll.filter((c) => held.has(c.unit));
    // Selection curve: cuts whose true RUL is within the cap (degradation visible); all cuts below.
    const cuts = cutsFold.filter((c) => c.rul <= evalMax);
    const va = cuts.map((c) => rowAt.get(c.row) as number);
    const yTr = Float64Array.from(tr, (i) => Math.min(cap, rulOf(i)));
    const yVa = Float64Array.from(cuts, (c) => c.rul);
    let sw: Float64Array | undefined;
    if (v.weight === 'tail') {
      const c0 = v.weightCut ?? cap;
      sw = Float64Array.from(tr, (i) => (rulOf(i) <= c0 ? 1 : 0.5));
    }
    const est = new GradientBoostedTrees({
      task: 'regression',
      nEstimators: rounds,
      learningRate: v.lr ?? 0.03,
      maxLeaves: v.leaves ?? 31,
      minSamplesLeaf: v.minLeaf ?? 50,
      subsample: v.subsample ?? 0.8,
      colsampleByTree: v.colsample ?? 0.8,
      lambda: v.lambda ?? 1,
      earlyStoppingRounds: 100000,
      seed: (v.seed ?? 42) + fi,
    });
    await est.fit(take(tr), yTr, { validation: { x: take(va), y: yVa }, ...(sw ? { sampleWeight: sw } : {}) });
    const vh = est.history.valLoss;
    lastRounds = Math.min(lastRounds, vh.length);
    for (let r = 0; r < vh.length; r++) sse[r] = (sse[r] as number) + 2 * (vh[r] as number) * cuts.length;
    // Secondary metrics from the fold model (kept at its best round on the curve: diagnostic only).
    const pAll = await est.predict(take(cutsFold.map((c) => rowAt.get(c.row) as number)));
    cutsFold.forEach((c, j) => {
      const p = Math.min(cap, Math.max(0, pAll[j] as number));
      allSe += (p - c.rul) ** 2;
      cappedSe += (p - Math.min(c.rul, cap)) ** 2;
    });
    nAll += cutsFold.length;
    nCuts += cuts.length;
  }
  const curve = Array.from(sse.subarray(0, lastRounds), (s) => Math.sqrt(s / nCuts));
  let best = 0;
  curve.forEach((c, r) => {
    if (c < (curve[best] as number)) best = r;
  });
  const at = (r: number): number => +(curve[Math.min(r, curve.length) - 1] as number).toFixed(3);
  console.log(
    JSON.stringify({
      ...v,
      cvRmseBest: +(curve[best] as number).toFixed(3),
      bestRounds: best + 1,
      at150: at(150),
      at300: at(300),
      atEnd: at(lastRounds),
      cuts: nCuts,
      allCutsRmse: +Math.sqrt(allSe / nAll).toFixed(3),
      allCutsCappedTruthRmse: +Math.sqrt(cappedSe / nAll).toFixed(3),
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
    }),
  );
}
