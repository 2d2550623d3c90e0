/**
 * Per-feature scalers (scikit-learn's StandardScaler and MinMaxScaler): statistics are learned per
 * column from the training rows only — never one global mean/std across features. Missing values
 * (NaN) are ignored when fitting and stay NaN through transform.
 *
 * A constant feature (zero spread in the training rows) gets scale 1 instead of a division by zero,
 * as in scikit-learn's `_handle_zeros_in_scale`.
 */
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../core/errors.js';
import type { Table } from '../core/table.js';
import { assemble, resolveForTransform, resolveNumeric, type Matrix } from './matrix.js';
import { boolField, namesField, numArray, readHeader, type JsonObject } from './serial.js';

/** Spreads at or below this (relative to the magnitude of the values) count as zero. */
const ZERO_SPREAD = 10 * Number.EPSILON;

function isZeroSpread(spread: number, magnitude: number): boolean {
  return spread <= ZERO_SPREAD * Math.max(1, Math.abs(magnitude));
}

function noValues(context: string, name: string): DataError {
  return new DataError(
    'SF_DATA_EMPTY',
    `${context}: column '${name}' has no non-missing values in the training rows, so it cannot be scaled. Drop it or impute it first.`,
    { column: name },
  );
}

function columnLabel(names: readonly string[] | null, j: number): string {
  return names ? (names[j] as string) : `#${j}`;
}

/** Options of {@link StandardScaler}. */
export interface StandardScalerOptions {
  /** Table columns to scale (default: every numeric column of the table given to `fit`). Ignored for matrices. */
  readonly columns?: readonly string[];
  /** Subtract the mean (default true). */
  readonly withMean?: boolean;
  /** Divide by the standard deviation (default true). */
  readonly withStd?: boolean;
}

/**
 * z = (x − mean) / std, per feature (population std, ddof 0). Constant features map to 0.
 *
 * @example
 * const s = new StandardScaler().fit(trainTable);
 * const z = s.transform(testTable); // test scaled with the training mean and std
 * @throws DataError at fit when a column has no non-missing values; NotFittedError before fit.
 */
export class StandardScaler {
  static readonly kind = 'standard-scaler';
  static readonly formatVersion = 1;
  readonly options: Required<Omit<StandardScalerOptions, 'columns'>> & { columns?: readonly string[] };
  private state: { names: string[] | null; mean: Float64Array; scale: Float64Array } | null = null;

  constructor(options: StandardScalerOptions = {}) {
    const { columns, withMean = true, withStd = true } = options;
    if (typeof withMean !== 'boolean') throw new ConfigError(`StandardScaler: withMean must be a boolean, got ${String(withMean)}.`);
    if (typeof withStd !== 'boolean') throw new ConfigError(`StandardScaler: withStd must be a boolean, got ${String(withStd)}.`);
    assertColumns('StandardScaler', columns);
    this.options = columns ? { columns: [...columns], withMean, withStd } : { withMean, withStd };
  }

