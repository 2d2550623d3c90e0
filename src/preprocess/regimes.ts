/**
 * Per-condition (operating-regime) normalisation for multi-regime run-to-failure data, as used on
 * C-MAPSS FD002/FD004: sensor levels depend strongly on the operating condition (altitude, Mach,
 * throttle), which hides degradation unless each sensor is standardised within its regime
 * (e.g. Wang et al., "A similarity-based prognostics approach for remaining useful life estimation
 * of engineered systems", PHM 2008).
 *
 * Fit (training rows only): standardise the operating-setting columns, cluster them with seeded
 * k-means, then learn the mean and std of each sensor in each regime. Transform: assign each row to
 * the nearest regime centroid and standardise its sensors with that regime's training statistics.
 */
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../core/errors.js';
import type { NumericColumn, Table } from '../core/table.js';
import { kMeans, nearestCentroid } from './kmeans.js';
import { assertColumns } from './scalers.js';
import { numArray, numField, readHeader, strArray, type JsonObject } from './serial.js';

/** Options of {@link RegimeNormalizer}. */
export interface RegimeNormalizerOptions {
  /** Operating-setting columns that define the regime (numeric). */
  readonly settings: readonly string[];
  /** Sensor columns to standardise per regime (numeric). */
  readonly sensors: readonly string[];
  /**
   * Number of regimes, or 'auto' (default): each setting is rounded to `roundDecimals` decimal places
   * (in its own units) and each distinct rounded tuple holding at least `minRegimeShare` of the
   * training rows counts as one regime. Rounding raw values (not range-scaled ones) keeps sensor-like
   * noise in a single-regime set (C-MAPSS FD001) from posing as regimes; on FD002/FD004 the six
   * conditions (altitude 0–42 kft, Mach 0–0.84, TRA 60/100) differ in whole units of altitude.
   */
  readonly regimes?: number | 'auto';
  /** Decimal places of the 'auto' rounding: one for all settings or one per setting (default 0). */
  readonly roundDecimals?: number | readonly number[];
  /** Smallest share of rows that counts as a regime in 'auto' (default 0.01). */
  readonly minRegimeShare?: number;
  /** Seed of k-means (default 0). */
  readonly seed?: number;
}

interface RegimeState {
  readonly settingMean: Float64Array;
  readonly settingScale: Float64Array;
  /** k × settings, in standardised setting space. */
  readonly centroids: Float64Array;
  /** k × sensors. */
  readonly sensorMean: Float64Array;
  readonly sensorScale: Float64Array;
  readonly counts: Int32Array;
}

const ZERO = 10 * Number.EPSILON;

/**
 * Standardises each sensor within its operating regime, with regimes found by seeded k-means on the
 * operating settings of the training rows.
 *
 * @example
 * const norm = new RegimeNormalizer({ settings: ['setting1', 'setting2', 'setting3'], sensors, regimes: 6, seed: 1 });
 * const trainN = norm.fit(train).transform(train);
 * const testN = norm.transform(test); // test rows use the training regimes and statistics
 * norm.assign(test);                   // regime index of each test row
 * @throws ConfigError for invalid options; DataError for missing settings, or a sensor with no values in a regime.
 */
export class RegimeNormalizer {
  static readonly kind = 'regime-normalizer';
  static readonly formatVersion = 1;
  readonly options: Required<Omit<RegimeNormalizerOptions, 'settings' | 'sensors' | 'roundDecimals'>> & { settings: string[]; sensors: string[]; roundDecimals: number[] };
  private state: RegimeState | null = null;

  constructor(options: RegimeNormalizerOptions) {
    const { settings, sensors, regimes = 'auto', roundDecimals = 0, minRegimeShare = 0.01, seed = 0 } = options ?? ({} as RegimeNormalizerOptions);
    for (const [name, cols] of [['settings', settings], ['sensors', sensors]] as const) {
      if (!Array.isArray(cols) || cols.length === 0) throw new ConfigError(`RegimeNormalizer: ${name} must name at least one column.`, { option: name });
      assertColumns('RegimeNormalizer', cols);
    }
    const overlap = sensors.filter((s) => settings.includes(s));
    if (overlap.length > 0) throw new ConfigError(`RegimeNormalizer: '${overlap[0]}' is both a setting and a sensor.`, { column: overlap[0] });
    if (regimes !== 'auto' && (!Number.isInteger(regimes) || regimes < 1)) {
      throw new ConfigError(`RegimeNormalizer: regimes must be an integer ≥ 1 or 'auto', got ${String(regimes)}.`, { option: 'regimes' });
    }
    const decimals = typeof roundDecimals === 'number' ? settings.map(() => roundDecimals) : [...roundDecimals];
    if (decimals.length !== settings.length || decimals.some((x) => !Number.isInteger(x) || x < -10 || x > 15)) {
      throw new ConfigError(
        `RegimeNormalizer: roundDecimals must be an integer in [-10, 15], or one per setting (${settings.length}); got ${JSON.stringify(roundDecimals)}.`,
        { option: 'roundDecimals' },
      );
    }
    if (!(minRegimeShare >= 0 && minRegimeShare < 1)) {
      throw new ConfigError(`RegimeNormalizer: minRegimeShare must be in [0, 1), got ${String(minRegimeShare)}.`, { option: 'minRegimeShare' });
    }
    if (!Number.isFinite(seed)) throw new ConfigError(`RegimeNormalizer: seed must be a finite number.`, { option: 'seed' });
    this.options = { settings: [...settings], sensors: [...sensors], regimes, roundDecimals: decimals, minRegimeShare, seed };
  }

