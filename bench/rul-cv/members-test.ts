/**
 * After a choice (never for one): each member's test RMSE / PHM08 score inside a saved RUL ensemble, and
 * the ensemble-minus-member RMSE difference with a 90 % bootstrap interval over test units (2,000
 * resamples, seed 7). Reads the test files, so it must not be used to select anything.
 * Usage: npx tsx bench/rul-cv/members-test.ts MODEL_DIR TEST_FILE RUL_FILE
 */
import { Rng } from '../../src/core/random.js';
import { phmScore, rmse } from '../../src/evaluation/metrics.js';
import { testPredictions } from './test-preds.js';

const [dir, testFile, rulFile] = process.argv.slice(2);
if (!dir || !testFile || !rulFile) throw new Error('usage: members-test.ts MODEL_DIR TEST_FILE RUL_FILE');
const { truth, ensemble: ens, members } = await testPredictions(dir, testFile, rulFile);
const rng = new Rng(7);
const boots = Array.from({ length: 2000 }, () => truth.map(() => rng.int(truth.length)));
const sub = (a: readonly number[], idx: readonly number[]): number[] => idx.map((i) => a[i] as number);
console.log(JSON.stringify({ member: 'ensemble', rmse: +rmse(truth, ens).toFixed(3), score: +phmScore(truth, ens).toFixed(1) }));
for (const { label, seed, pred: p } of members) {
  const ds = boots.map((b) => rmse(sub(truth, b), sub(ens, b)) - rmse(sub(truth, b), sub(p, b))).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      member: label,
      seed,
      rmse: +rmse(truth, p).toFixed(3),
      score: +phmScore(truth, p).toFixed(1),
      ensembleMinusMember: +(rmse(truth, ens) - rmse(truth, p)).toFixed(3),
      lo90: +(ds[100] as number).toFixed(3),
      hi90: +(ds[1899] as number).toFixed(3),
    }),
  );
}
