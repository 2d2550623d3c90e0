/**
 * Data preparation for remaining-useful-life (RUL) regression on run-to-failure series (C-MAPSS and
 * any table with a unit and a time column), following the standard protocol of
 * ../shared/data/DATASETS.md §2:
 *
 * 1. **Target**: piece-wise linear RUL, `min(cap, lastCycle − cycle)` (Heimes 2008; cap 125 as in
 *    Li, Ding & Sun 2018): early in life the degradation is not observable, so a constant target there
 *    is learnable and a linear one is not.
 * 2. **Per-regime normalisation**: each sensor is standardised within its operating regime, regimes
 *    found by clustering the operating settings (`RegimeNormalizer`, auto number of regimes: 1 on
 *    FD001/FD003, 6 on FD002/FD004). Without setting columns, a plain per-sensor z-score.
 * 3. **Informative-sensor selection** (on the training rows only): a sensor is dropped when, within its
 *    regimes, its most frequent value holds at least `constantShare` (default 0.95) of the rows — a
 *    constant or near-constant (quantised) channel carries no degradation signal. On FD001 this drops
 *    s1, s5, s6, s10, s16, s18, s19 and keeps the 14 sensors the literature uses.
 * 4. **Windows** of `windowSize` cycles per unit (never across units), the target at the window's
 *    last cycle; at test time one window per unit ending at its last cycle (short units edge-padded).
 */
import { ConfigError, DataError } from '../../core/errors.js';
import { isCategorical, type Table } from '../../core/table.js';
import { RegimeNormalizer } from '../../preprocess/regimes.js';
import { lastWindows, slidingWindows, type SeriesData, type WindowResult } from '../../preprocess/windows.js';
import type { JsonObject } from '../../preprocess/serial.js';

/** Default RUL cap (cycles) of the piece-wise linear target. */
export const DEFAULT_RUL_CAP = 125;
/** Default window length (cycles). */
export const DEFAULT_RUL_WINDOW = 30;
/** Default shortest history (cycles) a training window may end at (see trainingWindows). */
export const DEFAULT_MIN_HISTORY = 15;
/** Default unit-history channels of trainRul: drift EWMA α 0.1, 0.3 from a 10-cycle baseline plus the cycle count (chosen on the test-like validation, docs/rul.md). */
export const DEFAULT_HISTORY: HistoryOptions | null = { alphas: [0.1, 0.3], baseline: 10, cycle: true };
/** Default share of the most frequent value above which a sensor counts as near-constant. */
export const DEFAULT_CONSTANT_SHARE = 0.95;

/** Column roles of a run-to-failure table. */
export interface RulColumns {
  /** Unit (engine, machine) column. */
  readonly unit: string;
  /** Time (cycle) column. */
  readonly time: string;
  /** Operating-setting columns for per-regime normalisation (may be empty: one regime). */
  readonly settings: readonly string[];
  /** Candidate sensor columns; default: every other numeric column. */
  readonly sensors?: readonly string[];
}

/** Options of {@link RulPreprocessor.fit}. */
export interface RulPreprocessOptions extends RulColumns {
  /** Share of the most frequent value (within regimes) at or above which a sensor is dropped [0.95], (0, 1]. */
  readonly constantShare?: number;
  /** Number of regimes or 'auto' [auto]. */
  readonly regimes?: number | 'auto';
  /** Seed of the regime clustering [0]. */
  readonly seed?: number;
  /** Unit-history channels appended after the sensors ({@link historyChannels}) [none]. */
  readonly history?: HistoryOptions | null;
}

/**
 * Unit-history channels (see {@link historyChannels}): per kept sensor and smoothing factor, the
 * exponentially weighted mean of the normalised sensor run from the unit's first cycle, minus the
 * unit's own baseline (mean of its first `baseline` cycles); optionally the cycle count.
 */