  /** Find the regimes and the per-regime sensor statistics from the training rows. Returns this. */
  fit(table: Table): this {
    const o = this.options;
    const n = table.nRows;
    const d = o.settings.length;
    const raw = settingsMatrix(table, o.settings, 'RegimeNormalizer.fit');
    const settingMean = new Float64Array(d);
    const settingScale = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += raw[i * d + j] as number;
      const mu = n > 0 ? s / n : 0;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += ((raw[i * d + j] as number) - mu) ** 2;
      const sd = n > 0 ? Math.sqrt(ss / n) : 0;
      settingMean[j] = mu;
      settingScale[j] = sd <= ZERO * Math.max(1, Math.abs(mu)) ? 1 : sd;
    }
    const z = standardise(raw, n, d, settingMean, settingScale);
    const k = o.regimes === 'auto' ? autoRegimeCount(raw, n, d, o.roundDecimals, o.minRegimeShare) : o.regimes;
    const km = kMeans(z, n, d, { k, seed: o.seed });
    // Drop clusters that ended empty so every regime has training rows.
    const counts0 = new Int32Array(k);
    for (const l of km.labels) counts0[l] = (counts0[l] as number) + 1;
    const keep = [...counts0.keys()].filter((c) => (counts0[c] as number) > 0);
    const centroids = new Float64Array(keep.length * d);
    keep.forEach((c, r) => centroids.set(km.centroids.subarray(c * d, (c + 1) * d), r * d));
    const labels = this.assignStandardised(z, n, centroids);
    const m = o.sensors.length;
    const kk = keep.length;
    const sensorMean = new Float64Array(kk * m);
    const sensorScale = new Float64Array(kk * m);
    const counts = new Int32Array(kk);
    for (const l of labels) counts[l] = (counts[l] as number) + 1;
    o.sensors.forEach((name, j) => {
      const v = table.numeric(name, 'RegimeNormalizer.fit');
      const cnt = new Float64Array(kk);
      const sum = new Float64Array(kk);
      for (let i = 0; i < n; i++) {
        const x = v[i] as number;
        if (Number.isNaN(x)) continue;
        const l = labels[i] as number;
        cnt[l] = (cnt[l] as number) + 1;
        sum[l] = (sum[l] as number) + x;
      }
      const ss = new Float64Array(kk);
      for (let i = 0; i < n; i++) {
        const x = v[i] as number;
        if (Number.isNaN(x)) continue;
        const l = labels[i] as number;
        ss[l] = (ss[l] as number) + (x - (sum[l] as number) / (cnt[l] as number)) ** 2;
      }
      for (let r = 0; r < kk; r++) {
        if (cnt[r] === 0) {
          throw new DataError(
            'SF_DATA_EMPTY',
            `RegimeNormalizer.fit: sensor '${name}' has no non-missing values in regime ${r} (${counts[r]} training rows). Impute it first or use fewer regimes.`,
            { column: name, regime: r },
          );
        }
        const mu = (sum[r] as number) / (cnt[r] as number);
        const sd = Math.sqrt((ss[r] as number) / (cnt[r] as number));
        sensorMean[r * m + j] = mu;
        sensorScale[r * m + j] = sd <= ZERO * Math.max(1, Math.abs(mu)) ? 1 : sd;
      }
    });
    this.state = { settingMean, settingScale, centroids, sensorMean, sensorScale, counts };
    return this;
  }

  /** Regime index (0..nRegimes−1) of each row: the nearest training centroid. */
  assign(table: Table): Int32Array {
    const s = this.fitted();
    const d = this.options.settings.length;
    const raw = settingsMatrix(table, this.options.settings, 'RegimeNormalizer.assign');
    return this.assignStandardised(standardise(raw, table.nRows, d, s.settingMean, s.settingScale), table.nRows, s.centroids);
  }

  /** A new Table with each sensor standardised within its row's regime (settings unchanged). */
  transform(table: Table): Table {
    const s = this.fitted();
    const labels = this.assign(table);
    const m = this.options.sensors.length;
    const cols = this.options.sensors.map((name, j): NumericColumn => {
      const col = table.column(name, 'RegimeNormalizer.transform');
      const v = table.numeric(name, 'RegimeNormalizer.transform');
      const values = v.map((x, i) => {
        const r = labels[i] as number;
        return (x - (s.sensorMean[r * m + j] as number)) / (s.sensorScale[r * m + j] as number);
      });
      return col.unit === undefined ? { name, kind: 'numeric', values } : { name, kind: 'numeric', values, unit: col.unit };
    });
    return table.withColumns(cols);
  }

  /** `fit(table)` then `transform(table)`. */
  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  /** Number of regimes found. */
  get nRegimes(): number {
    return this.fitted().counts.length;
  }

  /** Training rows per regime. */
  get regimeCounts(): Int32Array {
    return this.fitted().counts.slice();
  }

  /** Regime centroids in the original setting units (k × settings, row-major). */
  get centroids(): Float64Array {
    const s = this.fitted();
    const d = this.options.settings.length;
    return s.centroids.map((c, i) => c * (s.settingScale[i % d] as number) + (s.settingMean[i % d] as number));
  }

  /** JSON-safe fitted state with `kind` and `formatVersion`. */
  toJSON(): JsonObject {
    const s = this.fitted();
    const o = this.options;
    return {
      kind: RegimeNormalizer.kind,
      formatVersion: RegimeNormalizer.formatVersion,
      settings: [...o.settings],
      sensors: [...o.sensors],
      seed: o.seed,
      nRegimes: s.counts.length,
      settingMean: [...s.settingMean],
      settingScale: [...s.settingScale],
      centroids: [...s.centroids],
      sensorMean: [...s.sensorMean],
      sensorScale: [...s.sensorScale],
      counts: [...s.counts],
    };
  }

  /** Read a normaliser saved by `toJSON`. @throws ModelFormatError */
  static fromJSON(json: unknown): RegimeNormalizer {
    const k = RegimeNormalizer.kind;
    const o = readHeader(json, k, RegimeNormalizer.formatVersion);
    const settings = strArray(o, 'settings', k);
    const sensors = strArray(o, 'sensors', k);
    const kk = numField(o, 'nRegimes', k);
    if (!Number.isInteger(kk) || kk < 1) throw new ModelFormatError(`Saved ${k}: nRegimes must be an integer ≥ 1.`, { kind: k });
    const d = settings.length;
    const m = sensors.length;
    const r = new RegimeNormalizer({ settings, sensors, regimes: kk, seed: numField(o, 'seed', k) });
    const settingScale = numArray(o, 'settingScale', k, d);
    const sensorScale = numArray(o, 'sensorScale', k, kk * m);
    if ([...settingScale, ...sensorScale].some((x) => !(x > 0))) throw new ModelFormatError(`Saved ${k}: scales must be positive.`, { kind: k });
    r.state = {
      settingMean: Float64Array.from(numArray(o, 'settingMean', k, d)),
      settingScale: Float64Array.from(settingScale),
      centroids: Float64Array.from(numArray(o, 'centroids', k, kk * d)),
      sensorMean: Float64Array.from(numArray(o, 'sensorMean', k, kk * m)),
      sensorScale: Float64Array.from(sensorScale),
      counts: Int32Array.from(numArray(o, 'counts', k, kk)),
    };
    return r;
  }

  private assignStandardised(z: Float64Array, n: number, centroids: Float64Array): Int32Array {
    const d = this.options.settings.length;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = nearestCentroid(z, i, centroids, d).index;
    return labels;
  }

  private fitted(): RegimeState {
    if (!this.state) throw new NotFittedError('RegimeNormalizer');
    return this.state;
  }
}

