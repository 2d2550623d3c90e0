/**
 * Test-like validation for RUL models on run-to-failure training data (docs/rul.md, "Validation").
 *
 * The C-MAPSS test set gives, per test unit, a series truncated at some cycle before failure and one
 * prediction at its last cycle, scored against the true, uncapped RUL. Validating on every window of
 * held-out training units with the truth capped at 125 is dominated by early-life windows whose
 * capped truth is easy, and it chose settings that lost on the test (docs/rul.md). This module builds
 * the test-like set instead: held-out whole units (grouped k-fold over units, repeated with new
 * seeds), each cut at a few cycles drawn uniformly over the unit's life — from `minCut` (enough history
 * for a window) to its last cycle − 1 — with one prediction per cut and the uncapped truth
 * `last cycle − cut`. Nothing here reads test data.
 */
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';

/** One test-like truncation point of a held-out unit. */
export interface TruncationCut {
  readonly unit: number | string;
  /** Index of the cut's row (the last observed cycle) in the series. */
  readonly row: number;
  /** The cut cycle (last observed time). */
  readonly cycle: number;
  /** True remaining life at the cut, uncapped: last cycle of the unit − cut cycle. */
  readonly rul: number;
}

/** Options of {@link truncationCuts}. */
export interface TruncationCutOptions {
  /** Cuts drawn per unit [10]. */
  readonly cutsPerUnit?: number;
  /** Smallest cut cycle (observed history) [31: a 30-cycle window plus one, the protocol's shortest test unit]. */
  readonly minCut?: number;
  /** Seed [0]. */
  readonly seed?: number;
}

/**
 * Truncation points per unit, uniform (with replacement) over the unit's cycles `minCut … last − 1`.
 * Units shorter than `minCut + 1` cycles give no cut. Rows are grouped by unit; `time` orders them.
 * @example truncationCuts(series.units, series.time, { cutsPerUnit: 10, seed: 1 })
 * @throws ConfigError for a non-positive cutsPerUnit or minCut.
 */
export function truncationCuts(units: ArrayLike<number | string>, time: ArrayLike<number>, o: TruncationCutOptions = {}): TruncationCut[] {
  const k = o.cutsPerUnit ?? 10;
  const minCut = o.minCut ?? 31;
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`truncationCuts: cutsPerUnit must be a positive integer; got ${String(k)}.`, { option: 'cutsPerUnit', value: k });
  if (!(minCut >= 1)) throw new ConfigError(`truncationCuts: minCut must be ≥ 1; got ${String(minCut)}.`, { option: 'minCut', value: minCut });
  const rowsOf = new Map<number | string, number[]>();
  for (let i = 0; i < units.length; i++) {
    const u = units[i] as number | string;
    let r = rowsOf.get(u);
    if (!r) rowsOf.set(u, (r = []));
    r.push(i);
  }
  const rng = new Rng(o.seed ?? 0);
  const out: TruncationCut[] = [];
  for (const [u, rows] of rowsOf) {
    rows.sort((a, b) => (time[a] as number) - (time[b] as number));
    const first = rows[0] as number;
    const lastRow = rows[rows.length - 1] as number;
    const last = time[lastRow] as number;
    // Candidate rows: observed history ≥ minCut cycles (counted from the unit's first cycle), RUL ≥ 1.
    const start0 = time[first] as number;
    const cand = rows.filter((r) => (time[r] as number) - start0 + 1 >= minCut && (time[r] as number) < last);
    if (cand.length === 0) continue;
    for (let c = 0; c < k; c++) {
      const r = cand[rng.int(cand.length)] as number;
      out.push({ unit: u, row: r, cycle: time[r] as number, rul: last - (time[r] as number) });
    }
  }
  return out;
}

/**
 * Repeated grouped k-fold over units: `repeats` × `k` folds, each holding out about 1/k of the units
 * (every unit once per repeat). Returns the held-out unit set of each fold.
 * @throws ConfigError when there are fewer units than folds.
 */
export function unitFolds(units: readonly (number | string)[], k = 5, repeats = 1, seed = 0): Set<number | string>[] {
  const uniq = [...new Set(units)];
  if (uniq.length < k || k < 2) throw new ConfigError(`unitFolds: need k ≥ 2 and at least k units; got k = ${k}, ${uniq.length} units.`, { option: 'k', value: k });
  const out: Set<number | string>[] = [];
  for (let r = 0; r < repeats; r++) {
    const p = new Rng(seed + 7919 * r).permutation(uniq.length);
    for (let f = 0; f < k; f++) out.push(new Set(Array.from(p).filter((_, pos) => pos % k === f).map((i) => uniq[i] as number | string)));
  }
  return out;
}

/** RMSE and the PHM08 score of predictions against (uncapped) truths. */
export function cutMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>): { rmse: number; score: number; n: number } {
  let se = 0;
  let score = 0;
  for (let i = 0; i < truth.length; i++) {
    const d = (pred[i] as number) - (truth[i] as number);
    se += d * d;
    score += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  }
  return { rmse: Math.sqrt(se / Math.max(1, truth.length)), score, n: truth.length };
}
