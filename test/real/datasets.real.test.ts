// Loaders read the three real datasets exactly (../shared/data/DATASETS.md §1, §2, §9).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCategorical } from '../../src/core/table.js';
import { readCsvWithInfo } from '../../src/io/csv/index.js';
import { CMAPSS_COLUMNS, loadAi4i, loadCmapss, loadCmapssRul, loadSteelEnergy } from '../../src/io/datasets/index.js';
import { dataPath, hasData } from './datasets.js';

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

describe.skipIf(!hasData('ai4i2020/ai4i2020.csv'))('AI4I 2020', () => {
  it('reads 10,000 rows, 14 columns, units, BOM, class balance', async () => {
    const file = dataPath('ai4i2020/ai4i2020.csv');
    const { table: t, dialect } = await readCsvWithInfo(file, { schema: { UDI: 'id', 'Product ID': 'id' } });
    expect(dialect.delimiter).toBe(',');
    expect(t.nRows).toBe(10000);
    expect(t.names[0]).toBe('UDI'); // BOM stripped
    const t2 = await loadAi4i(file);
    expect(t2.names.length).toBe(14);
    expect(t2.column('Torque').unit).toBe('Nm');
    expect(t2.column('Air temperature').unit).toBe('K');
    expect(t2.column('Tool wear').unit).toBe('min');
    expect(sum(t2.numeric('Machine failure'))).toBe(339);
    expect([sum(t2.numeric('TWF')), sum(t2.numeric('HDF')), sum(t2.numeric('PWF')), sum(t2.numeric('OSF')), sum(t2.numeric('RNF'))]).toEqual([46, 115, 95, 98, 19]);
    const type = t2.column('Type');
    expect(isCategorical(type)).toBe(true);
    if (isCategorical(type)) {
      const counts = new Map<string, number>();
      for (const c of type.codes) counts.set(type.categories[c]!, (counts.get(type.categories[c]!) ?? 0) + 1);
      expect(Object.fromEntries(counts)).toEqual({ M: 2997, L: 6000, H: 1003 });
    }
    const torque = t2.numeric('Torque');
    expect(Math.min(...torque)).toBe(3.8);
    expect(Math.max(...torque)).toBe(76.6);
    expect(t2.column('UDI').kind).toBe('id');
  });
});

describe.skipIf(!hasData('cmapss/train_FD001.txt'))('C-MAPSS FD001', () => {
  it('reads train, test and RUL with the published counts', async () => {
    const train = await loadCmapss(dataPath('cmapss/train_FD001.txt'));
    expect(train.names).toEqual(CMAPSS_COLUMNS);
    expect(train.nRows).toBe(20631);
    const unit = train.numeric('unit');
    expect(new Set(unit).size).toBe(100);
    const test = await loadCmapss(dataPath('cmapss/test_FD001.txt'));
    expect(test.nRows).toBe(13096);
    const rul = await loadCmapssRul(dataPath('cmapss/RUL_FD001.txt'));
    expect(rul.length).toBe(100);
    expect(Math.min(...rul)).toBe(7);
    expect(Math.max(...rul)).toBe(145);
    // The first value of the file, exactly.
    expect(train.numeric('s2')[0]).toBe(641.82);
    // Per-unit lengths 128 / 206.3 / 362.
    const len = new Map<number, number>();
    for (const u of unit) len.set(u, (len.get(u) ?? 0) + 1);
    const lens = [...len.values()];
    expect(Math.min(...lens)).toBe(128);
    expect(Math.max(...lens)).toBe(362);
  });
});

describe.skipIf(!hasData('steel_energy/Steel_industry_data.csv'))('Steel industry energy', () => {
  it('reads 35,040 rows with BOM/CRLF, fixes midnight rows, keeps categories', async () => {
    const file = dataPath('steel_energy/Steel_industry_data.csv');
    const raw = readFileSync(file);
    expect(createHash('sha256').update(raw).digest('hex')).toBe('7202b058121e0e7d50b5fe3c379b636f92757b3fc143046bc59936f1d6eca8d6');
    const t = await loadSteelEnergy(file);
    expect(t.nRows).toBe(35040);
    expect(t.names).toEqual([
      'date', 'Usage_kWh', 'Lagging_Current_Reactive_Power_kVarh', 'Leading_Current_Reactive_Power_kVarh', 'CO2',
      'Lagging_Current_Power_Factor', 'Leading_Current_Power_Factor', 'NSM', 'WeekStatus', 'Day_of_week', 'Load_Type',
    ]);
    expect(t.column('CO2').unit).toBe('tCO2');
    const date = t.numeric('date');
    expect(date[0]).toBe(Date.UTC(2018, 0, 1, 0, 15));
    expect(date[95]).toBe(Date.UTC(2018, 0, 2, 0, 0)); // '01/01/2018 00:00' is 24:00 of Jan 1
    expect(date[35039]).toBe(Date.UTC(2019, 0, 1, 0, 0));
    const usage = t.numeric('Usage_kWh');
    expect(Math.max(...usage)).toBe(157.18);
    const load = t.column('Load_Type');
    expect(isCategorical(load) && [...load.categories].sort()).toEqual(['Light_Load', 'Maximum_Load', 'Medium_Load']);
  });
});
