/**
 * Missing-value imputation (scikit-learn's SimpleImputer), per column, learned from the training
 * rows only. Numeric columns: mean, median, most-frequent or a constant. Categorical columns:
 * most-frequent or a constant category.
 */
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../core/errors.js';
import { isCategorical, type CategoricalColumn, type Column, type Table } from '../core/table.js';
import { isMatrix, matrixColumn, type Matrix } from './matrix.js';
import { assertColumns } from './scalers.js';
import { enumField, numField, objField, readHeader, strField, type JsonObject } from './serial.js';

/** How a column's missing values are filled. */
export type ImputeStrategy = 'mean' | 'median' | 'most-frequent' | 'constant';

const STRATEGIES: readonly ImputeStrategy[] = ['mean', 'median', 'most-frequent', 'constant'];

/** The strategy of one column; `fillValue` is used by 'constant' (a number or a category). */
export interface ImputeSpec {
  readonly strategy: ImputeStrategy;
  readonly fillValue?: number | string;
}

/** Options of {@link Imputer}. */
export interface ImputerOptions {
  /** Table columns to impute (default: every numeric and categorical column; id and timestamp columns are left alone). */
  readonly columns?: readonly string[];
  /** Strategy for numeric columns (default 'mean'). */
  readonly strategy?: ImputeStrategy;
  /** Strategy for categorical columns: 'most-frequent' (default) or 'constant'. */
  readonly categoricalStrategy?: 'most-frequent' | 'constant';
  /** Fill of numeric columns with strategy 'constant' (default 0). */
  readonly fillValue?: number;
  /** Fill of categorical columns with strategy 'constant' (default 'missing'). */
  readonly categoricalFillValue?: string;
  /** Per-column overrides by name (tables only). */
  readonly perColumn?: Readonly<Record<string, ImputeSpec>>;
}

type Fill = { readonly type: 'numeric'; readonly value: number } | { readonly type: 'categorical'; readonly value: string };

interface ImputerState {
  readonly names: string[] | null;
  readonly fills: Fill[];
}

/**
 * Fills missing values (NaN, or code −1 in categorical columns) with statistics of the training rows.
 *
 * @example
 * const imp = new Imputer({ strategy: 'median', perColumn: { Type: { strategy: 'constant', fillValue: 'M' } } });
 * const clean = imp.fit(train).transform(test);
 * @throws ConfigError for unknown strategies or a mean/median asked of a categorical column; DataError
 *   at fit when a column has no non-missing training value (nothing to take a statistic of).
 */
export class Imputer {
  static readonly kind = 'imputer';
  static readonly formatVersion = 1;
  readonly options: ImputerOptions;
  private state: ImputerState | null = null;

  constructor(options: ImputerOptions = {}) {
    const strategy = options.strategy ?? 'mean';
    checkStrategy('strategy', strategy);
    const cs = options.categoricalStrategy ?? 'most-frequent';
    if (cs !== 'most-frequent' && cs !== 'constant') {
      throw new ConfigError(`Imputer: categoricalStrategy must be 'most-frequent' or 'constant', got '${String(cs)}'.`, {
        option: 'categoricalStrategy',
      });
    }
    if (options.fillValue !== undefined && !Number.isFinite(options.fillValue)) {
      throw new ConfigError(`Imputer: fillValue must be a finite number, got ${String(options.fillValue)}.`, { option: 'fillValue' });
    }
    if (options.categoricalFillValue !== undefined && typeof options.categoricalFillValue !== 'string') {
      throw new ConfigError(`Imputer: categoricalFillValue must be a string.`, { option: 'categoricalFillValue' });
    }
    assertColumns('Imputer', options.columns);
    for (const [name, spec] of Object.entries(options.perColumn ?? {})) {
      checkStrategy(`perColumn['${name}'].strategy`, spec.strategy);
      const fv = spec.fillValue;
      if (fv !== undefined && typeof fv !== 'string' && !Number.isFinite(fv)) {
        throw new ConfigError(`Imputer: perColumn['${name}'].fillValue must be a finite number or a string, got ${String(fv)}.`);
      }
    }
    this.options = { ...options, strategy, categoricalStrategy: cs };
  }

