/**
 * NASA C-MAPSS turbofan run-to-failure data (Saxena et al., PHM08). ../shared/data/DATASETS.md §2.
 * Space-separated, no header, two trailing spaces per line, 26 numeric columns; plain or gzipped.
 */
import { DataError } from '../../core/errors.js';
import type { Table } from '../../core/table.js';
import { readCsv } from '../csv/index.js';

/** Column names in file order: unit, cycle, op_setting_1..3, s1..s21. */
export const CMAPSS_COLUMNS: readonly string[] = [
  'unit',
  'cycle',
  'op_setting_1',
  'op_setting_2',
  'op_setting_3',
  ...Array.from({ length: 21 }, (_, i) => `s${i + 1}`),
];

/** The 14 sensors the literature keeps for FD001 (the others are constant or nearly so). */
export const CMAPSS_FD001_SENSORS = ['s2', 's3', 's4', 's7', 's8', 's9', 's11', 's12', 's13', 's14', 's15', 's17', 's20', 's21'] as const;

/** Read a train_FD00x / test_FD00x file. */
export async function loadCmapss(file: string): Promise<Table> {
  const t = await readCsv(file, { delimiter: 'whitespace', header: false, columnNames: CMAPSS_COLUMNS, schema: { unit: 'numeric' } });
  return t;
}

/** Read a RUL_FD00x file: one true remaining life per test unit, in unit order. */
export async function loadCmapssRul(file: string): Promise<Float64Array> {
  const t = await readCsv(file, { delimiter: 'whitespace', header: false, columnNames: ['rul'] });
  const v = t.numeric('rul');
  for (let i = 0; i < v.length; i++) {
    if (!(v[i]! >= 0)) {
      throw new DataError('SF_DATA_PARSE', `${file}:${i + 1}: expected a non-negative remaining life, found ${v[i]}.`, {
        file,
        line: i + 1,
      });
    }
  }
  return v;
}
