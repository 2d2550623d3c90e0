/**
 * Checks that run once, at the boundary, before any model sees the data: requested columns exist,
 * the target is usable, uninformative columns are dropped with a warning that names them.
 */
import { DataError } from '../core/errors.js';
import { isCategorical, missingColumnError, type Column, type Table } from '../core/table.js';

/** Throws SF_DATA_COLUMN (listing the columns and the closest name) for the first unknown name. */
export function assertColumns(table: Table, names: readonly string[], role: string, source: string): void {
  for (const n of names) {
    if (!table.has(n)) {
      const e = missingColumnError(n, table.names, source);
      throw new DataError('SF_DATA_COLUMN', `${role} ${e.message}`, e.details);
    }
  }
}

/** Distinct non-missing values of a column (as strings for categoricals, numbers otherwise). */
export function distinctValues(c: Column): (string | number)[] {
  const set = new Set<string | number>();
  if (isCategorical(c)) {
    for (const code of c.codes) if (code >= 0) set.add(c.categories[code] as string);
  } else {
    for (const v of c.values) if (!Number.isNaN(v)) set.add(v);
  }
  return [...set];
}

/**
 * A classification target must have at least two classes with at least two rows each.
 * @throws DataError SF_DATA_TARGET naming the column and the classes found.
 */
export function assertClassificationTarget(table: Table, target: string, source: string): void {
  assertColumns(table, [target], 'Target', source);
  const c = table.column(target);
  const counts = new Map<string | number, number>();
  let missing = 0;
  if (isCategorical(c)) {
    for (const code of c.codes) {
      if (code < 0) missing++;
      else counts.set(c.categories[code] as string, (counts.get(c.categories[code] as string) ?? 0) + 1);
    }
  } else {
    for (const v of c.values) {
      if (Number.isNaN(v)) missing++;
      else counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  if (missing > 0) {
    throw new DataError(
      'SF_DATA_TARGET',
      `Target '${target}' in ${source} has ${missing} missing value(s). Remove those rows or fill them before training.`,
      { target, missing },
    );
  }
  if (counts.size < 2) {
    const only = [...counts.keys()][0];
    throw new DataError(
      'SF_DATA_TARGET',
      `Target '${target}' in ${source} has a single class (${String(only)} in all ${table.nRows} rows): there is nothing to learn. Check the target column, or use anomaly detection (--task anomaly) for machines without failure labels.`,
      { target, classes: [...counts.keys()] },
    );
  }
  const tiny = [...counts.entries()].filter(([, n]) => n < 2);
  if (tiny.length > 0) {
    throw new DataError(
      'SF_DATA_TARGET',
      `Target '${target}' in ${source}: class ${tiny.map(([k, n]) => `${String(k)} has ${n} row`).join(', ')}; every class needs at least 2 rows to be split into train and test.`,
      { target, counts: Object.fromEntries([...counts.entries()].map(([k, v]) => [String(k), v])) },
    );
  }
}

export interface DroppedColumn {
  readonly name: string;
  readonly reason: 'all-missing' | 'constant';
}

/**
 * Drop feature columns that carry no information: all values missing, or one distinct value.
 * `keep` columns (target, ids the caller needs) are never dropped.
 */
export function dropUninformative(table: Table, keep: readonly string[] = []): { table: Table; dropped: DroppedColumn[] } {
  const dropped: DroppedColumn[] = [];
  const keepSet = new Set(keep);
  for (const c of table.columns) {
    if (keepSet.has(c.name)) continue;
    const d = distinctValues(c);
    if (d.length === 0) dropped.push({ name: c.name, reason: 'all-missing' });
    else if (d.length === 1) dropped.push({ name: c.name, reason: 'constant' });
  }
  return { table: dropped.length ? table.drop(dropped.map((d) => d.name)) : table, dropped };
}

/** A one-line warning for dropped columns, or undefined when none were dropped. */
export function describeDropped(dropped: readonly DroppedColumn[]): string | undefined {
  if (dropped.length === 0) return undefined;
  const allMissing = dropped.filter((d) => d.reason === 'all-missing').map((d) => `'${d.name}'`);
  const constant = dropped.filter((d) => d.reason === 'constant').map((d) => `'${d.name}'`);
  const parts: string[] = [];
  if (allMissing.length) parts.push(`all missing: ${allMissing.join(', ')}`);
  if (constant.length) parts.push(`constant: ${constant.join(', ')}`);
  return `dropped ${dropped.length} uninformative column(s) (${parts.join('; ')}).`;
}
