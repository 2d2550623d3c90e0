/**
 * Test-like 5-fold CV (validate.ts; the folds and cuts of cv.ts, nets-cv.ts and blend-cv.ts) of RUL
 * members and their blends: chooses the networks' input channels (`--net-inputs`) and the default
 * ensemble on validation only (docs/rul.md, "Nets with the unit-history channels").
 *
 * A member spec is `gbdt` or `NET:CHANNELS[:INIT][+KEY=VALUE…][@K]` (NET cnn1d|lstm|gru|transformer,
 * CHANNELS sensors|all, INIT keras|torch for cnn1d/lstm/gru, without it the RUL task's DEFAULT_INIT;
 * KEY lr|epochs|patience|batch overrides that member setting, as `shopfloor train --learning-rate …`
 * would; `+rotate`: copy K early-stops on block K of the rotating hold-out (groupSplit `block`) instead
 * of the same 20 % of units as every copy; @K: the K-th copy of the member in an ensemble, seed + 1000·K as trainRul seeds repeated members).
 * Per fold (unitFolds seed 11; 100 FD001 units, 20 held out per fold):
 * - a network is trained as `shopfloor train --task rul --model NET --net-inputs CHANNELS` trains it:
 *   default member options (seed 42 + fold), early stopping with best-weights restore on 20 % of the
 *   fold's training units (groupSplit, seed 42), 30-cycle windows;
 * - gbdt: default options, a fixed number of rounds (default 400: the best round of the pooled CV curve
 *   of the history-channel gbdt, docs/rul.md) on all the fold's training units, seed 42 + fold.
 * Each held-out unit is cut at 10 cycles (truncationCuts, seed 5); one prediction per cut, clamped to
 * [0, 125]. Reported: RMSE over the cuts with truth ≤ 125 (the selection metric, 748 cuts on FD001),
 * PHM08 score per 100 such cuts, RMSE over all cuts, per-fold RMSE; for each blend also its difference
 * to the reference blend (¾ gbdt + ¼ cnn1d:sensors, the session-4 default ensemble) with a 90 % interval
 * from a bootstrap over units (2,000 resamples, seed 7). Nothing reads test data.
 *
 * Predictions are kept in a JSON file (default /tmp/rul-ens-cv.json): members already in it are not
 * retrained, so members can be added in later runs and blended with the earlier ones (the folds and cuts
 * are seeded, hence identical across runs — checked against the stored cuts).
 *
 * Usage: npx tsx bench/rul-cv/ens-cv.ts TRAIN_FILE MEMBER[,MEMBER…] [PREDS_FILE] [GBDT_ROUNDS]
 *   e.g. npx tsx bench/rul-cv/ens-cv.ts ../shared/data/cmapss/train_FD001.txt gbdt,cnn1d:sensors,cnn1d:all
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadCmapss } from '../../src/io/datasets/cmapss.js';
import { Rng } from '../../src/core/random.js';
import { initBackend, INIT_SCHEMES, type InitScheme } from '../../src/models/tf/index.js';
import type { NeuralEstimator } from '../../src/models/tf/neural-estimator.js';
import { groupSplit } from '../../src/preprocess/splits.js';
import { createMember, defaultMemberOptions, memberInput, NET_INPUTS, type NetInputs, type RulMemberName } from '../../src/tasks/rul/models.js';
import { cutMetrics } from '../../src/tasks/rul/validate.js';
import { CV_CAP, CV_WINDOW, cvSetup } from './setup.js';

interface Stored {
  cuts: { unit: number | string; row: number; rul: number }[];
  members: Record<string, { pred: number[]; folds: Record<string, number>[]; seconds: number; at: string }>;
}

const [trainFile, membersArg, predsArg, roundsArg] = process.argv.slice(2);
if (!trainFile || !membersArg) throw new Error('usage: ens-cv.ts TRAIN_FILE MEMBER[,MEMBER…] [PREDS_FILE] [GBDT_ROUNDS]');
const predsFile = predsArg ?? '/tmp/rul-ens-cv.json';
const rounds = Number(roundsArg ?? 400);
const specs = membersArg.split(',');
const CAP = CV_CAP;
const W = CV_WINDOW;

const table = await loadCmapss(trainFile);
const { nS, win, rowAt, folds, cuts, gather } = cvSetup(table);
// Cuts in fold order (all cuts of fold 0, then fold 1, …): every member's predictions follow this order.
const order = folds.flatMap((held) => cuts.filter((c) => held.has(c.unit)));
const foldOf = order.map((c) => folds.findIndex((h) => h.has(c.unit)));
const truth = order.map((c) => c.rul);

const stored: Stored = existsSync(predsFile) ? (JSON.parse(readFileSync(predsFile, 'utf8')) as Stored) : { cuts: order.map((c) => ({ unit: c.unit, row: c.row, rul: c.rul })), members: {} };
if (stored.cuts.length !== order.length || stored.cuts.some((c, i) => c.row !== order[i]?.row || c.rul !== order[i]?.rul)) {
  throw new Error(`${predsFile} holds other cuts than this run's; use another file.`);
}

const clamp = (v: number): number => Math.min(CAP, Math.max(0, v));
const inCap = truth.map((t, i) => (t <= CAP ? i : -1)).filter((i) => i >= 0);
const rmseOn = (p: readonly number[], idx: readonly number[]): number => cutMetrics(idx.map((i) => truth[i] as number), idx.map((i) => p[i] as number)).rmse;

let backend = false;
for (const spec of specs) {
  if (stored.members[spec]) {
    console.error(`${spec}: predictions already in ${predsFile}, not retrained`);
    continue;
  }
  const [base, copyArg] = spec.split('@') as [string, string | undefined];
  const copy = Number(copyArg ?? 0);
  if (!Number.isInteger(copy) || copy < 0) throw new Error(`${spec}: @K must be a non-negative integer`);
  const [netPart, ...overrides] = base.split('+');
  const [name, ch, initArg] = (netPart as string).split(':') as [RulMemberName, string | undefined, string | undefined];
  const settings: Partial<Record<'learningRate' | 'epochs' | 'patience' | 'batchSize', number>> = {};
  const keys = { lr: 'learningRate', epochs: 'epochs', patience: 'patience', batch: 'batchSize' } as const;
  const rotate = overrides.includes('rotate');
  for (const o of overrides) {
    if (o === 'rotate') continue;
    const [k, v] = o.split('=');
    const key = keys[k as keyof typeof keys];
    if (!key || !(Number(v) > 0)) throw new Error(`${spec}: expected +KEY=VALUE with KEY one of ${Object.keys(keys).join(', ')} and a positive number; got '+${o}'`);
    settings[key] = Number(v);
  }
  const channels = (ch ?? 'sensors') as NetInputs;
  if (name !== 'gbdt' && !NET_INPUTS.includes(channels)) throw new Error(`${spec}: channels must be one of ${NET_INPUTS.join(', ')}`);
  if (initArg !== undefined && !(INIT_SCHEMES as readonly string[]).includes(initArg)) throw new Error(`${spec}: init must be one of ${INIT_SCHEMES.join(', ')}`);
  const init = initArg as InitScheme | undefined;
  if (name !== 'gbdt' && !backend) {
    await initBackend();
    backend = true;
  }
  const t0 = performance.now();
  const seedOf = (fold: number): number => 42 + fold + 1000 * copy;
  const pred: number[] = [];
  const perFold: Record<string, number>[] = [];
  for (const [fi, held] of folds.entries()) {
    const tf0 = performance.now();
    const tr: number[] = [];
    for (let i = 0; i < win.samples.n; i++) if (!held.has(win.units[i] as number | string)) tr.push(i);
    const fc = cuts.filter((c) => held.has(c.unit));
    const xVa = gather(fc.map((c) => rowAt.get(c.row) as number));
    let p: Float64Array;
    let info: Record<string, number> = {};
    if (name === 'gbdt') {
      const g = createMember('gbdt', { ...defaultMemberOptions('gbdt', { seed: seedOf(fi), ...settings }), nEstimators: rounds });
      await g.fit(memberInput('window-features', gather(tr), W, nS), Float64Array.from(tr, (i) => win.y[i] as number));
      p = await g.predict(memberInput('window-features', xVa, W, nS));
      info = { rounds };
    } else {
      // Inner split for early stopping, as trainRul: 20 % of the fold's training units.
      const split = groupSplit(
        tr.map((i) => win.units[i] as number | string),
        { testFraction: 0.2, seed: 42, ...(rotate ? { block: copy } : {}) },
      );
      const inner = Array.from(split.train, (j) => tr[j] as number);
      const stop = Array.from(split.test, (j) => tr[j] as number);
      const est = createMember(name, defaultMemberOptions(name, { seed: seedOf(fi), ...settings, ...(init ? { init } : {}) })) as unknown as NeuralEstimator;
      await est.fit(memberInput('windows', gather(inner), W, nS, channels), Float64Array.from(inner, (i) => win.y[i] as number), {
        validation: { x: memberInput('windows', gather(stop), W, nS, channels), y: Float64Array.from(stop, (i) => win.y[i] as number) },
      });
      p = await est.predict(memberInput('windows', xVa, W, nS, channels));
      info = { epochs: est.history.loss.length, bestEpoch: est.history.bestEpoch + 1 };
      est.dispose();
    }
    const fp = Array.from(p, clamp);
    pred.push(...fp);
    const sub = fc.map((c, j) => (c.rul <= CAP ? j : -1)).filter((j) => j >= 0);
    const fr = cutMetrics(sub.map((j) => (fc[j] as { rul: number }).rul), sub.map((j) => fp[j] as number)).rmse;
    perFold.push({ ...info, rmse: +fr.toFixed(3), seconds: +((performance.now() - tf0) / 1000).toFixed(1) });
    console.error(`${spec} fold ${fi}: ${JSON.stringify(perFold[perFold.length - 1])}`);
  }
  stored.members[spec] = { pred, folds: perFold, seconds: +((performance.now() - t0) / 1000).toFixed(1), at: new Date().toISOString() };
  writeFileSync(predsFile, JSON.stringify(stored));
}

// ---- members and blends -----------------------------------------------------------------------------
const have = Object.keys(stored.members);
const P = (spec: string): number[] => (stored.members[spec] as { pred: number[] }).pred;
const blend = (parts: [string, number][]): number[] => truth.map((_, i) => parts.reduce((s, [m, w]) => s + w * (P(m)[i] as number), 0));
const nets = have.filter((m) => m !== 'gbdt');
const candidates: { name: string; parts: [string, number][] }[] = have.map((m) => ({ name: m, parts: [[m, 1]] as [string, number][] }));
if (have.includes('gbdt')) {
  for (const n of nets) {
    candidates.push({ name: `¾ gbdt + ¼ ${n}`, parts: [['gbdt', 0.75], [n, 0.25]] });
    candidates.push({ name: `⅔ gbdt + ⅓ ${n}`, parts: [['gbdt', 2 / 3], [n, 1 / 3]] });
    candidates.push({ name: `½ gbdt + ½ ${n}`, parts: [['gbdt', 0.5], [n, 0.5]] });
  }
  for (const [a, n1] of nets.entries()) {
    for (const n2 of nets.slice(a + 1)) candidates.push({ name: `½ gbdt + ¼ ${n1} + ¼ ${n2}`, parts: [['gbdt', 0.5], [n1, 0.25], [n2, 0.25]] });
  }
}
const refSpec = have.includes('gbdt') && have.includes('cnn1d:sensors') ? blend([['gbdt', 0.75], ['cnn1d:sensors', 0.25]]) : null;
// Bootstrap over units of the difference in RMSE (truth ≤ cap) to the reference blend.
const unitIdx = new Map<number | string, number[]>();
inCap.forEach((i) => {
  const u = order[i]?.unit as number | string;
  let r = unitIdx.get(u);
  if (!r) unitIdx.set(u, (r = []));
  r.push(i);
});
const unitList = [...unitIdx.values()];
const rng = new Rng(7);
const boots = Array.from({ length: 2000 }, () => unitList.flatMap(() => unitList[rng.int(unitList.length)] as number[]));
for (const c of candidates) {
  const p = blend(c.parts);
  const m = cutMetrics(inCap.map((i) => truth[i] as number), inCap.map((i) => p[i] as number));
  const all = cutMetrics(truth, p);
  const folds5 = folds.map((_, f) => +rmseOn(p, inCap.filter((i) => foldOf[i] === f)).toFixed(2));
  let diff: Record<string, number> = {};
  if (refSpec) {
    const ds = boots.map((b) => rmseOn(p, b) - rmseOn(refSpec, b)).sort((x, y) => x - y);
    diff = { vsRef: +(m.rmse - rmseOn(refSpec, inCap)).toFixed(3), vsRefLo90: +(ds[100] as number).toFixed(3), vsRefHi90: +(ds[1899] as number).toFixed(3) };
  }
  console.log(JSON.stringify({ candidate: c.name, cvRmse: +m.rmse.toFixed(3), scorePer100: +((100 * m.score) / m.n).toFixed(1), cuts: m.n, allCutsRmse: +all.rmse.toFixed(3), folds: folds5, ...diff }));
}
for (const m of have) console.log(JSON.stringify({ member: m, folds: stored.members[m]?.folds, seconds: stored.members[m]?.seconds }));