  /** Learn per-feature mean and std from the training rows. Returns this. */
  fit(data: Table | Matrix): this {
    const r = resolveNumeric(data, this.options.columns, 'StandardScaler.fit');
    const m = r.values.length;
    const mean = new Float64Array(m);
    const scale = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const v = r.values[j] as Float64Array;
      let n = 0;
      let sum = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i] as number;
        if (!Number.isNaN(x)) {
          n++;
          sum += x;
        }
      }
      if (n === 0) throw noValues('StandardScaler.fit', columnLabel(r.names, j));
      const mu = sum / n;
      // Two-pass variance: numerically safer than E[x²] − E[x]² for large offsets (e.g. 500 K temperatures).
      let ss = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i] as number;
        if (!Number.isNaN(x)) ss += (x - mu) * (x - mu);
      }
      const sd = Math.sqrt(ss / n);
      mean[j] = this.options.withMean ? mu : 0;
      scale[j] = !this.options.withStd || isZeroSpread(sd, mu) ? 1 : sd;
    }
    this.state = { names: r.names, mean, scale };
    return this;
  }

  /** Scale with the fitted statistics. Returns a new Table (columns replaced) or a new Matrix. */
  transform<T extends Table | Matrix>(data: T): T {
    const s = this.fitted();
    const r = resolveForTransform(data, s.names, s.mean.length, 'StandardScaler.transform');
    const out = r.values.map((v, j) => {
      const mu = s.mean[j] as number;
      const sc = s.scale[j] as number;
      return v.map((x) => (x - mu) / sc);
    });
    return assemble(data, s.names, out) as T;
  }

  /** `fit(data)` then `transform(data)`. */
  fitTransform<T extends Table | Matrix>(data: T): T {
    return this.fit(data).transform(data);
  }

  /** Undo `transform`: x = z · std + mean. */
  inverseTransform<T extends Table | Matrix>(data: T): T {
    const s = this.fitted();
    const r = resolveForTransform(data, s.names, s.mean.length, 'StandardScaler.inverseTransform');
    const out = r.values.map((v, j) => {
      const mu = s.mean[j] as number;
      const sc = s.scale[j] as number;
      return v.map((z) => z * sc + mu);
    });
    return assemble(data, s.names, out) as T;
  }

  /** Fitted per-feature means (0 when withMean is false). */
  get mean(): Float64Array {
    return this.fitted().mean.slice();
  }

  /** Fitted per-feature scales (std, or 1 for constant features / withStd false). */
  get scale(): Float64Array {
    return this.fitted().scale.slice();
  }

  /** Fitted column names (null when fitted on a matrix). */
  get columns(): string[] | null {
    const n = this.fitted().names;
    return n ? [...n] : null;
  }

  /** JSON-safe fitted state with `kind` and `formatVersion`. */
  toJSON(): JsonObject {
    const s = this.fitted();
    return {
      kind: StandardScaler.kind,
      formatVersion: StandardScaler.formatVersion,
      withMean: this.options.withMean,
      withStd: this.options.withStd,
      columns: s.names,
      mean: [...s.mean],
      scale: [...s.scale],
    };
  }

  /** Read a scaler saved by `toJSON`. @throws ModelFormatError */
  static fromJSON(json: unknown): StandardScaler {
    const k = StandardScaler.kind;
    const o = readHeader(json, k, StandardScaler.formatVersion);
    const names = namesField(o, 'columns', k);
    const mean = numArray(o, 'mean', k);
    const scale = numArray(o, 'scale', k, mean.length);
    if (names && names.length !== mean.length) numArray(o, 'columns', k, mean.length);
    assertPositive(k, 'scale', scale);
    const s = new StandardScaler({
      ...(names ? { columns: names } : {}),
      withMean: boolField(o, 'withMean', k),
      withStd: boolField(o, 'withStd', k),
    });
    s.state = { names, mean: Float64Array.from(mean), scale: Float64Array.from(scale) };
    return s;
  }

  private fitted(): { names: string[] | null; mean: Float64Array; scale: Float64Array } {
    if (!this.state) throw new NotFittedError('StandardScaler');
    return this.state;
  }
}

/** Options of {@link MinMaxScaler}. */
export interface MinMaxScalerOptions {
  /** Table columns to scale (default: every numeric column). Ignored for matrices. */
  readonly columns?: readonly string[];
  /** Target range [lo, hi] with lo < hi (default [0, 1]). */
  readonly featureRange?: readonly [number, number];
  /** Clip transformed values into the range (values outside the training min/max) (default false). */
  readonly clip?: boolean;
}

/**
 * x' = lo + (x − min) / (max − min) · (hi − lo), per feature. A constant feature maps to `lo`.
 *
 * @example
 * const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit(trainMatrix);
 * const y = s.transform(testMatrix);
 * @throws ConfigError for an invalid range; DataError at fit for an all-missing column.
 */
export class MinMaxScaler {
  static readonly kind = 'minmax-scaler';
  static readonly formatVersion = 1;
  readonly options: { readonly columns?: readonly string[]; readonly featureRange: readonly [number, number]; readonly clip: boolean };
  private state: { names: string[] | null; min: Float64Array; range: Float64Array } | null = null;

  constructor(options: MinMaxScalerOptions = {}) {
    const { columns, featureRange = [0, 1], clip = false } = options;
    const [lo, hi] = featureRange;
    if (!Array.isArray(featureRange) || featureRange.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
      throw new ConfigError(`MinMaxScaler: featureRange must be [lo, hi] with finite lo < hi, got ${JSON.stringify(featureRange)}.`, {
        option: 'featureRange',
      });
    }
    if (typeof clip !== 'boolean') throw new ConfigError(`MinMaxScaler: clip must be a boolean, got ${String(clip)}.`);
    assertColumns('MinMaxScaler', columns);
    this.options = { ...(columns ? { columns: [...columns] } : {}), featureRange: [lo, hi], clip };
  }