/** Row-major settings; a missing setting is an error (the regime of that row would be unknown). */
function settingsMatrix(table: Table, settings: readonly string[], context: string): Float64Array {
  const raw = table.toMatrix(settings);
  const d = settings.length;
  for (let i = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i])) {
      const row = Math.floor(i / d);
      const col = settings[i % d] as string;
      throw new DataError('SF_DATA_SCHEMA', `${context}: row ${row} has no value for operating setting '${col}'; every row needs its settings to find its regime.`, {
        row,
        column: col,
      });
    }
  }
  if (table.nRows === 0) throw new DataError('SF_DATA_EMPTY', `${context}: the table has no rows.`);
  return raw;
}

function standardise(raw: Float64Array, n: number, d: number, mean: Float64Array, scale: Float64Array): Float64Array {
  const z = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) z[i] = ((raw[i] as number) - (mean[i % d] as number)) / (scale[i % d] as number);
  return z;
}

/** Distinct rounded setting tuples holding at least `minShare` of the rows. */
function autoRegimeCount(raw: Float64Array, n: number, d: number, decimals: readonly number[], minShare: number): number {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key: number[] = [];
    for (let j = 0; j < d; j++) {
      const f = 10 ** (decimals[j] as number);
      // + 0 turns -0 into 0 so that both round to the same key.
      key.push(Math.round((raw[i * d + j] as number) * f) / f + 0);
    }
    const s = key.join(',');
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  let k = 0;
  for (const c of counts.values()) if (c >= minShare * n) k++;
  return Math.max(1, Math.min(k, n));
}
