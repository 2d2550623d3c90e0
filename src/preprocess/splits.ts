/**
 * Train/validation/test splits and k-fold cross-validation as row-index arrays (Int32Array, sorted
 * ascending). Every random choice goes through a seeded {@link Rng}: the same seed gives the same split.
 *
 * - stratified: each class keeps its share in every part (largest-remainder allocation, so each
 *   class's count in a part is within one sample of its exact share — scikit-learn's
 *   StratifiedShuffleSplit does the same);
 * - grouped: no group (machine, unit) appears in two parts;
 * - time-ordered: the earliest rows train, the latest test; rows sharing the boundary time all go to
 *   the later part, so every training time is strictly before every test time.
 */
import { ConfigError, DataError } from '../core/errors.js';
import { Rng } from '../core/random.js';

/** A label or group per row: class indices, numbers, or strings. */
export type Labels = ArrayLike<number | string>;

/** Options shared by the hold-out splits. */
export interface SplitOptions {
  /** Share of rows (groups, for grouped splits) in the test part, in (0, 1). Default 0.2. */
  readonly testFraction?: number;
  /** Share in the validation part, in [0, 1); testFraction + valFraction < 1. Default 0 (no validation part). */
  readonly valFraction?: number;
  /** Seed of the shuffle (default 0). */
  readonly seed?: number;
  /**
   * groupSplit only, without a validation part: which block of the seeded group order is the test part
   * (default 0: the same split as without it). Blocks 0, 1, … are disjoint runs of round(testFraction ×
   * groups) groups, so floor(1 / testFraction) consecutive blocks hold every group out once (a rotating
   * hold-out, e.g. for the seeded copies of an ensemble: each early-stops on other groups, and together
   * they learn from all of them); block b and b + floor(groups / test groups) are the same.
   */
  readonly block?: number;
}

/** Row indices of each part; `val` is empty when no validation part was asked for. */
export interface SplitResult {
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly test: Int32Array;
}

/** One cross-validation fold. */
export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Options of the k-fold splitters. */
export interface KFoldOptions {
  /** Number of folds, an integer ≥ 2 (default 5). */
  readonly k?: number;
  /** Seed of the shuffle (default 0). */
  readonly seed?: number;
}

function fractions(o: SplitOptions): { test: number; val: number; seed: number } {
  const test = o.testFraction ?? 0.2;
  const val = o.valFraction ?? 0;
  if (!(typeof test === 'number' && test > 0 && test < 1)) {
    throw new ConfigError(`testFraction must be a number in (0, 1), got ${String(test)}.`, { option: 'testFraction', value: test });
  }
  if (!(typeof val === 'number' && val >= 0 && val < 1)) {
    throw new ConfigError(`valFraction must be a number in [0, 1), got ${String(val)}.`, { option: 'valFraction', value: val });
  }
  if (test + val >= 1) {
    throw new ConfigError(`testFraction + valFraction must be below 1 (something must be left to train on), got ${test} + ${val}.`, {
      option: 'valFraction',
      testFraction: test,
      valFraction: val,
    });
  }
  return { test, val, seed: seedOf(o.seed) };
}

function seedOf(seed: number | undefined): number {
  const s = seed ?? 0;
  if (!Number.isFinite(s)) throw new ConfigError(`seed must be a finite number, got ${String(s)}.`, { option: 'seed' });
  return s;
}

function kOf(k: number | undefined): number {
  const v = k ?? 5;
  if (!Number.isInteger(v) || v < 2) throw new ConfigError(`k must be an integer ≥ 2, got ${String(v)}.`, { option: 'k', value: v });
  return v;
}

function sorted(xs: number[]): Int32Array {
  return Int32Array.from(xs).sort();
}

/**
 * Split sizes of `n` items into [train, val, test] with val/test = round(fraction · n), at least one
 * item per requested part and at least one left to train.
 */
