/**
 * Columnar tables (after Arquero): one typed array per column, missing values as NaN (numeric,
 * timestamp) or code -1 (categorical, id).
 *
 * Numeric data is Float64Array so that values read from text round-trip exactly; models convert to
 * Float32 at their own boundary.
 */
import { DataError } from './errors.js';
import { closest } from './text.js';

/** What a column holds. `id` columns are categorical labels that identify rows or machines. */
export type ColumnKind = 'numeric' | 'categorical' | 'id' | 'timestamp';

interface ColumnBase {
  readonly name: string;
  /** Unit parsed from the header, e.g. `Torque [Nm]` → `Nm`. */
  readonly unit?: string;
}

/** Numbers; NaN marks a missing value. */
export interface NumericColumn extends ColumnBase {
  readonly kind: 'numeric';
  readonly values: Float64Array;
}

/** Epoch milliseconds (UTC); NaN marks a missing value. */
export interface TimestampColumn extends ColumnBase {
  readonly kind: 'timestamp';
  readonly values: Float64Array;
}

/** Dictionary-encoded strings; code -1 marks a missing value. */
export interface CategoricalColumn extends ColumnBase {
  readonly kind: 'categorical' | 'id';
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

export type Column = NumericColumn | TimestampColumn | CategoricalColumn;

/** An immutable-by-convention columnar table. */
export class Table {
  readonly columns: readonly Column[];
  readonly nRows: number;
  private readonly index: Map<string, number>;

  constructor(columns: readonly Column[]) {
    this.columns = columns;
    this.index = new Map();
    let n = -1;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as Column;
      if (this.index.has(c.name)) {
        throw new DataError('SF_DATA_DUPLICATE_COLUMN', `Duplicate column name '${c.name}'.`, { column: c.name });
      }
      this.index.set(c.name, i);
      const len = columnLength(c);
      if (n === -1) n = len;
      else if (n !== len) throw new RangeError(`Table: column '${c.name}' has ${len} rows, expected ${n}`);
    }
    this.nRows = Math.max(n, 0);
  }

  /** Column names in order. */
  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /**
   * The column called `name`.
   * @throws DataError SF_DATA_COLUMN listing the columns that exist and the closest name.
   */
  column(name: string, context = 'the data'): Column {
    const i = this.index.get(name);
    if (i === undefined) throw missingColumnError(name, this.names, context);
    return this.columns[i] as Column;
  }

  /** The numeric (or timestamp) values of column `name`. Throws if it is categorical. */
  numeric(name: string, context = 'the data'): Float64Array {
    const c = this.column(name, context);
    if (c.kind === 'numeric' || c.kind === 'timestamp') return c.values;
    throw new DataError('SF_DATA_TYPE', `Column '${name}' in ${context} is ${c.kind}, expected numeric.`, {
      column: name,
      kind: c.kind,
    });
  }

  /** A new table with only the given columns, in that order. */
  select(names: readonly string[], context = 'the data'): Table {
    return new Table(names.map((n) => this.column(n, context)));
  }

  /** A new table without the given columns (unknown names are an error). */
  drop(names: readonly string[], context = 'the data'): Table {
    for (const n of names) this.column(n, context);
    const set = new Set(names);
    return new Table(this.columns.filter((c) => !set.has(c.name)));
  }

  /** A new table with the rows at `indices` (in that order). */
  take(indices: ArrayLike<number>): Table {
    return new Table(this.columns.map((c) => takeColumn(c, indices)));
  }

  /** A new table with columns added or replaced. */
  withColumns(cols: readonly Column[]): Table {
    const replaced = new Map(cols.map((c) => [c.name, c]));
    const out: Column[] = this.columns.map((c) => replaced.get(c.name) ?? c);
    for (const c of cols) if (!this.index.has(c.name)) out.push(c);
    return new Table(out);
  }

  /** Cell value as a JS value: number, string, or null for missing. For display and CSV writing. */
  cell(row: number, col: number): number | string | null {
    const c = this.columns[col] as Column;
    if (isCategorical(c)) {
      const code = c.codes[row] as number;
      return code < 0 ? null : (c.categories[code] as string);
    }
    const v = c.values[row] as number;
    return Number.isNaN(v) ? null : v;
  }

  /** Row-major Float64 matrix of the given numeric columns (n × names.length). */
  toMatrix(names: readonly string[]): Float64Array {
    const cols = names.map((n) => this.numeric(n));
    const m = cols.length;
    const out = new Float64Array(this.nRows * m);
    for (let j = 0; j < m; j++) {
      const v = cols[j] as Float64Array;
      for (let i = 0; i < this.nRows; i++) out[i * m + j] = v[i] as number;
    }
    return out;
  }
}

/** True for categorical and id columns (dictionary-encoded). */
export function isCategorical(c: Column): c is CategoricalColumn {
  return c.kind === 'categorical' || c.kind === 'id';
}

export function columnLength(c: Column): number {
  return isCategorical(c) ? c.codes.length : c.values.length;
}

function takeColumn(c: Column, idx: ArrayLike<number>): Column {
  const n = idx.length;
  if (isCategorical(c)) {
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = c.codes[idx[i] as number] as number;
    return { ...c, codes };
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = c.values[idx[i] as number] as number;
  return { ...c, values };
}

/** Build a numeric column. */
export function numericColumn(name: string, values: Float64Array | number[], unit?: string): NumericColumn {
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  return unit === undefined ? { name, kind: 'numeric', values: v } : { name, kind: 'numeric', values: v, unit };
}

/** Build a categorical column from strings (null/undefined = missing). Categories in first-seen order. */
export function categoricalColumn(
  name: string,
  values: readonly (string | null | undefined)[],
  kind: 'categorical' | 'id' = 'categorical',
): CategoricalColumn {
  const map = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = map.get(v);
    if (code === undefined) {
      code = categories.length;
      map.set(v, code);
      categories.push(v);
    }
    codes[i] = code;
  }
  return { name, kind, codes, categories };
}

/** The DataError for a column that does not exist: lists what exists and suggests the closest name. */
export function missingColumnError(name: string, existing: readonly string[], context: string): DataError {
  const near = closest(name, existing);
  const hint = near ? ` Did you mean '${near}'?` : '';
  return new DataError(
    'SF_DATA_COLUMN',
    `Column '${name}' not found in ${context}.${hint} Columns: ${existing.map((n) => `'${n}'`).join(', ')}.`,
    { column: name, existing: [...existing], suggestion: near },
  );
}