export interface HistoryOptions {
  /** EWMA smoothing factors, each in (0, 1]. */
  readonly alphas: readonly number[];
  /** Cycles averaged for the unit's baseline (≥ 1). */
  readonly baseline: number;
  /** Append the number of cycles observed so far. */
  readonly cycle: boolean;
}

/**
 * Column names that are the RUL target or its ground truth rather than sensors (case-insensitive):
 * rul, remaining_useful_life, health_index, ttf, time_to_failure (with `_`, `-`, space or nothing
 * between the words). Without explicit sensors they are left out of the candidates, with a reason.
 */
export const TARGET_LIKE = /^(rul|remaining[ _-]?useful[ _-]?life|health[ _-]?index|ttf|time[ _-]?to[ _-]?failure)$/i;

/** Why a candidate sensor was not kept. */
export interface DroppedSensor {
  readonly name: string;
  readonly reason: string;
}

/**
 * Piece-wise linear RUL target per row: `min(cap, last time of the unit − time)`.
 * @example rulTargets([1, 1, 1], [1, 2, 3], 125) // → [2, 1, 0]
 * @throws ConfigError when cap is not positive; DataError on mismatched lengths.
 */
export function rulTargets(units: ArrayLike<number | string>, time: ArrayLike<number>, cap: number = DEFAULT_RUL_CAP): Float64Array {
  if (!(cap > 0)) throw new ConfigError(`RUL cap must be a positive number of cycles; got ${String(cap)}.`, { option: 'cap', value: cap });
  if (units.length !== time.length) throw new DataError('SF_DATA_SCHEMA', `rulTargets: ${units.length} units but ${time.length} times.`);
  const last = new Map<number | string, number>();
  for (let i = 0; i < units.length; i++) {
    const u = units[i] as number | string;
    const t = time[i] as number;
    const prev = last.get(u);
    if (prev === undefined || t > prev) last.set(u, t);
  }
  const out = new Float64Array(units.length);
  for (let i = 0; i < units.length; i++) out[i] = Math.min(cap, (last.get(units[i] as number | string) as number) - (time[i] as number));
  return out;
}

/** The saved state of a fitted {@link RulPreprocessor}. */
export interface RulPreprocessorState {
  readonly unit: string;
  readonly time: string;
  readonly settings: string[];
  readonly candidates: string[];
  readonly sensors: string[];
  readonly dropped: DroppedSensor[];
  readonly constantShare: number;
  readonly nRegimes: number;
  /** RegimeNormalizer JSON (settings given) or null. */
  readonly regimeNormalizer: JsonObject | null;
  /** Plain z-score (no settings): mean and std per kept sensor. */
  readonly zscore: { mean: number[]; std: number[] } | null;
  /** Unit-history channels after the sensors (absent in older models: none). */
  readonly history?: HistoryOptions | null;
}

/**
 * Fitted on training rows: chooses the informative sensors and normalises them per regime.
 * @example
 * const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: ['op_setting_1', 'op_setting_2', 'op_setting_3'] });
 * const series = prep.transform(test); // SeriesData of the kept, normalised sensors
 */
export class RulPreprocessor {
  private constructor(
    readonly state: RulPreprocessorState,
    private readonly norm: RegimeNormalizer | null,
  ) {}

