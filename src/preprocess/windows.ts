/**
 * Sliding windows over multivariate time series, one series per unit (machine, engine), for sequence
 * models (1-D CNN, LSTM) and remaining-useful-life work on run-to-failure data such as C-MAPSS.
 *
 * Windows never cross units: rows are grouped by unit (units in order of first appearance) and
 * ordered by time within each unit. The target of a window is the target at its last step (e.g. the
 * RUL at that cycle).
 */
import { ConfigError, DataError } from '../core/errors.js';
import { isCategorical, type Table } from '../core/table.js';
import type { SamplesLike } from './matrix.js';

/** Time series of several units, as row-major features plus a unit (and optionally a time and target) per row. */
export interface SeriesData {
  /** Row-major values, `nRows × nFeatures`. */
  readonly values: ArrayLike<number>;
  readonly nFeatures: number;
  /** Unit (machine, engine) of each row. */
  readonly units: ArrayLike<number | string>;
  /** Time of each row (cycle, epoch ms); default: row order within each unit. */
  readonly time?: ArrayLike<number>;
  /** Target of each row (e.g. RUL); a window takes the target of its last step. */
  readonly targets?: ArrayLike<number>;
}

/** How units shorter than the window are left-padded. */
export type WindowPadding = 'none' | 'edge' | 'zero';

/** Options of {@link slidingWindows} and {@link lastWindows}. */
export interface WindowOptions {
  /** Steps per window, an integer ≥ 1. */
  readonly windowSize: number;
  /** Steps between the ends of consecutive windows, an integer ≥ 1 (default 1). */
  readonly stride?: number;
  /**
   * Units shorter than `windowSize`: 'none' (default) skips them (lastWindows throws); 'edge' left-pads
   * with the unit's first row; 'zero' left-pads with zeros. A padded unit gives one window.
   */
  readonly padding?: WindowPadding;
  /**
   * Where the stride grid is anchored: 'end' (default) so the last window of each unit ends at its
   * last row (what RUL evaluation needs); 'start' so the first window starts at the first row.
   */
  readonly anchor?: 'end' | 'start';
}

/** Windows and where they came from. */
export interface WindowResult {
  /** Float32 samples of shape `[windowSize, nFeatures]`. */
  readonly samples: SamplesLike;
  /** Target at each window's last step (empty when no targets were given). */
  readonly y: Float64Array;
  /** Unit of each window. */
  readonly units: (number | string)[];
  /** Input row of each window's last step. */
  readonly endRows: Int32Array;
  /** Number of padded (not observed) leading steps of each window. */
  readonly padded: Int32Array;
  /** Units that gave no window (shorter than the window, padding 'none'). */
  readonly skippedUnits: (number | string)[];
}

interface Checked {
  readonly w: number;
  readonly stride: number;
  readonly padding: WindowPadding;
  readonly anchor: 'end' | 'start';
}

function checkOptions(o: WindowOptions): Checked {
  const w = o.windowSize;
  if (!Number.isInteger(w) || w < 1) throw new ConfigError(`windowSize must be an integer ≥ 1, got ${String(w)}.`, { option: 'windowSize', value: w });
  const stride = o.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new ConfigError(`stride must be an integer ≥ 1, got ${String(stride)}.`, { option: 'stride', value: stride });
  const padding = o.padding ?? 'none';
  if (padding !== 'none' && padding !== 'edge' && padding !== 'zero') {
    throw new ConfigError(`padding must be 'none', 'edge' or 'zero', got '${String(padding)}'.`, { option: 'padding', allowed: ['none', 'edge', 'zero'] });
  }
  const anchor = o.anchor ?? 'end';
  if (anchor !== 'end' && anchor !== 'start') throw new ConfigError(`anchor must be 'end' or 'start', got '${String(anchor)}'.`, { option: 'anchor' });
  return { w, stride, padding, anchor };
}

