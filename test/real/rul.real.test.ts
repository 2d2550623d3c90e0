/**
 * RUL on NASA C-MAPSS FD001 (../shared/data/DATASETS.md §2) with the standard protocol: train on
 * train_FD001.txt (piece-wise linear target capped at 125, windows of 30 cycles, per-regime
 * normalisation, the 14 informative sensors chosen by the near-constant rule, unit-history channels,
 * 20 % of the units held out for early stopping, then a refit on all units), predict at the last cycle
 * of each test unit, score against RUL_FD001.txt.
 *
 * Three models run here: the default gbdt on window features (≈ 30–80 s on the shared 2-core machine),
 * the default ensemble (a seeded bag of three GRUs on the sensor and unit-history channels, ≈ 2–3 min) and
 * the gru alone, which reads the sensor and unit-history channels by default (≈ 45–70 s). Bounds are table rows [model, dataset, metric, bound]; the comment gives the value
 * measured with this code (docs/rul.md has the full table, bench/rul.bench.ts the PyTorch comparison).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRul, trainRul } from '../../src/tasks/rul/rul.js';
import { dataPath, hasData } from './datasets.js';

const TRAIN = 'cmapss/train_FD001.txt';
const TEST = 'cmapss/test_FD001.txt';
const RUL = 'cmapss/RUL_FD001.txt';
const run = hasData(TRAIN) && hasData(TEST) && hasData(RUL);

/**
 * [model, dataset, metric, bound] — measured (seed 42, default options: window 30, unit-history channels,
 * gbdt refit on all units): gbdt FD001 RMSE 11.83, PHM08 score 197.7 (session 3); default ensemble
 * (gru, gru, gru with a rotating hold-out; session 7) RMSE 11.21, score 227.1 (seeds 42–51: 10.81–11.38,
 * score 197.5–253.2; its bounds are the target, 12.0, and 260 — session 6's bag with the same
 * hold-out for every copy scored 12.01 / 244.2 and fails them); gru (sensor + history channels, PyTorch's
 * initialisation; session 6) RMSE 11.51, score 236.5 (a sensors-only recurrent net fails its bounds: session
 * 4's lstm scored 16.18 / 553; the gru on the sensors was not scored on the test). The gbdt bounds fail on the
 * previous default (sensor windows only: 12.93 / 222 with RMSE; the score bound on a larger regression).
 * The network bounds (≈ 0.5–1.0 RMSE and ≈ 25 score above the measured values; the GRU's test RMSE
 * ranges 11.39–12.76 over nine seeds) guard against gross regressions only.
 */
const BOUNDS: readonly (readonly [string, string, 'rmse' | 'score', number])[] = [
  ['gbdt', 'FD001', 'rmse', 12.5],
  ['gbdt', 'FD001', 'score', 250],
  ['ensemble', 'FD001', 'rmse', 12.0],
  ['ensemble', 'FD001', 'score', 260],
  ['gru', 'FD001', 'rmse', 12.5],
  ['gru', 'FD001', 'score', 260],
];

/** Every bound of `model` in BOUNDS holds for the evaluation `e`. */
function expectWithinBounds(model: string, e: Record<'rmse' | 'score', number | null>): void {
  for (const [m, , metric, bound] of BOUNDS) {
    if (m === model) expect(e[metric] as number, `${model} FD001 ${metric}`).toBeLessThanOrEqual(bound);
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'rul-real-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!run)('RUL on C-MAPSS FD001 (standard protocol)', () => {
  it('keeps the 14 informative sensors of the literature', async () => {
    const r = await trainRul({ data: dataPath(TRAIN), out: path.join(dir, 'gbdt'), model: 'gbdt', seed: 42 });
    expect(r.manifest.preprocessor.sensors).toEqual(['s2', 's3', 's4', 's7', 's8', 's9', 's11', 's12', 's13', 's14', 's15', 's17', 's20', 's21']);
    expect(r.manifest.preprocessor.nRegimes).toBe(1);
    // Test-like validation on the 20 held-out units (10 cuts each, uniform over life, uncapped truth).
    expect(r.manifest.validation.cuts?.nAll).toBe(200);
    const e = await evaluateRul({ model: path.join(dir, 'gbdt'), data: dataPath(TEST), rul: dataPath(RUL) });
    expect(e.units).toBe(100);
    expectWithinBounds('gbdt', e);
  }, 600_000);

  it('the default ensemble (three GRUs on sensors and history channels, PyTorch init, seeds 42/1042/2042, rotating hold-out) stays within its bounds', async () => {
    const out = path.join(dir, 'ensemble');
    const r = await trainRul({ data: dataPath(TRAIN), out, model: 'ensemble', seed: 42 });
    expect(r.manifest.members.map((m) => [m.name, m.channels, m.options.init, m.options.seed, m.holdoutBlock])).toEqual([
      ['gru', 'all', 'torch', 42, undefined],
      ['gru', 'all', 'torch', 1042, 1],
      ['gru', 'all', 'torch', 2042, 2],
    ]);
    // Only the first GRU held the usual 20 units out: the ensemble's validation is its alone.
    expect(r.manifest.validation.members).toBe(1);
    const e = await evaluateRul({ model: out, data: dataPath(TEST), rul: dataPath(RUL) });
    expect(e.units).toBe(100);
    expectWithinBounds('ensemble', e);
  }, 900_000);

  it('the gru reads the sensor and unit-history channels by default and stays within its bounds', async () => {
    const out = path.join(dir, 'gru');
    const r = await trainRul({ data: dataPath(TRAIN), out, model: 'gru', seed: 42 });
    expect(r.manifest.members[0]?.channels).toBe('all');
    expect(r.manifest.members[0]?.options.init).toBe('torch');
    const e = await evaluateRul({ model: out, data: dataPath(TEST), rul: dataPath(RUL) });
    expectWithinBounds('gru', e);
  }, 600_000);
});