  /** Learn the fill value of each column from the training rows. Returns this. */
  fit(data: Table | Matrix): this {
    if (isMatrix(data)) {
      if (this.options.perColumn && Object.keys(this.options.perColumn).length > 0) {
        throw new ConfigError('Imputer: perColumn needs a Table (matrix columns have no names).', { option: 'perColumn' });
      }
      const fills: Fill[] = [];
      for (let j = 0; j < data.nCols; j++) fills.push(this.numericFill(`#${j}`, matrixColumn(data, j), undefined));
      this.state = { names: null, fills };
      return this;
    }
    const names = this.options.columns
      ? [...this.options.columns]
      : data.columns.filter((c) => c.kind === 'numeric' || c.kind === 'categorical').map((c) => c.name);
    for (const n of Object.keys(this.options.perColumn ?? {})) {
      if (!names.includes(n)) {
        throw new ConfigError(`Imputer: perColumn names '${n}', which is not among the imputed columns (${names.join(', ')}).`, {
          option: 'perColumn',
          column: n,
        });
      }
    }
    const fills = names.map((n) => {
      const col = data.column(n, 'Imputer.fit');
      const spec = this.options.perColumn?.[n];
      return isCategorical(col) ? this.categoricalFill(col, spec) : this.numericFill(n, col.values, spec);
    });
    this.state = { names, fills };
    return this;
  }

  /** Fill missing values. Returns a new Table (columns replaced) or a new Matrix. */
  transform<T extends Table | Matrix>(data: T): T {
    const s = this.fitted();
    if (isMatrix(data)) {
      if (s.fills.some((f) => f.type !== 'numeric')) {
        throw new DataError('SF_DATA_SCHEMA', 'Imputer.transform: fitted with categorical columns; transform a Table, not a matrix.');
      }
      if (data.nCols !== s.fills.length) {
        throw new DataError('SF_DATA_SCHEMA', `Imputer.transform: expected a matrix with ${s.fills.length} columns (as at fit), got ${data.nCols}.`);
      }
      const out = data.data.slice();
      const m = data.nCols;
      for (let i = 0; i < out.length; i++) {
        if (Number.isNaN(out[i])) out[i] = (s.fills[i % m] as Fill).value as number;
      }
      return { data: out, nRows: data.nRows, nCols: m } as Matrix as T;
    }
    if (s.names === null) {
      throw new DataError('SF_DATA_SCHEMA', 'Imputer was fitted on a matrix; transform a matrix, not a table.');
    }
    const table = data as Table;
    const cols: Column[] = s.names.map((n, j) => {
      const col = table.column(n, 'Imputer.transform');
      const fill = s.fills[j] as Fill;
      if (fill.type === 'categorical') {
        if (!isCategorical(col)) throw typeChanged(n, 'categorical', col.kind);
        return fillCategorical(col, fill.value);
      }
      if (isCategorical(col)) throw typeChanged(n, 'numeric', col.kind);
      return { ...col, values: col.values.map((x) => (Number.isNaN(x) ? fill.value : x)) };
    });
    return table.withColumns(cols) as T;
  }

  /** `fit(data)` then `transform(data)`. */
  fitTransform<T extends Table | Matrix>(data: T): T {
    return this.fit(data).transform(data);
  }

  /** The fitted fill value per column (numbers, or category strings). */
  get fillValues(): (number | string)[] {
    return this.fitted().fills.map((f) => f.value);
  }

  /** JSON-safe fitted state with `kind` and `formatVersion`. */
  toJSON(): JsonObject {
    const s = this.fitted();
    return {
      kind: Imputer.kind,
      formatVersion: Imputer.formatVersion,
      options: {
        strategy: this.options.strategy,
        categoricalStrategy: this.options.categoricalStrategy,
      },
      columns: s.names,
      fills: s.fills.map((f) => ({ type: f.type, value: f.value })),
    };
  }

  /** Read an imputer saved by `toJSON`. @throws ModelFormatError */
  static fromJSON(json: unknown): Imputer {
    const k = Imputer.kind;
    const o = readHeader(json, k, Imputer.formatVersion);
    const opts = objField(o, 'options', k);
    const imp = new Imputer({
      strategy: enumField(opts, 'strategy', k, STRATEGIES),
      categoricalStrategy: enumField(opts, 'categoricalStrategy', k, ['most-frequent', 'constant'] as const),
    });
    const rawFills = o.fills;
    if (!Array.isArray(rawFills)) return badFills(k);
    const fills: Fill[] = rawFills.map((f: unknown, j) => {
      if (typeof f !== 'object' || f === null) return badFills(k);
      const fo = f as JsonObject;
      const type = enumField(fo, 'type', `${k} fills[${j}]`, ['numeric', 'categorical'] as const);
      return type === 'numeric'
        ? { type, value: numField(fo, 'value', `${k} fills[${j}]`) }
        : { type, value: strField(fo, 'value', `${k} fills[${j}]`) };
    });
    let names: string[] | null = null;
    if (o.columns !== null) {
      const c = o.columns;
      if (!Array.isArray(c) || c.length !== fills.length || c.some((x) => typeof x !== 'string')) return badFills(k);
      names = c as string[];
    } else if (fills.some((f) => f.type !== 'numeric')) return badFills(k);
    imp.state = { names, fills };
    return imp;
  }

