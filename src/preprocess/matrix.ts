/**
 * Dense numeric matrices and the column plumbing shared by the transformers in this folder.
 *
 * Every transformer accepts either a {@link Table} (columns picked by name) or a {@link Matrix}
 * (row-major, columns by position). Inputs are never mutated: transforms allocate new arrays.
 */
import { DataError } from '../core/errors.js';
import type { Column, NumericColumn, Table } from '../core/table.js';

/**
 * A row-major numeric matrix of `nRows` × `nCols`; NaN marks a missing value.
 *
 * @example
 * const m = matrix([1, 2, 3, 4], 2, 2); // [[1, 2], [3, 4]]
 */
export interface Matrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
}

/**
 * Model input, structurally identical to `Samples` in `src/models/estimator.ts` (preprocess may not
 * import from models): `n` samples row-major in `x`, each of shape `shape`.
 */
export interface SamplesLike {
  readonly x: Float32Array;
  readonly n: number;
  readonly shape: readonly number[];
}

/**
 * Build a {@link Matrix} from row-major values.
 * @throws RangeError when `data.length !== nRows * nCols`.
 * @example matrix(new Float64Array([1, 2, 3, 4, 5, 6]), 3, 2)
 */
export function matrix(data: Float64Array | Float32Array | readonly number[], nRows: number, nCols: number): Matrix {
  if (!Number.isInteger(nRows) || !Number.isInteger(nCols) || nRows < 0 || nCols < 0) {
    throw new RangeError(`matrix: nRows and nCols must be non-negative integers, got ${nRows} × ${nCols}`);
  }
  if (data.length !== nRows * nCols) {
    throw new RangeError(`matrix: expected ${nRows * nCols} values (${nRows} × ${nCols}), got ${data.length}`);
  }
  return { data: data instanceof Float64Array ? data : Float64Array.from(data), nRows, nCols };
}

/** True when `x` is a {@link Matrix} rather than a Table. */
export function isMatrix(x: unknown): x is Matrix {
  return typeof x === 'object' && x !== null && 'data' in x && 'nCols' in x && 'nRows' in x;
}

/** Column `j` of a row-major matrix, copied out. */
export function matrixColumn(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.nRows);
  for (let i = 0; i < m.nRows; i++) out[i] = m.data[i * m.nCols + j] as number;
  return out;
}

/** Numeric columns resolved from a Table or Matrix, plus their names (null for a matrix). */
export interface ResolvedColumns {
  readonly names: string[] | null;
  readonly values: Float64Array[];
  readonly nRows: number;
}

/**
 * The numeric columns a transformer works on. For a Table: `columns` if given (each must be numeric
 * or timestamp), otherwise every column of kind 'numeric'. For a Matrix: every column.
 * @throws DataError SF_DATA_COLUMN / SF_DATA_TYPE for unknown or categorical columns.
 */
export function resolveNumeric(data: Table | Matrix, columns: readonly string[] | undefined, context: string): ResolvedColumns {
  if (isMatrix(data)) {
    const values: Float64Array[] = [];
    for (let j = 0; j < data.nCols; j++) values.push(matrixColumn(data, j));
    return { names: null, values, nRows: data.nRows };
  }
  const names = columns ? [...columns] : data.columns.filter((c) => c.kind === 'numeric').map((c) => c.name);
  return { names, values: names.map((n) => data.numeric(n, context)), nRows: data.nRows };
}

/**
 * The same columns at transform time: a Table must hold the fitted names; a Matrix must have the
 * fitted number of columns (in the fitted order).
 */
export function resolveForTransform(
  data: Table | Matrix,
  names: readonly string[] | null,
  nFeatures: number,
  context: string,
): ResolvedColumns {
  if (isMatrix(data)) {
    if (data.nCols !== nFeatures) {
      throw new DataError(
        'SF_DATA_SCHEMA',
        `${context}: expected a matrix with ${nFeatures} columns (as at fit), got ${data.nCols}.`,
        { expected: nFeatures, got: data.nCols },
      );
    }
    return resolveNumeric(data, undefined, context);
  }
  if (names === null) {
    throw new DataError(
      'SF_DATA_SCHEMA',
      `${context} was fitted on a matrix (no column names); transform a matrix with ${nFeatures} columns, not a table.`,
      { expected: nFeatures },
    );
  }
  return resolveNumeric(data, names, context);
}

/** Put transformed columns back: replaced columns in a new Table, or a new row-major Matrix. */
export function assemble(data: Table | Matrix, names: readonly string[] | null, out: readonly Float64Array[]): Table | Matrix {
  if (isMatrix(data)) {
    const m = out.length;
    const res = new Float64Array(data.nRows * m);
    for (let j = 0; j < m; j++) {
      const v = out[j] as Float64Array;
      for (let i = 0; i < data.nRows; i++) res[i * m + j] = v[i] as number;
    }
    return { data: res, nRows: data.nRows, nCols: m };
  }
  const cols: Column[] = (names ?? []).map((n, j) => {
    const old = data.column(n);
    const col: NumericColumn = { name: n, kind: 'numeric', values: out[j] as Float64Array };
    return old.unit === undefined ? col : { ...col, unit: old.unit };
  });
  return data.withColumns(cols);
}