/** Rows of each unit in time order; units in order of first appearance. */
function unitRows(data: SeriesData): { keys: (number | string)[]; rows: number[][] } {
  const d = data.nFeatures;
  if (!Number.isInteger(d) || d < 1) throw new ConfigError(`nFeatures must be an integer ≥ 1, got ${String(d)}.`, { option: 'nFeatures' });
  const n = data.units.length;
  if (data.values.length !== n * d) {
    throw new DataError('SF_DATA_SCHEMA', `Windows: ${n} unit labels but ${data.values.length} values (expected ${n} × ${d} = ${n * d}).`, {
      rows: n,
      values: data.values.length,
    });
  }
  for (const [name, arr] of [['time', data.time], ['targets', data.targets]] as const) {
    if (arr && arr.length !== n) throw new DataError('SF_DATA_SCHEMA', `Windows: ${name} has ${arr.length} entries, expected ${n} (one per row).`);
  }
  const map = new Map<number | string, number[]>();
  for (let i = 0; i < n; i++) {
    const u = data.units[i] as number | string;
    if (typeof u === 'number' && Number.isNaN(u)) throw new DataError('SF_DATA_SCHEMA', `Windows: row ${i} has no unit (NaN).`, { row: i });
    let r = map.get(u);
    if (!r) map.set(u, (r = []));
    r.push(i);
  }
  const time = data.time;
  if (time) {
    for (const [u, r] of map) {
      for (const i of r) if (Number.isNaN(time[i])) throw new DataError('SF_DATA_SCHEMA', `Windows: row ${i} (unit '${u}') has no time (NaN).`, { row: i, unit: u });
      r.sort((a, b) => (time[a] as number) - (time[b] as number) || a - b);
      for (let j = 1; j < r.length; j++) {
        if (time[r[j] as number] === time[r[j - 1] as number]) {
          throw new DataError(
            'SF_DATA_SCHEMA',
            `Windows: unit '${u}' has two rows (${r[j - 1]} and ${r[j]}) at time ${time[r[j] as number]}; each unit needs one row per time step.`,
            { unit: u, rows: [r[j - 1], r[j]], time: time[r[j] as number] },
          );
        }
      }
    }
  }
  return { keys: [...map.keys()], rows: [...map.values()] };
}

/** Window ends (positions within a unit's rows) for a unit of length L. */
function windowEnds(L: number, c: Checked): number[] {
  if (L < c.w) return c.padding === 'none' || L === 0 ? [] : [L - 1];
  const count = Math.floor((L - c.w) / c.stride) + 1;
  const ends: number[] = [];
  for (let k = 0; k < count; k++) ends.push(c.anchor === 'end' ? L - 1 - (count - 1 - k) * c.stride : c.w - 1 + k * c.stride);
  return ends;
}

function build(data: SeriesData, c: Checked, plan: { unit: number | string; rows: number[]; end: number }[], skipped: (number | string)[]): WindowResult {
  const d = data.nFeatures;
  const step = c.w * d;
  const x = new Float32Array(plan.length * step);
  const y = new Float64Array(data.targets ? plan.length : 0);
  const endRows = new Int32Array(plan.length);
  const padded = new Int32Array(plan.length);
  plan.forEach(({ rows, end }, k) => {
    const first = end - c.w + 1;
    for (let t = 0; t < c.w; t++) {
      const pos = first + t;
      const base = k * step + t * d;
      if (pos < 0) {
        padded[k] = (padded[k] as number) + 1;
        if (c.padding === 'zero') continue; // already zero
      }
      const row = rows[Math.max(0, pos)] as number;
      for (let j = 0; j < d; j++) x[base + j] = data.values[row * d + j] as number;
    }
    const endRow = rows[end] as number;
    endRows[k] = endRow;
    if (data.targets) y[k] = data.targets[endRow] as number;
  });
  return { samples: { x, n: plan.length, shape: [c.w, d] }, y, units: plan.map((p) => p.unit), endRows, padded, skippedUnits: skipped };
}