  /**
   * Fit on the training table.
   * @throws ConfigError for bad options or when no sensor is informative; DataError for missing columns.
   */
  static fit(table: Table, o: RulPreprocessOptions): RulPreprocessor {
    const share = o.constantShare ?? DEFAULT_CONSTANT_SHARE;
    if (!(share > 0 && share <= 1)) throw new ConfigError(`constantShare must be in (0, 1]; got ${String(share)}.`, { option: 'constantShare', value: share });
    for (const c of [o.unit, o.time, ...o.settings]) table.column(c, 'RUL data');
    const reserved = new Set([o.unit, o.time, ...o.settings]);
    const dropped: DroppedSensor[] = [];
    const candidates = o.sensors ? [...o.sensors] : [];
    // Without --sensors, a column named like the target or its ground truth (e.g. the simulator's `rul`
    // and `health_index`, or a labelled export) is not a sensor: reading it would leak the answer.
    for (const c of o.sensors ? [] : table.columns) {
      if (c.kind !== 'numeric' || reserved.has(c.name)) continue;
      if (TARGET_LIKE.test(c.name)) dropped.push({ name: c.name, reason: 'named like the target or its ground truth, not a sensor (reading it would leak the answer); give --sensors to use it anyway' });
      else candidates.push(c.name);
    }
    if (candidates.length === 0) {
      throw new ConfigError(
        `RUL data: no sensor columns (numeric columns other than unit '${o.unit}', time '${o.time}' and the settings${dropped.length ? `; excluded as target-like: ${dropped.map((d) => d.name).join(', ')}` : ''}).`,
        { option: 'sensors' },
      );
    }
    for (const c of candidates) table.numeric(c, 'RUL data');
    let regimes: Int32Array;
    let nRegimes = 1;
    let probe: RegimeNormalizer | null = null;
    if (o.settings.length > 0) {
      probe = new RegimeNormalizer({ settings: o.settings, sensors: candidates, regimes: o.regimes ?? 'auto', seed: o.seed ?? 0 }).fit(table);
      regimes = probe.assign(table);
      nRegimes = probe.nRegimes;
    } else {
      regimes = new Int32Array(table.nRows);
    }
    const kept: string[] = [];
    for (const name of candidates) {
      const s = modalShare(table.numeric(name), regimes, nRegimes);
      if (s >= share) dropped.push({ name, reason: `near-constant: the most frequent value holds ${(100 * s).toFixed(1)}% of the training rows within regimes (≥ ${(100 * share).toFixed(0)}%)` });
      else kept.push(name);
    }
    if (kept.length === 0) throw new ConfigError(`RUL data: every sensor is constant or near-constant on the training rows (${candidates.join(', ')}).`, { option: 'sensors' });
    let norm: RegimeNormalizer | null = null;
    let zscore: RulPreprocessorState['zscore'] = null;
    if (probe) {
      norm = new RegimeNormalizer({ settings: o.settings, sensors: kept, regimes: nRegimes, seed: o.seed ?? 0 }).fit(table);
    } else {
      const mean: number[] = [];
      const std: number[] = [];
      for (const name of kept) {
        const v = table.numeric(name);
        let s = 0;
        let n = 0;
        for (const x of v) {
          if (Number.isNaN(x)) continue;
          s += x;
          n++;
        }
        const mu = n > 0 ? s / n : 0;
        let ss = 0;
        for (const x of v) if (!Number.isNaN(x)) ss += (x - mu) ** 2;
        const sd = n > 0 ? Math.sqrt(ss / n) : 0;
        mean.push(mu);
        std.push(sd > 1e-12 ? sd : 1);
      }
      zscore = { mean, std };
    }
    if (o.history) checkHistory(o.history);
    const state: RulPreprocessorState = {
      ...(o.history ? { history: { alphas: [...o.history.alphas], baseline: o.history.baseline, cycle: o.history.cycle } } : {}),
      unit: o.unit,
      time: o.time,
      settings: [...o.settings],
      candidates,
      sensors: kept,
      dropped,
      constantShare: share,
      nRegimes: norm ? norm.nRegimes : 1,
      regimeNormalizer: norm ? norm.toJSON() : null,
      zscore,
    };
    return new RulPreprocessor(state, norm);
  }

  /** Rebuild from {@link RulPreprocessor.state} (as saved in a model manifest). */
  static fromState(state: RulPreprocessorState): RulPreprocessor {
    return new RulPreprocessor(state, state.regimeNormalizer ? RegimeNormalizer.fromJSON(state.regimeNormalizer) : null);
  }

  /** Kept sensors, in feature order. */
  get sensors(): string[] {
    return [...this.state.sensors];
  }

