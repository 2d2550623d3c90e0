/**
 * From a readings table to per-machine sensor series: pick the sensor columns, split by the unit
 * (machine) column, order by the time column, carry missing readings forward. Validation happens here,
 * once, with messages that name the column and list what exists.
 */
import { DataError } from '../../core/errors.js';
import { isCategorical, missingColumnError, type Table } from '../../core/table.js';
import { fillMissing } from './stats.js';

/** Which columns hold what. */
export interface ColumnRoles {
  /** Sensor columns; default every numeric column that is not the unit or time column. */
  readonly columns?: readonly string[];
  /** Machine (unit) column; absent = the whole table is one machine. */
  readonly unit?: string;
  /** Time column (timestamp or numeric); absent = row order is time order and time = row number. */
  readonly time?: string;
}

/** One machine's readings, in time order. */
export interface MachineData {
  /** The unit value ('' when there is no unit column). */
  readonly id: string;
  /** Table row of each sample. */
  readonly rows: Int32Array;
  /** Time of each sample (epoch ms for timestamp columns, else the column's value, else the row number). */
  readonly times: Float64Array;
  /** One filled series per sensor column. */
  readonly series: Float64Array[];
  /** Missing readings that were carried forward, per sensor. */
  readonly missing: number[];
}

/** The sensor columns `roles` selects from `table` (explicit list, or every numeric non-role column). */
export function sensorColumns(table: Table, roles: ColumnRoles, source: string): string[] {
  const reserved = new Set([roles.unit, roles.time].filter((x): x is string => x !== undefined));
  if (roles.columns && roles.columns.length > 0) {
    for (const c of roles.columns) {
      if (!table.has(c)) throw missingColumnError(c, table.names, source);
      const col = table.column(c);
      if (col.kind !== 'numeric') {
        throw new DataError('SF_DATA_TYPE', `Column '${c}' in ${source} is ${col.kind}; a sensor column must be numeric. Numeric columns: ${numericNames(table, reserved).join(', ') || 'none'}.`, {
          column: c,
          kind: col.kind,
        });
      }
      if (reserved.has(c)) throw new DataError('SF_DATA_COLUMN', `Column '${c}' in ${source} is the unit or time column and cannot also be a sensor.`, { column: c });
    }
    return [...roles.columns];
  }
  const names = numericNames(table, reserved);
  if (names.length === 0) {
    throw new DataError('SF_DATA_COLUMN', `No numeric sensor columns in ${source}. Columns: ${table.names.map((n) => `'${n}'`).join(', ')}.`, { existing: table.names });
  }
  return names;
}

function numericNames(table: Table, reserved: Set<string>): string[] {
  return table.columns.filter((c) => c.kind === 'numeric' && !reserved.has(c.name)).map((c) => c.name);
}

/**
 * Split `table` into machines (first-seen order) with their sensor series in time order.
 * @throws DataError for a missing column (closest name and the list of columns), a categorical time
 *   column, missing times or units, or a sensor with no reading at all on a machine.
 */
export function machinesFromTable(table: Table, roles: ColumnRoles, columns: readonly string[], source: string): MachineData[] {
  if (table.nRows === 0) throw new DataError('SF_DATA_EMPTY', `${source} has no rows.`, { source });
  for (const c of columns) if (!table.has(c)) throw missingColumnError(c, table.names, source);
  let unitCodes: Int32Array | null = null;
  let unitNames: readonly string[] = [''];
  if (roles.unit !== undefined) {
    if (!table.has(roles.unit)) throw missingColumnError(roles.unit, table.names, source);
    const u = table.column(roles.unit);
    if (isCategorical(u)) {
      unitCodes = u.codes;
      unitNames = u.categories;
    } else {
      const cats = new Map<number, number>();
      const codes = new Int32Array(table.nRows);
      const names: string[] = [];
      for (let i = 0; i < table.nRows; i++) {
        const v = u.values[i] as number;
        if (Number.isNaN(v)) {
          codes[i] = -1;
          continue;
        }
        let k = cats.get(v);
        if (k === undefined) {
          k = names.length;
          cats.set(v, k);
          names.push(String(v));
        }
        codes[i] = k;
      }
      unitCodes = codes;
      unitNames = names;
    }
    for (let i = 0; i < table.nRows; i++) {
      if ((unitCodes[i] as number) < 0) {
        throw new DataError('SF_DATA_PARSE', `Row ${i + 1} of ${source}: the unit column '${roles.unit}' is empty; every reading needs a machine.`, { row: i + 1, column: roles.unit });
      }
    }
  }
  let time: Float64Array | null = null;
  if (roles.time !== undefined) {
    if (!table.has(roles.time)) throw missingColumnError(roles.time, table.names, source);
    const tc = table.column(roles.time);
    if (isCategorical(tc)) {
      throw new DataError('SF_DATA_TYPE', `Column '${roles.time}' in ${source} is ${tc.kind}; the time column must hold timestamps or numbers (use --schema '${roles.time}=timestamp').`, {
        column: roles.time,
      });
    }
    time = tc.values;
    for (let i = 0; i < table.nRows; i++) {
      if (Number.isNaN(time[i] as number)) {
        throw new DataError('SF_DATA_PARSE', `Row ${i + 1} of ${source}: the time column '${roles.time}' is empty.`, { row: i + 1, column: roles.time });
      }
    }
  }
  const groups: number[][] = unitNames.map(() => []);
  for (let i = 0; i < table.nRows; i++) (groups[unitCodes ? (unitCodes[i] as number) : 0] as number[]).push(i);
  const values = columns.map((c) => table.numeric(c, source));
  const out: MachineData[] = [];
  groups.forEach((rows, k) => {
    if (rows.length === 0) return;
    if (time) {
      const t = time;
      rows.sort((a, b) => (t[a] as number) - (t[b] as number) || a - b);
    }
    const r = Int32Array.from(rows);
    const times = Float64Array.from(rows, (i) => (time ? (time[i] as number) : i));
    const missing: number[] = [];
    const series = values.map((v, s) => {
      const x = Float64Array.from(rows, (i) => v[i] as number);
      let miss = 0;
      for (const xv of x) if (Number.isNaN(xv)) miss++;
      if (miss === x.length) {
        throw new DataError('SF_DATA_EMPTY', `Column '${columns[s] as string}' in ${source} has no readings${unitCodes ? ` for ${roles.unit as string} '${unitNames[k] as string}'` : ''}.`, {
          column: columns[s],
          unit: unitNames[k],
        });
      }
      missing.push(miss);
      return fillMissing(x);
    });
    out.push({ id: unitNames[k] as string, rows: r, times, series, missing });
  });
  return out;
}
