/**
 * The FD001 windows of the PyTorch comparison benches (rul.bench.ts, lstm-parity.ts): the standard
 * protocol's preprocessing (per-regime normalisation, informative sensors, no history channels), the
 * capped training windows and the last window of each test unit, with the test truth.
 */
import path from 'node:path';
import { loadCmapss, loadCmapssRul } from '../src/io/datasets/cmapss.js';
import { RulPreprocessor, finalWindows, trainingWindows } from '../src/tasks/rul/data.js';
import { CMAPSS_SETTINGS } from '../src/tasks/rul/rul.js';

export async function fd001Windows(dataDir: string, window: number, cap: number) {
  const train = await loadCmapss(path.join(dataDir, 'cmapss/train_FD001.txt'));
  const test = await loadCmapss(path.join(dataDir, 'cmapss/test_FD001.txt'));
  const truth = await loadCmapssRul(path.join(dataDir, 'cmapss/RUL_FD001.txt'));
  const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: [...CMAPSS_SETTINGS] });
  return { prep, tw: trainingWindows(prep.transform(train, cap), window), te: finalWindows(prep.transform(test), window), truth };
}