  /** Learn per-feature min and max from the training rows. Returns this. */
  fit(data: Table | Matrix): this {
    const r = resolveNumeric(data, this.options.columns, 'MinMaxScaler.fit');
    const m = r.values.length;
    const min = new Float64Array(m);
    const range = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const x of r.values[j] as Float64Array) {
        if (Number.isNaN(x)) continue;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (lo === Infinity) throw noValues('MinMaxScaler.fit', columnLabel(r.names, j));
      min[j] = lo;
      range[j] = isZeroSpread(hi - lo, lo) ? 1 : hi - lo;
    }
    this.state = { names: r.names, min, range };
    return this;
  }

  /** Scale with the fitted min/max. Returns a new Table (columns replaced) or a new Matrix. */
  transform<T extends Table | Matrix>(data: T): T {
    const s = this.fitted();
    const [lo, hi] = this.options.featureRange;
    const clip = this.options.clip;
    const r = resolveForTransform(data, s.names, s.min.length, 'MinMaxScaler.transform');
    const out = r.values.map((v, j) => {
      const mn = s.min[j] as number;
      const rg = s.range[j] as number;
      return v.map((x) => {
        const y = lo + ((x - mn) / rg) * (hi - lo);
        return clip ? Math.min(hi, Math.max(lo, y)) : y;
      });
    });
    return assemble(data, s.names, out) as T;
  }

  /** `fit(data)` then `transform(data)`. */
  fitTransform<T extends Table | Matrix>(data: T): T {
    return this.fit(data).transform(data);
  }

  /** Undo `transform` (exact unless values were clipped). */
  inverseTransform<T extends Table | Matrix>(data: T): T {
    const s = this.fitted();
    const [lo, hi] = this.options.featureRange;
    const r = resolveForTransform(data, s.names, s.min.length, 'MinMaxScaler.inverseTransform');
    const out = r.values.map((v, j) => {
      const mn = s.min[j] as number;
      const rg = s.range[j] as number;
      return v.map((y) => mn + ((y - lo) / (hi - lo)) * rg);
    });
    return assemble(data, s.names, out) as T;
  }

  /** Fitted per-feature minimum. */
  get dataMin(): Float64Array {
    return this.fitted().min.slice();
  }

  /** Fitted per-feature max − min (1 for constant features). */
  get dataRange(): Float64Array {
    return this.fitted().range.slice();
  }

  /** JSON-safe fitted state with `kind` and `formatVersion`. */
  toJSON(): JsonObject {
    const s = this.fitted();
    return {
      kind: MinMaxScaler.kind,
      formatVersion: MinMaxScaler.formatVersion,
      featureRange: [...this.options.featureRange],
      clip: this.options.clip,
      columns: s.names,
      min: [...s.min],
      range: [...s.range],
    };
  }

  /** Read a scaler saved by `toJSON`. @throws ModelFormatError */
  static fromJSON(json: unknown): MinMaxScaler {
    const k = MinMaxScaler.kind;
    const o = readHeader(json, k, MinMaxScaler.formatVersion);
    const names = namesField(o, 'columns', k);
    const min = numArray(o, 'min', k);
    const range = numArray(o, 'range', k, min.length);
    if (names && names.length !== min.length) numArray(o, 'columns', k, min.length);
    assertPositive(k, 'range', range);
    const fr = numArray(o, 'featureRange', k, 2);
    const s = new MinMaxScaler({
      ...(names ? { columns: names } : {}),
      featureRange: [fr[0] as number, fr[1] as number],
      clip: boolField(o, 'clip', k),
    });
    s.state = { names, min: Float64Array.from(min), range: Float64Array.from(range) };
    return s;
  }

  private fitted(): { names: string[] | null; min: Float64Array; range: Float64Array } {
    if (!this.state) throw new NotFittedError('MinMaxScaler');
    return this.state;
  }
}

/** Throw ConfigError unless `columns` is undefined or a non-empty array of distinct strings. */
export function assertColumns(who: string, columns: readonly string[] | undefined): void {
  if (columns === undefined) return;
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) {
    throw new ConfigError(`${who}: columns must be an array of column names.`, { option: 'columns' });
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new ConfigError(`${who}: column '${c}' is listed twice in columns.`, { option: 'columns', column: c });
    seen.add(c);
  }
}

function assertPositive(kind: string, field: string, xs: readonly number[]): void {
  if (xs.some((x) => !(x > 0))) {
    throw new ModelFormatError(`Saved ${kind}: field '${field}' must hold positive numbers.`, { kind, field });
  }
}
