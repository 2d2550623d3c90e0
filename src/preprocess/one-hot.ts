/**
 * One-hot encoding of categorical columns (scikit-learn's OneHotEncoder). Categories are learned from
 * the training rows only and sorted, so the output columns do not depend on row or dictionary order.
 * Values are matched by string at transform time, so tables read separately (whose category
 * dictionaries differ) encode consistently.
 */
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../core/errors.js';
import { isCategorical, Table, type CategoricalColumn, type Column } from '../core/table.js';
import type { Matrix } from './matrix.js';
import { assertColumns } from './scalers.js';
import { enumField, readHeader, strArray, strField, type JsonObject } from './serial.js';

/** What to do with a category not seen in the training rows. */
export type UnknownCategoryHandling = 'error' | 'ignore';
/** What to do with a missing categorical value. */
export type MissingCategoryHandling = 'zeros' | 'indicator' | 'error';

/** Options of {@link OneHotEncoder}. */
export interface OneHotEncoderOptions {
  /** Columns to encode (default: every column of kind 'categorical'; id columns are not features). */
  readonly columns?: readonly string[];
  /** 'error' (default): an unseen category throws DataError naming column and value. 'ignore': all zeros. */
  readonly handleUnknown?: UnknownCategoryHandling;
  /**
   * 'zeros' (default): a missing value encodes as all zeros. 'indicator': one extra output column
   * `<name>=<missing>` per encoded column flags missing values. 'error': a missing value throws DataError.
   */
  readonly handleMissing?: MissingCategoryHandling;
}

/** Output-column name of a missing-value indicator. */
export const MISSING_INDICATOR = '<missing>';

interface EncodedColumn {
  readonly name: string;
  readonly categories: string[];
}

/**
 * Replaces each categorical column by one 0/1 numeric column per training category, named
 * `<column>=<category>`, at the column's position.
 *
 * @example
 * const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(train);
 * enc.featureNames;          // ['Type=H', 'Type=L', 'Type=M']
 * const t = enc.transform(test); // numeric 0/1 columns instead of Type
 * @throws DataError on an unseen category (handleUnknown 'error') or a missing value (handleMissing 'error').
 */
export class OneHotEncoder {
  static readonly kind = 'one-hot-encoder';
  static readonly formatVersion = 1;
  readonly options: { readonly columns?: readonly string[]; readonly handleUnknown: UnknownCategoryHandling; readonly handleMissing: MissingCategoryHandling };
  private state: EncodedColumn[] | null = null;

  constructor(options: OneHotEncoderOptions = {}) {
    const { columns, handleUnknown = 'error', handleMissing = 'zeros' } = options;
    if (handleUnknown !== 'error' && handleUnknown !== 'ignore') {
      throw new ConfigError(`OneHotEncoder: handleUnknown must be 'error' or 'ignore', got '${String(handleUnknown)}'.`, {
        option: 'handleUnknown',
        allowed: ['error', 'ignore'],
      });
    }
    if (handleMissing !== 'zeros' && handleMissing !== 'indicator' && handleMissing !== 'error') {
      throw new ConfigError(`OneHotEncoder: handleMissing must be 'zeros', 'indicator' or 'error', got '${String(handleMissing)}'.`, {
        option: 'handleMissing',
        allowed: ['zeros', 'indicator', 'error'],
      });
    }
    assertColumns('OneHotEncoder', columns);
    this.options = { ...(columns ? { columns: [...columns] } : {}), handleUnknown, handleMissing };
  }

  /** Learn the categories present in the training rows of each column. Returns this. */
  fit(table: Table): this {
    const names = this.options.columns ? [...this.options.columns] : table.columns.filter((c) => c.kind === 'categorical').map((c) => c.name);
    this.state = names.map((n) => {
      const col = categorical(table, n, 'OneHotEncoder.fit');
      const seen = new Uint8Array(col.categories.length);
      for (const c of col.codes) {
        if (c >= 0) seen[c] = 1;
        else if (this.options.handleMissing === 'error') throw missingValue(n, 'OneHotEncoder.fit');
      }
      const categories = col.categories.filter((_, i) => seen[i] === 1).sort(compareStrings);
      return { name: n, categories };
    });
    return this;
  }

  /** Names of the output columns, in order (per encoded column: categories, then the missing indicator if any). */
  get featureNames(): string[] {
    return this.fitted().flatMap((e) => this.namesOf(e));
  }

  /** The encoded columns and their learned categories. */
  get categories(): { column: string; categories: string[] }[] {
    return this.fitted().map((e) => ({ column: e.name, categories: [...e.categories] }));
  }

  /** A new Table with each encoded column replaced by its 0/1 columns (other columns unchanged). */
  transform(table: Table): Table {
    const s = this.fitted();
    const blocks = new Map<string, Column[]>();
    for (const e of s) {
      const m = this.encodeColumn(table, e);
      const names = this.namesOf(e);
      blocks.set(
        e.name,
        names.map((name, j) => {
          const values = new Float64Array(table.nRows);
          for (let i = 0; i < table.nRows; i++) values[i] = m.data[i * m.nCols + j] as number;
          return { name, kind: 'numeric', values };
        }),
      );
    }
    const out: Column[] = [];
    for (const c of table.columns) out.push(...(blocks.get(c.name) ?? [c]));
    return new Table(out);
  }

