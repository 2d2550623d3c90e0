/**
 * Test-like 5-fold CV (validate.ts) of the default gbdt (history channels), the cnn1d and their blends,
 * from the same folds and cuts as scripts/cv.ts: chooses the ensemble composition on validation.
 * Usage: npx tsx bench/rul-cv/blend-cv.ts TRAIN_FILE [gbdtRounds=350] [cnnEpochs=6]
 */
import { loadCmapss } from '../../src/io/datasets/cmapss.js';
import { initBackend } from '../../src/models/tf/index.js';
import { createMember, defaultMemberOptions, memberInput } from '../../src/tasks/rul/models.js';
import { cutMetrics } from '../../src/tasks/rul/validate.js';
import { cvSetup } from './setup.js';

const [trainFile, roundsArg, epochsArg] = process.argv.slice(2);
if (!trainFile) throw new Error('usage: blend-cv.ts TRAIN_FILE [gbdtRounds] [cnnEpochs]');
const table = await loadCmapss(trainFile);
await initBackend();
const { nS, win, rowAt, folds, cuts, gather } = cvSetup(table);
const truth: number[] = [];
const pg: number[] = [];
const pc: number[] = [];
const t0 = performance.now();
for (const [fi, held] of folds.entries()) {
  const tr: number[] = [];
  for (let i = 0; i < win.samples.n; i++) if (!held.has(win.units[i] as number | string)) tr.push(i);
  const fc = cuts.filter((c) => held.has(c.unit));
  const xTr = gather(tr);
  const yTr = Float64Array.from(tr, (i) => win.y[i] as number);
  const xVa = gather(fc.map((c) => rowAt.get(c.row) as number));
  const g = createMember('gbdt', { ...defaultMemberOptions('gbdt', { seed: 42 + fi }), nEstimators: Number(roundsArg ?? 350) });
  await g.fit(memberInput('window-features', xTr, 30, nS), yTr);
  const c = createMember('cnn1d', { ...defaultMemberOptions('cnn1d', { seed: 42 + fi }), epochs: Number(epochsArg ?? 6) });
  await c.fit(memberInput('windows', xTr, 30, nS), yTr);
  const a = await g.predict(memberInput('window-features', xVa, 30, nS));
  const b = await c.predict(memberInput('windows', xVa, 30, nS));
  fc.forEach((cut, j) => {
    truth.push(cut.rul);
    pg.push(Math.min(125, Math.max(0, a[j] as number)));
    pc.push(Math.min(125, Math.max(0, b[j] as number)));
  });
  console.error(`fold ${fi} done at ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const sub = truth.map((t, i) => (t <= 125 ? i : -1)).filter((i) => i >= 0);
for (const w of [1, 0.75, 0.5, 0]) {
  const p = truth.map((_, i) => w * (pg[i] as number) + (1 - w) * (pc[i] as number));
  const m = cutMetrics(sub.map((i) => truth[i] as number), sub.map((i) => p[i] as number));
  const all = cutMetrics(truth, p);
  console.log(JSON.stringify({ gbdtWeight: w, cvRmse: +m.rmse.toFixed(3), scorePer100: +((100 * m.score) / m.n).toFixed(1), n: m.n, allCutsRmse: +all.rmse.toFixed(3) }));
}