  private numericFill(name: string, values: Float64Array, spec: ImputeSpec | undefined): Fill {
    const strategy = spec?.strategy ?? (this.options.strategy as ImputeStrategy);
    if (strategy === 'constant') {
      const v = spec?.fillValue ?? this.options.fillValue ?? 0;
      if (typeof v !== 'number') {
        throw new ConfigError(`Imputer: column '${name}' is numeric, but its constant fillValue is the string '${v}'.`, { column: name });
      }
      return { type: 'numeric', value: v };
    }
    const present = values.filter((x) => !Number.isNaN(x));
    if (present.length === 0) throw allMissing(name, strategy);
    if (strategy === 'mean') {
      let sum = 0;
      for (const x of present) sum += x;
      return { type: 'numeric', value: sum / present.length };
    }
    present.sort();
    if (strategy === 'median') {
      const h = present.length >> 1;
      const med = present.length % 2 === 1 ? (present[h] as number) : ((present[h - 1] as number) + (present[h] as number)) / 2;
      return { type: 'numeric', value: med };
    }
    // most-frequent over the sorted values; ties go to the smallest value (as scikit-learn).
    let best = present[0] as number;
    let bestCount = 0;
    for (let i = 0; i < present.length; ) {
      let j = i;
      while (j < present.length && present[j] === present[i]) j++;
      if (j - i > bestCount) {
        bestCount = j - i;
        best = present[i] as number;
      }
      i = j;
    }
    return { type: 'numeric', value: best };
  }

  private categoricalFill(col: CategoricalColumn, spec: ImputeSpec | undefined): Fill {
    const strategy = spec?.strategy ?? (this.options.categoricalStrategy as ImputeStrategy);
    if (strategy === 'mean' || strategy === 'median') {
      throw new ConfigError(
        `Imputer: column '${col.name}' is categorical; strategy '${strategy}' needs numbers. Use 'most-frequent' or 'constant'.`,
        { column: col.name, strategy },
      );
    }
    if (strategy === 'constant') {
      const v = spec?.fillValue ?? this.options.categoricalFillValue ?? 'missing';
      return { type: 'categorical', value: String(v) };
    }
    const counts = new Int32Array(col.categories.length);
    for (const c of col.codes) if (c >= 0) counts[c] = (counts[c] as number) + 1;
    let best: string | null = null;
    let bestCount = 0;
    for (let c = 0; c < counts.length; c++) {
      const n = counts[c] as number;
      const name = col.categories[c] as string;
      // Ties go to the smallest string, so the result does not depend on dictionary order.
      if (n > bestCount || (n === bestCount && n > 0 && best !== null && name < best)) {
        bestCount = n;
        best = name;
      }
    }
    if (best === null) throw allMissing(col.name, strategy);
    return { type: 'categorical', value: best };
  }

  private fitted(): ImputerState {
    if (!this.state) throw new NotFittedError('Imputer');
    return this.state;
  }
}

/** A categorical column with missing codes replaced by `value` (added to the categories if new). */
function fillCategorical(col: CategoricalColumn, value: string): CategoricalColumn {
  let code = col.categories.indexOf(value);
  const categories = code >= 0 ? col.categories : [...col.categories, value];
  if (code < 0) code = col.categories.length;
  return { ...col, categories, codes: col.codes.map((c) => (c < 0 ? code : c)) };
}

function checkStrategy(option: string, s: unknown): void {
  if (!(STRATEGIES as readonly unknown[]).includes(s)) {
    throw new ConfigError(`Imputer: ${option} must be one of ${STRATEGIES.join(', ')}; got '${String(s)}'.`, {
      option,
      value: s,
      allowed: [...STRATEGIES],
    });
  }
}

function allMissing(name: string, strategy: string): DataError {
  return new DataError(
    'SF_DATA_EMPTY',
    `Imputer.fit: column '${name}' has no non-missing values in the training rows, so strategy '${strategy}' has nothing to work from. Drop the column or use strategy 'constant'.`,
    { column: name, strategy },
  );
}

function typeChanged(name: string, expected: string, got: string): DataError {
  return new DataError('SF_DATA_TYPE', `Imputer.transform: column '${name}' was ${expected} at fit, got ${got}.`, {
    column: name,
    expected,
    got,
  });
}

function badFills(kind: string): never {
  throw new ModelFormatError(`Saved ${kind}: 'fills' and 'columns' are malformed.`, { kind });
}