function partSizes(n: number, test: number, val: number, what: string): [number, number, number] {
  const parts = val > 0 ? 3 : 2;
  if (n < parts) {
    throw new ConfigError(`Need at least ${parts} ${what} (one per part), got ${n}.`, { count: n, parts });
  }
  let nTest = Math.max(1, Math.round(test * n));
  let nVal = val > 0 ? Math.max(1, Math.round(val * n)) : 0;
  while (nTest + nVal > n - 1) {
    if (nTest >= nVal && nTest > 1) nTest--;
    else if (nVal > 1) nVal--;
    else break;
  }
  return [n - nTest - nVal, nVal, nTest];
}

/** Group rows by label value, in first-seen order. */
function groupRows(labels: Labels, what: string): { keys: (number | string)[]; rows: number[][] } {
  const map = new Map<number | string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] as number | string;
    if (typeof v === 'number' && Number.isNaN(v)) {
      throw new DataError('SF_DATA_TARGET', `Row ${i}: the ${what} is missing (NaN); splits need a ${what} for every row.`, { row: i });
    }
    let r = map.get(v);
    if (!r) map.set(v, (r = []));
    r.push(i);
  }
  return { keys: [...map.keys()], rows: [...map.values()] };
}

/**
 * Random (unstratified) hold-out split of `n` rows.
 *
 * @example
 * const { train, test } = randomSplit(1000, { testFraction: 0.25, seed: 7 });
 * @throws ConfigError for invalid fractions or too few rows.
 */
export function randomSplit(n: number, options: SplitOptions = {}): SplitResult {
  const f = fractions(options);
  const [nTrain, nVal] = partSizes(n, f.test, f.val, 'rows');
  const p = Array.from(new Rng(f.seed).permutation(n));
  return { train: sorted(p.slice(0, nTrain)), val: sorted(p.slice(nTrain, nTrain + nVal)), test: sorted(p.slice(nTrain + nVal)) };
}

/**
 * Stratified hold-out split: every class keeps its share in each part. The test and validation
 * counts of each class are within one sample of (part size × class size / n) (largest-remainder
 * rounding); so is the training count in a two-way split (in a three-way split it takes both
 * roundings, so within two). Part sizes are round(fraction × n), at least one row each.
 *
 * @example
 * const { train, test } = stratifiedSplit(y, { testFraction: 0.2, seed: 42 });
 * const { train, val, test } = stratifiedSplit(y, { testFraction: 0.2, valFraction: 0.1 });
 * @throws ConfigError for invalid fractions, or a class with fewer rows than parts (names the class and counts).
 */
export function stratifiedSplit(labels: Labels, options: SplitOptions = {}): SplitResult {
  const f = fractions(options);
  const n = labels.length;
  const { keys, rows } = groupRows(labels, 'class label');
  const parts = f.val > 0 ? 3 : 2;
  assertClassCounts(keys, rows, parts, 'stratifiedSplit', `${parts} parts (train${parts === 3 ? ', val' : ''}, test)`);
  const [, nValTotal, nTestTotal] = partSizes(n, f.test, f.val, 'rows');
  const rng = new Rng(f.seed);
  const sizes = rows.map((r) => r.length);
  // Each class keeps at least one training row.
  const testCounts = allocate(sizes, nTestTotal, rng, sizes.map((s) => s - 1));
  // Validation is a share of the whole, taken from what the test part left.
  const valCap = sizes.map((s, c) => s - (testCounts[c] as number) - 1);
  const valCounts = nValTotal > 0 ? allocate(sizes, nValTotal, rng, valCap) : sizes.map(() => 0);
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  rows.forEach((r, c) => {
    const idx = rng.shuffle(r.slice());
    const t = testCounts[c] as number;
    const v = valCounts[c] as number;
    test.push(...idx.slice(0, t));
    val.push(...idx.slice(t, t + v));
    train.push(...idx.slice(t + v));
  });
  return { train: sorted(train), val: sorted(val), test: sorted(test) };
}

/**
 * Largest-remainder (Hamilton) allocation of `total` items over classes in proportion to `sizes`:
 * each class gets the floor or the ceiling of its exact share, never more than `cap[c]`. Ties in the
 * remainders are broken at random (seeded).
 */