  /** Channels of {@link transform}'s series: the kept sensors, then the history channels. */
  get channels(): string[] {
    const h = this.state.history;
    if (!h) return this.sensors;
    return [...this.state.sensors, ...h.alphas.flatMap((a) => this.state.sensors.map((n) => `${n}_drift_ewm${a}`)), ...(h.cycle ? ['cycle_count'] : [])];
  }

  /**
   * The normalised kept sensors of `table` as series (unit, time), optionally with the RUL target.
   * Missing sensor values are carried forward within the unit (then 0, the regime mean).
   * @throws DataError naming a missing column.
   */
  transform(table: Table, cap?: number): SeriesData & { readonly time: Float64Array } {
    const s = this.state;
    const unitCol = table.column(s.unit, 'RUL data');
    const units: (number | string)[] =
      isCategorical(unitCol) ? Array.from(unitCol.codes, (k) => unitCol.categories[k] ?? '') : Array.from(unitCol.values);
    const time = table.numeric(s.time, 'RUL data');
    const normed = this.norm ? this.norm.transform(table) : table;
    const m = s.sensors.length;
    const n = table.nRows;
    const values = new Float32Array(n * m);
    s.sensors.forEach((name, j) => {
      const v = normed.numeric(name, 'RUL data');
      const mu = s.zscore ? (s.zscore.mean[j] as number) : 0;
      const sd = s.zscore ? (s.zscore.std[j] as number) : 1;
      for (let i = 0; i < n; i++) {
        const x = v[i] as number;
        values[i * m + j] = Number.isNaN(x) ? NaN : (x - mu) / sd;
      }
    });
    fillMissingForward(values, units, n, m);
    const base = { values, nFeatures: m, units, time, ...(cap !== undefined ? { targets: rulTargets(units, time, cap) } : {}) };
    return s.history ? { ...historyChannels(base, s.history), time } : base;
  }
}

function checkHistory(h: HistoryOptions): void {
  if (h.alphas.length === 0 || h.alphas.some((a) => !(a > 0 && a <= 1))) {
    throw new ConfigError(`history: alphas must be numbers in (0, 1]; got ${JSON.stringify(h.alphas)}.`, { option: 'history', value: [...h.alphas] });
  }
  if (!Number.isInteger(h.baseline) || h.baseline < 1) throw new ConfigError(`history: baseline must be a positive integer; got ${String(h.baseline)}.`, { option: 'history', value: h.baseline });
}

/**
 * Append unit-history channels to a series (causal: row r uses rows up to r of its unit only). Per
 * smoothing factor α and sensor: EWMA_α of the sensor from the unit's first cycle minus the unit's
 * baseline, the mean of its first `baseline` cycles (0 until that many cycles are observed). Units
 * start at different wear levels; the drift from a unit's own start removes that offset. With `cycle`,
 * one more channel: the number of cycles observed (1 at the unit's first row).
 * @example historyChannels(series, { alphas: [0.1, 0.3], baseline: 10, cycle: true })
 */
export function historyChannels(series: SeriesData, h: HistoryOptions): SeriesData {
  checkHistory(h);
  const F = series.nFeatures;
  const n = series.units.length;
  const H = h.alphas.length * F + (h.cycle ? 1 : 0);
  const W = F + H;
  const out = new Float32Array(n * W);
  const rowsOf = new Map<number | string, number[]>();
  for (let i = 0; i < n; i++) {
    const u = series.units[i] as number | string;
    let r = rowsOf.get(u);
    if (!r) rowsOf.set(u, (r = []));
    r.push(i);
  }
  const t = series.time;
  const e = new Float64Array(F);
  const b = new Float64Array(F);
  for (const rows of rowsOf.values()) {
    if (t) rows.sort((a, c) => (t[a] as number) - (t[c] as number));
    const nb = Math.min(h.baseline, rows.length);
    b.fill(0);
    for (let q = 0; q < nb; q++) for (let j = 0; j < F; j++) b[j] = (b[j] as number) + (series.values[(rows[q] as number) * F + j] as number) / nb;
    rows.forEach((r, q) => {
      for (let j = 0; j < F; j++) out[r * W + j] = series.values[r * F + j] as number;
      if (h.cycle) out[r * W + W - 1] = q + 1;
    });
    h.alphas.forEach((a, ai) => {
      rows.forEach((r, q) => {
        for (let j = 0; j < F; j++) {
          const v = series.values[r * F + j] as number;
          e[j] = q === 0 ? v : a * v + (1 - a) * (e[j] as number);
          out[r * W + F + ai * F + j] = q + 1 >= nb ? (e[j] as number) - (b[j] as number) : 0;
        }
      });
    });
  }
  return { values: out, nFeatures: W, units: series.units, ...(t ? { time: t } : {}), ...(series.targets ? { targets: series.targets } : {}) };
}

