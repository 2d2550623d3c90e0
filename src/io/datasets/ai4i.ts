/**
 * AI4I 2020 Predictive Maintenance (Matzka 2020; UCI id 601). ../shared/data/DATASETS.md §1.
 * UTF-8 with BOM, LF, 10,000 rows × 14 columns; units in headers (`Torque [Nm]`).
 */
import { DataError } from '../../core/errors.js';
import type { Table } from '../../core/table.js';
import { readCsv } from '../csv/index.js';

/** The five failure-mode flags that together nearly define `Machine failure` (a leakage risk). */
export const AI4I_FAILURE_MODES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const;
/** Row identifiers that must not be used as features. */
export const AI4I_ID_COLUMNS = ['UDI', 'Product ID'] as const;
export const AI4I_TARGET = 'Machine failure';

/** The published columns, in file order (names without units; units are column metadata). */
export const AI4I_COLUMNS = [
  'UDI',
  'Product ID',
  'Type',
  'Air temperature',
  'Process temperature',
  'Rotational speed',
  'Torque',
  'Tool wear',
  'Machine failure',
  ...AI4I_FAILURE_MODES,
] as const;

/** Read ai4i2020.csv; checks the columns are the published ones. */
export async function loadAi4i(file: string): Promise<Table> {
  const t = await readCsv(file, { schema: { UDI: 'id', 'Product ID': 'id', Type: 'categorical' } });
  const missing = AI4I_COLUMNS.filter((n) => !t.has(n));
  if (missing.length > 0) {
    throw new DataError('SF_DATA_SCHEMA', `${file} is not the AI4I 2020 file: missing columns ${missing.join(', ')}.`, {
      file,
      missing,
    });
  }
  return t;
}