function allocate(sizes: readonly number[], total: number, rng: Rng, cap: readonly number[]): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / n);
  const out = exact.map((e, c) => Math.min(cap[c] as number, Math.floor(e)));
  let left = total - out.reduce((a, b) => a + b, 0);
  const tie = sizes.map(() => rng.next());
  const rem = (c: number): number => (exact[c] as number) - (out[c] as number);
  const order = sizes.map((_, c) => c).sort((a, b) => rem(b) - rem(a) || (tie[a] as number) - (tie[b] as number));
  for (const c of order) {
    if (left <= 0) break;
    if (rem(c) > 0 && (out[c] as number) < (cap[c] as number)) {
      out[c] = (out[c] as number) + 1;
      left--;
    }
  }
  return out;
}

function assertClassCounts(keys: (number | string)[], rows: number[][], need: number, who: string, what: string): void {
  const counts = Object.fromEntries(keys.map((k, c) => [String(k), (rows[c] as number[]).length]));
  rows.forEach((r, c) => {
    if (r.length < need) {
      const k = String(keys[c]);
      throw new ConfigError(
        `${who}: class '${k}' has ${r.length} row${r.length === 1 ? '' : 's'}, too few for ${what}; every class needs at least ${need}. Class counts: ${Object.entries(
          counts,
        )
          .map(([a, b]) => `${a}: ${b}`)
          .join(', ')}. Merge rare classes or use an unstratified split.`,
        { class: k, count: r.length, needed: need, counts },
      );
    }
  });
}

/**
 * Grouped hold-out split: whole groups (machines, units) go to one part, so no group is in two parts.
 * Fractions count groups, not rows: round(testFraction × groups) groups are tested.
 *
 * @example
 * const { train, test } = groupSplit(machineIds, { testFraction: 0.2, seed: 1 });
 * @throws ConfigError for invalid fractions or fewer groups than parts.
 */
export function groupSplit(groups: Labels, options: SplitOptions = {}): SplitResult {
  const f = fractions(options);
  const { rows } = groupRows(groups, 'group');
  const [nTrain, nVal] = partSizes(rows.length, f.test, f.val, 'groups');
  const order = new Rng(f.seed).permutation(rows.length);
  const take = (from: number, to: number): Int32Array => sorted(Array.from(order.subarray(from, to)).flatMap((g) => rows[g] as number[]));
  const block = options.block ?? 0;
  if (!(Number.isInteger(block) && block >= 0)) throw new ConfigError(`block must be a non-negative integer, got ${String(block)}.`, { option: 'block', value: block });
  if (block === 0) return { train: take(0, nTrain), val: take(nTrain, nTrain + nVal), test: take(nTrain + nVal, rows.length) };
  if (nVal > 0) throw new ConfigError('block: a rotating hold-out has no validation part; leave valFraction at 0.', { option: 'block', value: block });
  const nTest = rows.length - nTrain;
  const b = block % Math.floor(rows.length / nTest);
  const end = rows.length - b * nTest;
  return { train: sorted([...take(0, end - nTest), ...take(end, rows.length)]), val: new Int32Array(0), test: take(end - nTest, end) };
}

/**
 * Time-ordered hold-out split: the earliest rows train, then validation, the latest rows test. No
 * shuffling (no seed). Rows with equal times never straddle a boundary: they move to the later part,
 * so every train time < every val time < every test time.
 *
 * @example
 * const { train, test } = timeSplit(table.numeric('timestamp'), { testFraction: 0.2 });
 * @throws ConfigError for invalid fractions or too few rows; DataError for a missing (NaN) time.
 */
export function timeSplit(time: ArrayLike<number>, options: SplitOptions = {}): SplitResult {
  const f = fractions(options);
  const n = time.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(time[i])) throw new DataError('SF_DATA_PARSE', `timeSplit: row ${i} has no time (NaN); drop or fill it first.`, { row: i });
  }
  const [nTrain, nVal] = partSizes(n, f.test, f.val, 'rows');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (time[a] as number) - (time[b] as number) || a - b);
  // Move each boundary back past ties so equal times stay together in the later part.
  const back = (cut: number): number => {
    let c = cut;
    while (c > 0 && c < n && time[order[c - 1] as number] === time[order[c] as number]) c--;
    return c;
  };
  const b2 = back(nTrain + nVal);
  const b1 = Math.min(back(nTrain), b2);
  if (b1 === 0) {
    throw new ConfigError(
      `timeSplit: the earliest ${nTrain} rows share one time with later rows, so no row can train strictly before the rest. Use a finer time column.`,
      { rows: n },
    );
  }
  if (nVal > 0 && b1 === b2) {
    throw new ConfigError(
      `timeSplit: the validation rows all share a time with the test rows, so the validation part would be empty. Raise valFraction or use a finer time column.`,
      { rows: n },
    );
  }
  return { train: sorted(order.slice(0, b1)), val: sorted(order.slice(b1, b2)), test: sorted(order.slice(b2)) };
}

