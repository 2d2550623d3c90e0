/**
 * After a choice (never for one): the RUL ensemble against its own members on the FD001 test over many
 * seeds. For each seed S, `shopfloor train --task rul --model ensemble --seed S` (plus any EXTRA
 * arguments, e.g. `--members gru,gru,gru --learning-rate 3e-4`) into OUT_DIR/S (kept; an existing model
 * is reused), then test RMSE / PHM08 score of the ensemble and of each member. Member 0 is trained at
 * seed S exactly as `--model NAME --seed S` trains the single model (a repeated member k gets seed
 * S + 1000·k), so "ensemble − member 0" is the paired ensemble-vs-single-model difference at that seed.
 *
 * Summary: means over seeds; the paired differences ensemble − member 0 and ensemble − mean of its
 * members (mean, standard error, seeds where the ensemble is lower, two-sided exact sign-flip p over all
 * 2^n sign patterns); every member draw pooled as single models (mean, sd, range).
 *
 * Usage: npx tsx bench/rul-cv/test-seeds.ts DATA_DIR SEEDS OUT_DIR [RESULT_JSON] [-- EXTRA…]
 *   SEEDS like 42-51 or 42,43; DATA_DIR holds train_FD001.txt, test_FD001.txt, RUL_FD001.txt.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { phmScore, rmse } from '../../src/evaluation/metrics.js';
import { testPredictions } from './test-preds.js';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [dataDir, seedsArg, outDir, resultFile] = dash >= 0 ? argv.slice(0, dash) : argv;
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
if (!dataDir || !seedsArg || !outDir) throw new Error('usage: test-seeds.ts DATA_DIR SEEDS OUT_DIR [RESULT_JSON] [-- EXTRA…]');
const [from, to] = seedsArg.split('-').map(Number) as [number, number | undefined];
const seeds = to !== undefined ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : seedsArg.split(',').map(Number);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const file = (n: string): string => path.join(dataDir, n);

interface Row {
  seed: number;
  seconds: number | null;
  ensemble: { rmse: number; score: number };
  members: { label: string; seed: unknown; rmse: number; score: number }[];
}
const rows: Row[] = [];
for (const s of seeds) {
  const dir = path.join(outDir, String(s));
  let seconds: number | null = null;
  if (!existsSync(path.join(dir, 'shopfloor-model.json'))) {
    const t0 = performance.now();
    const args = ['tsx', path.join(root, 'src/cli/main.ts'), 'train', '--task', 'rul', '--data', file('train_FD001.txt'), '--format', 'cmapss', '--model', 'ensemble', '--seed', String(s), '--out', dir, ...extra];
    const r = spawnSync('npx', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`train at seed ${s} failed (exit ${String(r.status)})`);
    seconds = +((performance.now() - t0) / 1000).toFixed(1);
  }
  const { truth, ensemble, members } = await testPredictions(dir, file('test_FD001.txt'), file('RUL_FD001.txt'));
  const row: Row = {
    seed: s,
    seconds,
    ensemble: { rmse: +rmse(truth, ensemble).toFixed(3), score: +phmScore(truth, ensemble).toFixed(1) },
    members: members.map((m) => ({ label: m.label, seed: m.seed, rmse: +rmse(truth, m.pred).toFixed(3), score: +phmScore(truth, m.pred).toFixed(1) })),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

const mean = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
const sd = (a: readonly number[]): number => Math.sqrt(a.reduce((x, y) => x + (y - mean(a)) ** 2, 0) / Math.max(1, a.length - 1));
/** Two-sided exact sign-flip p of the mean of paired differences (all 2^n sign patterns). */
function signFlipP(d: readonly number[]): number {
  const obs = Math.abs(d.reduce((x, y) => x + y, 0)) - 1e-12;
  let hit = 0;
  const n = d.length;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += mask & (1 << i) ? -(d[i] as number) : (d[i] as number);
    if (Math.abs(s) >= obs) hit++;
  }
  return hit / 2 ** n;
}
const paired = (d: number[]): Record<string, number> => ({
  mean: +mean(d).toFixed(3),
  se: +(sd(d) / Math.sqrt(d.length)).toFixed(3),
  ensembleLower: d.filter((x) => x < 0).length,
  seeds: d.length,
  p: +signFlipP(d).toFixed(4),
});
const ens = rows.map((r) => r.ensemble.rmse);
const first = rows.map((r) => r.members[0]?.rmse as number);
const memberMean = rows.map((r) => mean(r.members.map((m) => m.rmse)));
const pooled = rows.flatMap((r) => r.members.map((m) => m.rmse));
const summary = {
  extra: extra.join(' '),
  seeds,
  ensemble: { rmse: +mean(ens).toFixed(3), sd: +sd(ens).toFixed(3), score: +mean(rows.map((r) => r.ensemble.score)).toFixed(1) },
  member0: { rmse: +mean(first).toFixed(3), sd: +sd(first).toFixed(3), score: +mean(rows.map((r) => r.members[0]?.score as number)).toFixed(1) },
  allMembers: { draws: pooled.length, rmse: +mean(pooled).toFixed(3), sd: +sd(pooled).toFixed(3), min: Math.min(...pooled), max: Math.max(...pooled) },
  ensembleMinusMember0: paired(ens.map((e, i) => e - (first[i] as number))),
  ensembleMinusMemberMean: paired(ens.map((e, i) => e - (memberMean[i] as number))),
};
console.log(JSON.stringify(summary));
if (resultFile) writeFileSync(resultFile, JSON.stringify({ at: new Date().toISOString(), summary, rows }, null, 1) + '\n');