/** Row-weighted mean over regimes of the share of the most frequent value (NaN ignored). */
function modalShare(v: Float64Array, regimes: Int32Array, k: number): number {
  const counts: Map<number, number>[] = Array.from({ length: k }, () => new Map());
  const totals = new Float64Array(k);
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (Number.isNaN(x)) continue;
    const r = regimes[i] as number;
    const c = counts[r] as Map<number, number>;
    c.set(x, (c.get(x) ?? 0) + 1);
    totals[r] = (totals[r] as number) + 1;
  }
  let top = 0;
  let all = 0;
  for (let r = 0; r < k; r++) {
    let best = 0;
    for (const c of (counts[r] as Map<number, number>).values()) if (c > best) best = c;
    top += best;
    all += totals[r] as number;
  }
  return all > 0 ? top / all : 1;
}

function fillMissingForward(values: Float32Array, units: ArrayLike<number | string>, n: number, m: number): void {
  const lastSeen = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const u = units[i] as number | string;
    const prev = lastSeen.get(u);
    for (let j = 0; j < m; j++) {
      if (Number.isNaN(values[i * m + j])) values[i * m + j] = prev === undefined ? 0 : (values[prev * m + j] as number);
    }
    lastSeen.set(u, i);
  }
}

/**
 * Training windows: one window ending at every cycle of every unit from its `minLength`-th cycle on
 * (default `windowSize`: only fully observed windows), target at its last cycle. Windows that end
 * before the unit has `windowSize` cycles are edge-padded like short test units
 * ({@link finalWindows}), so the model sees the inputs that short test units give it.
 * @throws ConfigError when minLength is not an integer in [1, windowSize].
 */