  /** `fit(table)` then `transform(table)`. */
  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  /** Only the one-hot block: a row-major n × featureNames.length matrix of 0/1. */
  encode(table: Table): Matrix {
    const s = this.fitted();
    const parts = s.map((e) => this.encodeColumn(table, e));
    const width = parts.reduce((a, p) => a + p.nCols, 0);
    const data = new Float64Array(table.nRows * width);
    let off = 0;
    for (const p of parts) {
      for (let i = 0; i < table.nRows; i++) {
        for (let j = 0; j < p.nCols; j++) data[i * width + off + j] = p.data[i * p.nCols + j] as number;
      }
      off += p.nCols;
    }
    return { data, nRows: table.nRows, nCols: width };
  }

  /** JSON-safe fitted state with `kind` and `formatVersion`. */
  toJSON(): JsonObject {
    const s = this.fitted();
    return {
      kind: OneHotEncoder.kind,
      formatVersion: OneHotEncoder.formatVersion,
      handleUnknown: this.options.handleUnknown,
      handleMissing: this.options.handleMissing,
      columns: s.map((e) => ({ name: e.name, categories: [...e.categories] })),
    };
  }

  /** Read an encoder saved by `toJSON`. @throws ModelFormatError */
  static fromJSON(json: unknown): OneHotEncoder {
    const k = OneHotEncoder.kind;
    const o = readHeader(json, k, OneHotEncoder.formatVersion);
    const cols = o.columns;
    if (!Array.isArray(cols)) throw new ModelFormatError(`Saved ${k}: field 'columns' should be an array.`, { kind: k });
    const state: EncodedColumn[] = cols.map((c: unknown, j) => {
      if (typeof c !== 'object' || c === null) throw new ModelFormatError(`Saved ${k}: columns[${j}] should be an object.`, { kind: k });
      const co = c as JsonObject;
      return { name: strField(co, 'name', `${k} columns[${j}]`), categories: strArray(co, 'categories', `${k} columns[${j}]`) };
    });
    const enc = new OneHotEncoder({
      columns: state.map((e) => e.name),
      handleUnknown: enumField(o, 'handleUnknown', k, ['error', 'ignore'] as const),
      handleMissing: enumField(o, 'handleMissing', k, ['zeros', 'indicator', 'error'] as const),
    });
    enc.state = state;
    return enc;
  }

  private namesOf(e: EncodedColumn): string[] {
    const names = e.categories.map((c) => `${e.name}=${c}`);
    if (this.options.handleMissing === 'indicator') names.push(`${e.name}=${MISSING_INDICATOR}`);
    return names;
  }

  private encodeColumn(table: Table, e: EncodedColumn): Matrix {
    const col = categorical(table, e.name, 'OneHotEncoder.transform');
    const indicator = this.options.handleMissing === 'indicator';
    const width = e.categories.length + (indicator ? 1 : 0);
    // Map this table's codes to fitted positions by string: -1 unseen.
    const pos = new Map(e.categories.map((c, i) => [c, i]));
    const codeToPos = new Int32Array(col.categories.length);
    for (let c = 0; c < col.categories.length; c++) codeToPos[c] = pos.get(col.categories[c] as string) ?? -1;
    const data = new Float64Array(table.nRows * width);
    for (let i = 0; i < table.nRows; i++) {
      const code = col.codes[i] as number;
      if (code < 0) {
        if (this.options.handleMissing === 'error') throw missingValue(e.name, 'OneHotEncoder.transform', i);
        if (indicator) data[i * width + width - 1] = 1;
        continue;
      }
      const p = codeToPos[code] as number;
      if (p < 0) {
        if (this.options.handleUnknown === 'ignore') continue;
        const value = col.categories[code] as string;
        throw new DataError(
          'SF_DATA_SCHEMA',
          `OneHotEncoder: column '${e.name}' has category '${value}' (row ${i}) that was not in the training data (known: ${e.categories
            .map((c) => `'${c}'`)
            .join(', ')}). Retrain with it, or use handleUnknown: 'ignore' to encode it as all zeros.`,
          { column: e.name, value, row: i, known: [...e.categories] },
        );
      }
      data[i * width + p] = 1;
    }
    return { data, nRows: table.nRows, nCols: width };
  }

  private fitted(): EncodedColumn[] {
    if (!this.state) throw new NotFittedError('OneHotEncoder');
    return this.state;
  }
}

/** Code-unit order: deterministic and locale-independent. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function categorical(table: Table, name: string, context: string): CategoricalColumn {
  const col = table.column(name, context);
  if (!isCategorical(col)) {
    throw new DataError('SF_DATA_TYPE', `${context}: column '${name}' is ${col.kind}; one-hot encoding needs a categorical column.`, {
      column: name,
      kind: col.kind,
    });
  }
  return col;
}

function missingValue(name: string, context: string, row?: number): DataError {
  const where = row === undefined ? '' : ` (row ${row})`;
  return new DataError(
    'SF_DATA_SCHEMA',
    `${context}: column '${name}' has a missing value${where} and handleMissing is 'error'. Impute it first or use handleMissing: 'zeros' or 'indicator'.`,
    { column: name, ...(row === undefined ? {} : { row }) },
  );
}
