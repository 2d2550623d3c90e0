/**
 * Score saved RUL model directories on the test-like validation set of their own held-out units
 * (the units trainRul held out with its seed: groupSplit over units, 20 %), cut uniformly over life.
 * Usage: npx tsx bench/rul-cv/score-saved.ts TRAIN_FILE DIR...
 */
import { loadCmapss } from '../../src/io/datasets/cmapss.js';
import { groupSplit } from '../../src/preprocess/splits.js';
import { initBackend } from '../../src/models/tf/index.js';
import { trainingWindows } from '../../src/tasks/rul/data.js';
import { loadRulModel, predictWindows } from '../../src/tasks/rul/rul.js';
import { cutMetrics, truncationCuts } from '../../src/tasks/rul/validate.js';

const [trainFile, ...dirs] = process.argv.slice(2);
if (!trainFile || dirs.length === 0) throw new Error('usage: score-saved.ts TRAIN_FILE DIR...');
const table = await loadCmapss(trainFile);
await initBackend();
for (const dir of dirs) {
  const model = await loadRulModel(dir);
  const m = model.manifest;
  const series = model.preprocessor.transform(table);
  const split = groupSplit(series.units, { testFraction: 0.2, seed: m.seed });
  const held = new Set(Array.from(split.test, (i) => series.units[i]));
  const cuts = truncationCuts(series.units, series.time, { cutsPerUnit: 50, seed: 1 }).filter((c) => held.has(c.unit));
  const win = trainingWindows(series, m.window, Math.min(m.window, 31));
  const at = new Map<number, number>();
  win.endRows.forEach((r, k) => at.set(r, k));
  const d = win.samples.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(cuts.length * d);
  cuts.forEach((c, k) => {
    const w = at.get(c.row) as number;
    x.set(win.samples.x.subarray(w * d, (w + 1) * d), k * d);
  });
  const pred = await predictWindows(model, { x, n: cuts.length, shape: [...win.samples.shape] });
  const truth = cuts.map((c) => c.rul);
  const all = cutMetrics(truth, pred);
  const capped = cutMetrics(truth.map((t) => Math.min(t, m.cap)), pred);
  const le = cuts.map((c, i) => (c.rul <= m.cap ? i : -1)).filter((i) => i >= 0);
  const near = cutMetrics(le.map((i) => truth[i] as number), le.map((i) => pred[i] as number));
  console.log(JSON.stringify({ dir, model: m.model, window: m.window, units: held.size, cuts: cuts.length, rmse: +all.rmse.toFixed(2), scorePer100: +((100 * all.score) / all.n).toFixed(1), rmseCappedTruth: +capped.rmse.toFixed(2), rmseRulLeCap: +near.rmse.toFixed(2), oldVal: +m.validation.rmse.toFixed(2) }));
}
