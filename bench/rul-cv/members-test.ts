/**
 * After a choice (never for one): each member's test RMSE / PHM08 score inside a saved RUL ensemble, and
 * the ensemble-minus-member RMSE difference with a 90 % bootstrap interval over test units (2,000
 * resamples, seed 7). Reads the test files, so it must not be used to select anything.
 * Usage: npx tsx bench/rul-cv/members-test.ts MODEL_DIR TEST_FILE RUL_FILE
 */
import { loadCmapss, loadCmapssRul } from '../../src/io/datasets/cmapss.js';
import { Rng } from '../../src/core/random.js';
import { initBackend } from '../../src/models/tf/index.js';
import { phmScore, rmse } from '../../src/evaluation/metrics.js';
import { finalWindows } from '../../src/tasks/rul/data.js';
import { memberInput } from '../../src/tasks/rul/models.js';
import { loadRulModel } from '../../src/tasks/rul/rul.js';

const [dir, testFile, rulFile] = process.argv.slice(2);
if (!dir || !testFile || !rulFile) throw new Error('usage: members-test.ts MODEL_DIR TEST_FILE RUL_FILE');
await initBackend();
const model = await loadRulModel(dir);
const m = model.manifest;
const series = model.preprocessor.transform(await loadCmapss(testFile));
const last = finalWindows(series, m.window).samples;
const truth = Array.from(await loadCmapssRul(rulFile));
const nS = m.preprocessor.sensors.length;
const preds: number[][] = [];
for (const mem of model.members) {
  const p = await mem.estimator.predict(memberInput(mem.info.input, last, mem.info.window, nS, mem.info.channels ?? 'sensors'));
  preds.push(Array.from(p, (v) => Math.min(m.cap, Math.max(0, v))));
}
const ens = truth.map((_, i) => preds.reduce((s, p) => s + (p[i] as number), 0) / preds.length);
const rng = new Rng(7);
const boots = Array.from({ length: 2000 }, () => truth.map(() => rng.int(truth.length)));
const sub = (a: readonly number[], idx: readonly number[]): number[] => idx.map((i) => a[i] as number);
console.log(JSON.stringify({ member: 'ensemble', rmse: +rmse(truth, ens).toFixed(3), score: +phmScore(truth, ens).toFixed(1) }));
model.members.forEach((mem, k) => {
  const p = preds[k] as number[];
  const ds = boots.map((b) => rmse(sub(truth, b), sub(ens, b)) - rmse(sub(truth, b), sub(p, b))).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      member: `${k}-${mem.info.name}${mem.info.channels ? ':' + mem.info.channels : ''}`,
      seed: mem.info.options.seed,
      rmse: +rmse(truth, p).toFixed(3),
      score: +phmScore(truth, p).toFixed(1),
      ensembleMinusMember: +(rmse(truth, ens) - rmse(truth, p)).toFixed(3),
      lo90: +(ds[100] as number).toFixed(3),
      hi90: +(ds[1899] as number).toFixed(3),
    }),
  );
});
