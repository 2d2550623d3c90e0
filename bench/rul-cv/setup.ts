/**
 * The fixed setup shared by the test-like CV scripts (nets-cv.ts, blend-cv.ts, ens-cv.ts): C-MAPSS
 * train file → RulPreprocessor with the default unit-history channels (seed 42), capped series,
 * 30-cycle training windows, grouped 5-fold unit folds (seed 11) and 10 truncation cuts per unit
 * (seed 5). Same folds and cuts in every script, so their results are paired (docs/rul.md).
 */
import type { Table } from '../../src/core/table.js';
import { takeSamples, type Samples } from '../../src/models/estimator.js';
import { DEFAULT_HISTORY, RulPreprocessor, trainingWindows } from '../../src/tasks/rul/data.js';
import { CMAPSS_SETTINGS } from '../../src/tasks/rul/rul.js';
import { truncationCuts, unitFolds } from '../../src/tasks/rul/validate.js';

export const CV_CAP = 125;
export const CV_WINDOW = 30;

export function cvSetup(table: Table) {
  const prep = RulPreprocessor.fit(table, { unit: 'unit', time: 'cycle', settings: [...CMAPSS_SETTINGS], seed: 42, history: DEFAULT_HISTORY });
  const series = prep.transform(table, CV_CAP);
  const win = trainingWindows(series, CV_WINDOW);
  /** training-window index of each window's end row */
  const rowAt = new Map<number, number>();
  win.endRows.forEach((r, i) => rowAt.set(r, i));
  /** The windows `idx` as one Samples block [n, window, features]. */
  const gather = (idx: ArrayLike<number>): Samples => takeSamples(win.samples, idx);
  return {
    prep,
    /** sensor channels (the history channels follow them) */
    nS: prep.state.sensors.length,
    series,
    win,
    rowAt,
    folds: unitFolds(Array.from(series.units), 5, 1, 11),
    cuts: truncationCuts(series.units, series.time, { cutsPerUnit: 10, seed: 5 }),
    gather,
  };
}
