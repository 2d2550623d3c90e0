/**
 * Test-like 5-fold CV (validate.ts; the folds and cuts of cv.ts and blend-cv.ts) of the RUL networks
 * under each weight initialisation: chooses the RUL task's default `init` on validation only.
 *
 * Per fold the network is trained as `shopfloor train --task rul --model NAME` trains it: the default
 * member options (defaultMemberOptions, seed 42 + fold), early stopping with best-weights restore on 20 %
 * of the fold's training units (groupSplit, seed 42), the sensor channels of 30-cycle windows. Each
 * held-out unit is cut at 10 cycles (truncationCuts, seed 5); one prediction per cut, clamped to
 * [0, 125], scored against the uncapped truth. Reported: RMSE over the cuts with truth ≤ 125 (the
 * selection metric, 748 cuts on FD001), over all cuts, and the epochs and seconds per fold.
 * Nothing reads test data. The nets read the sensor channels only (session 4's protocol); for
 * `--net-inputs all` (the default of cnn1d/lstm/gru since session 5) use ens-cv.ts (`cnn1d:all`).
 *
 * Usage: npx tsx bench/rul-cv/nets-cv.ts TRAIN_FILE MODEL[,MODEL…] INIT[,INIT…]   (e.g. cnn1d keras,torch)
 */
import { loadCmapss } from '../../src/io/datasets/cmapss.js';
import { initBackend } from '../../src/models/tf/index.js';
import type { NeuralEstimator } from '../../src/models/tf/neural-estimator.js';
import { groupSplit } from '../../src/preprocess/splits.js';
import { createMember, defaultMemberOptions, memberInput, type RulMemberName } from '../../src/tasks/rul/models.js';
import { cutMetrics } from '../../src/tasks/rul/validate.js';
import { CV_WINDOW, cvSetup } from './setup.js';

const [trainFile, modelsArg, initsArg] = process.argv.slice(2);
if (!trainFile || !modelsArg) throw new Error('usage: nets-cv.ts TRAIN_FILE MODEL[,MODEL] [INIT[,INIT]]');
const models = modelsArg.split(',') as RulMemberName[];
const inits = (initsArg ?? 'keras,torch').split(',');
const table = await loadCmapss(trainFile);
await initBackend();
const W = CV_WINDOW;
const { nS, win, rowAt, folds, cuts, gather } = cvSetup(table);

for (const name of models) {
  for (const init of inits) {
    const t0 = performance.now();
    const truth: number[] = [];
    const pred: number[] = [];
    const perFold: { epochs: number; bestEpoch: number; seconds: number; rmse: number }[] = [];
    for (const [fi, held] of folds.entries()) {
      const tf0 = performance.now();
      const tr: number[] = [];
      for (let i = 0; i < win.samples.n; i++) if (!held.has(win.units[i] as number | string)) tr.push(i);
      // Inner split for early stopping, as trainRul: 20 % of the fold's training units.
      const split = groupSplit(
        tr.map((i) => win.units[i] as number | string),
        { testFraction: 0.2, seed: 42 },
      );
      const inner = Array.from(split.train, (j) => tr[j] as number);
      const stop = Array.from(split.test, (j) => tr[j] as number);
      const est = createMember(name, { ...defaultMemberOptions(name, { seed: 42 + fi }), init }) as unknown as NeuralEstimator;
      await est.fit(
        memberInput('windows', gather(inner), W, nS),
        Float64Array.from(inner, (i) => win.y[i] as number),
        { validation: { x: memberInput('windows', gather(stop), W, nS), y: Float64Array.from(stop, (i) => win.y[i] as number) } },
      );
      const fc = cuts.filter((c) => held.has(c.unit));
      const p = await est.predict(memberInput('windows', gather(fc.map((c) => rowAt.get(c.row) as number)), W, nS));
      const ft: number[] = [];
      const fp: number[] = [];
      fc.forEach((c, j) => {
        truth.push(c.rul);
        pred.push(Math.min(125, Math.max(0, p[j] as number)));
        if (c.rul <= 125) {
          ft.push(c.rul);
          fp.push(pred[pred.length - 1] as number);
        }
      });
      const h = est.history;
      perFold.push({ epochs: h.loss.length, bestEpoch: h.bestEpoch + 1, seconds: +((performance.now() - tf0) / 1000).toFixed(1), rmse: +cutMetrics(ft, fp).rmse.toFixed(3) });
      est.dispose();
      console.error(`${name} ${init} fold ${fi}: ${JSON.stringify(perFold[perFold.length - 1])}`);
    }
    const sub = truth.map((t, i) => (t <= 125 ? i : -1)).filter((i) => i >= 0);
    const m = cutMetrics(
      sub.map((i) => truth[i] as number),
      sub.map((i) => pred[i] as number),
    );
    const all = cutMetrics(truth, pred);
    console.log(
      JSON.stringify({
        model: name,
        init,
        cvRmse: +m.rmse.toFixed(3),
        scorePer100: +((100 * m.score) / m.n).toFixed(1),
        cuts: m.n,
        allCutsRmse: +all.rmse.toFixed(3),
        folds: perFold,
        seconds: +((performance.now() - t0) / 1000).toFixed(1),
      }),
    );
  }
}