/**
 * Every window of `windowSize` steps, `stride` apart, within each unit (never across units).
 * A unit of length L ≥ windowSize gives ⌊(L − windowSize) / stride⌋ + 1 windows.
 *
 * @example
 * const series = seriesFromTable(train, { unit: 'unit', time: 'cycle', features: sensors, target: 'rul' });
 * const { samples, y } = slidingWindows(series, { windowSize: 30, stride: 1 });
 * // samples.shape = [30, sensors.length]; y[k] = RUL at the last cycle of window k
 * @throws ConfigError for invalid options; DataError for mismatched lengths, missing units/times or duplicate times in a unit.
 */
export function slidingWindows(data: SeriesData, options: WindowOptions): WindowResult {
  const c = checkOptions(options);
  const { keys, rows } = unitRows(data);
  const plan: { unit: number | string; rows: number[]; end: number }[] = [];
  const skipped: (number | string)[] = [];
  rows.forEach((r, u) => {
    const ends = windowEnds(r.length, c);
    if (ends.length === 0) skipped.push(keys[u] as number | string);
    for (const end of ends) plan.push({ unit: keys[u] as number | string, rows: r, end });
  });
  return build(data, c, plan, skipped);
}

/**
 * One window per unit, ending at the unit's last row: the test-time input of RUL evaluation
 * (C-MAPSS test trajectories are cut before failure; the truth is the RUL at the last cycle).
 * `stride` and `anchor` do not apply.
 *
 * @example const { samples, units } = lastWindows(testSeries, { windowSize: 30, padding: 'edge' });
 * @throws DataError naming the unit when a unit is shorter than windowSize and padding is 'none'.
 */
export function lastWindows(data: SeriesData, options: WindowOptions): WindowResult {
  const c = checkOptions(options);
  const { keys, rows } = unitRows(data);
  const plan = rows.map((r, u) => {
    const unit = keys[u] as number | string;
    if (r.length < c.w && c.padding === 'none') {
      throw new DataError(
        'SF_DATA_SCHEMA',
        `lastWindows: unit '${unit}' has ${r.length} rows, fewer than windowSize ${c.w}. Use a smaller windowSize or padding: 'edge' / 'zero'.`,
        { unit, rows: r.length, windowSize: c.w },
      );
    }
    return { unit, rows: r, end: r.length - 1 };
  });
  return build(data, c, plan, []);
}

/** Column names that make a {@link SeriesData} from a table. */
export interface SeriesColumns {
  /** Unit column (id, categorical or numeric). */
  readonly unit: string;
  /** Time column (numeric or timestamp); default: row order. */
  readonly time?: string;
  /** Feature columns (numeric). */
  readonly features: readonly string[];
  /** Target column (numeric). */
  readonly target?: string;
}

/**
 * Gather the series of a table: features as a row-major matrix, the unit labels, time and target.
 * @example const s = seriesFromTable(cmapss, { unit: 'unit', time: 'cycle', features: ['s2', 's3'], target: 'rul' });
 * @throws DataError for missing or non-numeric columns.
 */
export function seriesFromTable(table: Table, cols: SeriesColumns): SeriesData {
  if (cols.features.length === 0) throw new ConfigError('seriesFromTable: features must name at least one column.', { option: 'features' });
  const uc = table.column(cols.unit, 'seriesFromTable');
  const units: (number | string)[] = isCategorical(uc)
    ? Array.from(uc.codes, (k, i) => {
        if (k < 0) throw new DataError('SF_DATA_SCHEMA', `seriesFromTable: row ${i} has no '${cols.unit}'.`, { row: i, column: cols.unit });
        return uc.categories[k] as string;
      })
    : Array.from(uc.values);
  return {
    values: table.toMatrix(cols.features),
    nFeatures: cols.features.length,
    units,
    ...(cols.time !== undefined ? { time: table.numeric(cols.time, 'seriesFromTable') } : {}),
    ...(cols.target !== undefined ? { targets: table.numeric(cols.target, 'seriesFromTable') } : {}),
  };
}