export function trainingWindows(series: SeriesData, windowSize: number, minLength: number = windowSize): WindowResult {
  if (!Number.isInteger(minLength) || minLength < 1 || minLength > windowSize) {
    throw new ConfigError(`trainingWindows: minLength must be an integer in [1, ${windowSize}]; got ${String(minLength)}.`, { option: 'minLength', value: minLength });
  }
  const full = slidingWindows(series, { windowSize, stride: 1, padding: 'edge' });
  if (minLength === windowSize) return full;
  // Prefix windows (cycles minLength … windowSize − 1 of each unit long enough) from the unit's rows.
  const F = series.nFeatures;
  const order = new Map<number | string, number[]>();
  for (let i = 0; i < series.units.length; i++) {
    const u = series.units[i] as number | string;
    let r = order.get(u);
    if (!r) order.set(u, (r = []));
    r.push(i);
  }
  const t = series.time;
  const extra: { unit: number | string; rows: number[]; end: number }[] = [];
  for (const [u, rows] of order) {
    if (t) rows.sort((a, b) => (t[a] as number) - (t[b] as number));
    // The window ending at cycle min(windowSize, length) is already in `full`.
    const last = Math.min(windowSize, rows.length) - 1;
    for (let e = minLength - 1; e < last; e++) extra.push({ unit: u, rows, end: e });
  }
  const n = full.samples.n + extra.length;
  const x = new Float32Array(n * windowSize * F);
  x.set(full.samples.x);
  const y = new Float64Array(n);
  y.set(full.y);
  const units = [...full.units];
  const endRows = new Int32Array(n);
  endRows.set(full.endRows);
  const padded = new Int32Array(n);
  padded.set(full.padded);
  extra.forEach((w, k) => {
    const i = full.samples.n + k;
    const pad = windowSize - 1 - w.end;
    for (let s = 0; s < windowSize; s++) {
      const r = w.rows[Math.max(0, s - pad)] as number;
      for (let j = 0; j < F; j++) x[(i * windowSize + s) * F + j] = series.values[r * F + j] as number;
    }
    const endRow = w.rows[w.end] as number;
    y[i] = series.targets ? (series.targets[endRow] as number) : NaN;
    units.push(w.unit);
    endRows[i] = endRow;
    padded[i] = pad;
  });
  // Order by unit (first appearance) then time, as slidingWindows does.
  const unitRank = new Map([...order.keys()].map((u, k) => [u, k]));
  const rowTime = (r: number): number => (t ? (t[r] as number) : r);
  const perm = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (unitRank.get(units[a] as number | string) as number) - (unitRank.get(units[b] as number | string) as number) || rowTime(endRows[a] as number) - rowTime(endRows[b] as number),
  );
  const d = windowSize * F;
  const px = new Float32Array(n * d);
  perm.forEach((src, k) => px.set(x.subarray(src * d, (src + 1) * d), k * d));
  return {
    samples: { x: px, n, shape: [windowSize, F] },
    y: series.targets ? Float64Array.from(perm, (i) => y[i] as number) : new Float64Array(0),
    units: perm.map((i) => units[i] as number | string),
    endRows: Int32Array.from(perm, (i) => endRows[i] as number),
    padded: Int32Array.from(perm, (i) => padded[i] as number),
    skippedUnits: full.skippedUnits,
  };
}

/** One window per unit ending at its last cycle (the test-time input); short units are edge-padded. */
export function finalWindows(series: SeriesData, windowSize: number): WindowResult {
  return lastWindows(series, { windowSize, padding: 'edge' });
}

/** Names of the per-sensor window statistics of {@link windowFeatures}. */
export const WINDOW_STATS = ['last', 'mean', 'slope', 'min', 'max'] as const;

/**
 * Flat features of each window for tree models: per sensor the last value, mean, least-squares slope
 * over time, min and max (in {@link WINDOW_STATS} order, sensor-major), then optionally one extra
 * column per window (e.g. the cycle at the window's end).
 * @returns row-major `n × (5·sensors + extra)` values.
 */
export function windowFeatures(x: Float32Array, n: number, steps: number, features: number, extra?: ArrayLike<number>): Float32Array {
  const k = WINDOW_STATS.length;
  const width = k * features + (extra ? 1 : 0);
  const out = new Float32Array(n * width);
  const tMean = (steps - 1) / 2;
  let tVar = 0;
  for (let t = 0; t < steps; t++) tVar += (t - tMean) ** 2;
  for (let i = 0; i < n; i++) {
    const base = i * steps * features;
    for (let j = 0; j < features; j++) {
      let sum = 0;
      let mn = Infinity;
      let mx = -Infinity;
      let cov = 0;
      for (let t = 0; t < steps; t++) {
        const v = x[base + t * features + j] as number;
        sum += v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        cov += (t - tMean) * v;
      }
      const o = i * width + j * k;
      out[o] = x[base + (steps - 1) * features + j] as number;
      out[o + 1] = sum / steps;
      out[o + 2] = tVar > 0 ? cov / tVar : 0;
      out[o + 3] = mn;
      out[o + 4] = mx;
    }
    if (extra) out[i * width + width - 1] = extra[i] as number;
  }
  return out;
}

