/**
 * Steel Industry Energy Consumption (UCI id 851; Sathishkumar et al. 2021). DATASETS.md §9.
 * UTF-8 with BOM, CRLF, 35,040 rows of 15-minute data for 2018, `dd/mm/yyyy HH:MM` dates.
 *
 * Quirk fixed here: each day's midnight reading carries that day's date with NSM = 0 but is really
 * 24:00 of that day (the next day's 00:00). We add one day to those rows, so `date` is the true end of
 * the interval and rows are in time order.
 */
import { DataError } from '../../core/errors.js';
import { numericColumn, type Table } from '../../core/table.js';
import { readCsv } from '../csv/index.js';

const DAY_MS = 86_400_000;

export async function loadSteelEnergy(file: string): Promise<Table> {
  const t = await readCsv(file, { dateOrder: 'dmy', schema: { date: 'timestamp' } });
  const date = t.numeric('date');
  const nsm = t.numeric('NSM');
  const fixed = new Float64Array(date.length);
  for (let i = 0; i < date.length; i++) fixed[i] = nsm[i] === 0 ? (date[i] as number) + DAY_MS : (date[i] as number);
  for (let i = 1; i < fixed.length; i++) {
    if (!((fixed[i] as number) > (fixed[i - 1] as number))) {
      throw new DataError('SF_DATA_PARSE', `${file}:${i + 2}: timestamps are not increasing after the midnight fix.`, {
        file,
        line: i + 2,
      });
    }
  }
  return t.withColumns([{ ...numericColumn('date', fixed), kind: 'timestamp' }]);
}