/**
 * Shuffled k-fold: every row is in exactly one test fold; fold sizes differ by at most one.
 * @example for (const { train, test } of kFold(n, { k: 5, seed: 3 })) { ... }
 */
export function kFold(n: number, options: KFoldOptions = {}): Fold[] {
  const k = kOf(options.k);
  if (n < k) throw new ConfigError(`kFold: need at least k = ${k} rows, got ${n}.`, { option: 'k', rows: n });
  const p = new Rng(seedOf(options.seed)).permutation(n);
  const fold = new Int32Array(n);
  p.forEach((row, pos) => (fold[row] = pos % k));
  return foldsFrom(fold, k);
}

/**
 * Stratified k-fold: each class is spread over the folds so its count per fold differs by at most
 * one; every row is in exactly one test fold.
 *
 * @example const folds = stratifiedKFold(y, { k: 5, seed: 0 });
 * @throws ConfigError when a class has fewer than k rows (names the class and counts).
 */
export function stratifiedKFold(labels: Labels, options: KFoldOptions = {}): Fold[] {
  const k = kOf(options.k);
  const { keys, rows } = groupRows(labels, 'class label');
  assertClassCounts(keys, rows, k, 'stratifiedKFold', `k = ${k} folds`);
  const rng = new Rng(seedOf(options.seed));
  const fold = new Int32Array(labels.length);
  // Deal each class's shuffled rows round-robin, continuing where the previous class stopped, so
  // both per-class and total fold sizes stay within one.
  let pos = 0;
  for (const r of rows) for (const i of rng.shuffle(r.slice())) fold[i] = pos++ % k;
  return foldsFrom(fold, k);
}

/**
 * Grouped k-fold: each group is in exactly one test fold (never split across folds). Groups are
 * dealt largest first to the fold with the fewest rows (scikit-learn's GroupKFold), ties broken by a
 * seeded shuffle.
 *
 * @example const folds = groupKFold(unitIds, { k: 5, seed: 0 });
 * @throws ConfigError when there are fewer groups than folds.
 */
export function groupKFold(groups: Labels, options: KFoldOptions = {}): Fold[] {
  const k = kOf(options.k);
  const { rows } = groupRows(groups, 'group');
  if (rows.length < k) throw new ConfigError(`groupKFold: need at least k = ${k} groups, got ${rows.length}.`, { option: 'k', groups: rows.length });
  const rng = new Rng(seedOf(options.seed));
  const shuffled = Array.from(rng.permutation(rows.length));
  const order = shuffled.map((g, pos) => ({ g, pos })).sort((a, b) => (rows[b.g] as number[]).length - (rows[a.g] as number[]).length || a.pos - b.pos);
  const load = new Array<number>(k).fill(0);
  const fold = new Int32Array(groups.length);
  for (const { g } of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if ((load[f] as number) < (load[best] as number)) best = f;
    for (const i of rows[g] as number[]) fold[i] = best;
    load[best] = (load[best] as number) + (rows[g] as number[]).length;
  }
  return foldsFrom(fold, k);
}

function foldsFrom(fold: Int32Array, k: number): Fold[] {
  const tests: number[][] = Array.from({ length: k }, () => []);
  const trains: number[][] = Array.from({ length: k }, () => []);
  fold.forEach((f, i) => {
    for (let j = 0; j < k; j++) (j === f ? (tests[j] as number[]) : (trains[j] as number[])).push(i);
  });
  return tests.map((t, j) => ({ train: Int32Array.from(trains[j] as number[]), test: Int32Array.from(t) }));
}