/** Spans (last k steps) of the multi-scale statistics of {@link windowStatsFeatures}. */
export const WINDOW_STAT_SPANS = [5, 10, 20] as const;
/** Smoothing factors of the exponentially weighted means of {@link windowStatsFeatures}. */
export const WINDOW_STAT_ALPHAS = [0.1, 0.3] as const;
/** Names of the per-sensor statistics of {@link windowStatsFeatures}, in order. */
export const WINDOW_STATS_RICH: readonly string[] = [
  'last',
  'mean',
  'slope',
  'min',
  'max',
  'std',
  ...WINDOW_STAT_SPANS.flatMap((k) => [`mean${k}`, `slope${k}`]),
  ...WINDOW_STAT_ALPHAS.map((a) => `ewm${a}`),
];

/**
 * Leading steps of a window that repeat its first observed row exactly (edge padding of a unit shorter
 * than the window): `k` when rows 0..k are bit-identical in every feature. Real sensor rows never
 * repeat exactly in all channels, so this recovers the padding without extra bookkeeping.
 */
export function leadingPadding(x: Float32Array, base: number, steps: number, features: number): number {
  let t = 0;
  while (t + 1 < steps) {
    let same = true;
    for (let j = 0; j < features; j++) {
      if (x[base + t * features + j] !== x[base + (t + 1) * features + j]) {
        same = false;
        break;
      }
    }
    if (!same) break;
    t++;
  }
  return t;
}

/**
 * Richer flat features of each window for tree models: per sensor ({@link WINDOW_STATS_RICH} order,
 * sensor-major) the last value, mean, least-squares slope, min, max and standard deviation over the
 * observed part of the window, mean and slope over the last 5, 10 and 20 steps, and exponentially
 * weighted means (α 0.1, 0.3) run through the window. Edge-padded leading steps
 * ({@link leadingPadding}) are left out, so a short test unit's slopes are not flattened by padding.
 * @returns row-major `n × (14·sensors)` values.
 */
export function windowStatsFeatures(x: Float32Array, n: number, steps: number, features: number): Float32Array {
  const per = WINDOW_STATS_RICH.length;
  const width = per * features;
  const out = new Float32Array(n * width);
  const col = new Float64Array(steps);
  const span = (from: number): { mean: number; slope: number; sd: number } => {
    const m = steps - from;
    let s = 0;
    for (let t = from; t < steps; t++) s += col[t] as number;
    const mean = s / m;
    const tm = (steps - 1 + from) / 2;
    let cv = 0;
    let tv = 0;
    let ss = 0;
    for (let t = from; t < steps; t++) {
      const v = col[t] as number;
      cv += (t - tm) * v;
      tv += (t - tm) ** 2;
      ss += (v - mean) ** 2;
    }
    return { mean, slope: tv > 0 ? cv / tv : 0, sd: Math.sqrt(ss / m) };
  };
  for (let i = 0; i < n; i++) {
    const base = i * steps * features;
    const a0 = leadingPadding(x, base, steps, features);
    for (let j = 0; j < features; j++) {
      for (let t = 0; t < steps; t++) col[t] = x[base + t * features + j] as number;
      let o = i * width + j * per;
      const all = span(a0);
      let mn = Infinity;
      let mx = -Infinity;
      for (let t = a0; t < steps; t++) {
        const v = col[t] as number;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      out[o++] = col[steps - 1] as number;
      out[o++] = all.mean;
      out[o++] = all.slope;
      out[o++] = mn;
      out[o++] = mx;
      out[o++] = all.sd;
      for (const k of WINDOW_STAT_SPANS) {
        const s = span(Math.max(a0, steps - k));
        out[o++] = s.mean;
        out[o++] = s.slope;
      }
      for (const a of WINDOW_STAT_ALPHAS) {
        let e = col[a0] as number;
        for (let t = a0 + 1; t < steps; t++) e = a * (col[t] as number) + (1 - a) * e;
        out[o++] = e;
      }
    }
  }
  return out;
}

/** Names of the columns of {@link windowFeatures}. */
export function windowFeatureNames(sensors: readonly string[], extra?: string): string[] {
  const names = sensors.flatMap((s) => WINDOW_STATS.map((st) => `${s}_${st}`));
  return extra ? [...names, extra] : names;
}
