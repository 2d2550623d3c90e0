/**
 * Preprocessing on the real C-MAPSS FD001 files (../shared/data/cmapss, DATASETS.md §2).
 *
 * | step | dataset | check | bound |
 * |---|---|---|---|
 * | slidingWindows w=30 | train_FD001 (100 units, 20,631 rows) | window count | exactly 20,631 − 29·100 = 17,731 |
 * | lastWindows w=30 | test_FD001 (100 units, shortest 31 cycles) | windows, end cycle | 100, each unit's last cycle |
 * | RegimeNormalizer auto | train_FD001 (one operating condition) | regimes | exactly 1, equal to per-sensor standardisation |
 * | groupSplit by unit | train_FD001 | shared units | 0 |
 */
import { describe, expect, it } from 'vitest';
import type { Table } from '../core/table.js';
import { dataPath, hasData } from '../../test/real/datasets.js';
import { CMAPSS_FD001_SENSORS, loadCmapss } from '../io/datasets/index.js';
import { RegimeNormalizer } from './regimes.js';
import { StandardScaler } from './scalers.js';
import { groupSplit } from './splits.js';
import { lastWindows, seriesFromTable, slidingWindows } from './windows.js';

const sensors = [...CMAPSS_FD001_SENSORS];
let trainTable: Promise<Table> | undefined;
/** train_FD001 read once for all tests here. */
function loadTrain(): Promise<Table> {
  trainTable ??= loadCmapss(dataPath('cmapss/train_FD001.txt'));
  return trainTable;
}

describe.skipIf(!hasData('cmapss/train_FD001.txt'))('preprocess on C-MAPSS FD001', () => {
  it('windows per engine, last windows of the test engines', async () => {
    const train = await loadTrain();
    const series = seriesFromTable(train, { unit: 'unit', time: 'cycle', features: sensors, target: 'cycle' });
    const w = slidingWindows(series, { windowSize: 30 });
    expect(w.samples.n).toBe(20631 - 29 * 100);
    expect(w.samples.shape).toEqual([30, sensors.length]);
    // No window crosses engines: its end row and the row 29 steps earlier belong to the same unit, 29 cycles apart.
    const unit = train.numeric('unit');
    const cycle = train.numeric('cycle');
    const crossing: number[] = [];
    for (let k = 0; k < w.samples.n; k++) {
      const end = w.endRows[k] as number;
      if (unit[end] !== w.units[k] || (cycle[end] as number) < 30 || w.y[k] !== cycle[end]) crossing.push(k);
    }
    expect(crossing).toEqual([]);

    const test = await loadCmapss(dataPath('cmapss/test_FD001.txt'));
    const last = lastWindows(seriesFromTable(test, { unit: 'unit', time: 'cycle', features: sensors }), { windowSize: 30 });
    expect(last.samples.n).toBe(100);
    const tu = test.numeric('unit');
    const tc = test.numeric('cycle');
    const maxCycle = new Map<number, number>();
    for (let i = 0; i < test.nRows; i++) maxCycle.set(tu[i] as number, Math.max(maxCycle.get(tu[i] as number) ?? 0, tc[i] as number));
    last.units.forEach((u, k) => expect(tc[last.endRows[k] as number]).toBe(maxCycle.get(u as number)));
    expect([...last.padded].every((p) => p === 0)).toBe(true);
  });

  it("finds one operating regime in FD001 ('auto'), so it equals plain per-sensor standardisation", async () => {
    const train = await loadTrain();
    const norm = new RegimeNormalizer({ settings: ['op_setting_1', 'op_setting_2', 'op_setting_3'], sensors }).fit(train);
    expect(norm.nRegimes).toBe(1);
    const a = norm.transform(train);
    const b = new StandardScaler({ columns: sensors }).fit(train).transform(train);
    for (const s of sensors) {
      const x = a.numeric(s);
      const y = b.numeric(s);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
      expect(worst).toBeLessThan(1e-9);
    }
  });

  it('grouped split by engine shares no engine', async () => {
    const train = await loadTrain();
    const unit = train.numeric('unit');
    const { train: tr, test: te } = groupSplit(unit, { testFraction: 0.2, seed: 1 });
    const testUnits = new Set([...te].map((i) => unit[i]));
    expect(testUnits.size).toBe(20);
    expect([...tr].filter((i) => testUnits.has(unit[i] as number))).toEqual([]);
  });
});
