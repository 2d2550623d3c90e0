/**
 * CWRU bearing data (../shared/data/cwru, DATASETS.md section 3): the MAT reader on the four real
 * files, the envelope-spectrum physics check, and held-out accuracy of the two vibration models.
 *
 * Protocol: each recording is split in time; windows from its first 70 % train (the last 20 % of that
 * block is the early-stopping validation part), non-overlapping windows from its last 30 % test. Only
 * four recordings exist (one per class, 0 HP, 0.007″), so the test blocks come from the same
 * recordings as the training windows: these numbers say nothing about new bearings or loads.
 */
import { describe, expect, it } from 'vitest';
import { readMat } from '../../src/io/mat.js';
import { trainVibration, type VibrationModelName } from '../../src/tasks/vibration/vibration.js';
import { loadRecordings, resolveDataFiles } from '../../src/tasks/vibration/data.js';
import { envelopeCheck } from '../../src/tasks/vibration/physics.js';
import { dataPath, hasData } from './datasets.js';

const DIR = 'cwru';
const FILES = [
  // file, id, samples per channel, RPM, channels, DE standard deviation (DATASETS.md)
  ['normal_0_97.mat', '097', 243938, 1796, ['DE', 'FE'], 0.073],
  ['12k_Drive_End_IR007_0_105.mat', '105', 121265, 1797, ['DE', 'FE', 'BA'], 0.29],
  ['12k_Drive_End_B007_0_118.mat', '118', 122571, 1796, ['DE', 'FE', 'BA'], 0.14],
  ['12k_Drive_End_OR007@6_0_130.mat', '130', 121991, 1796, ['DE', 'FE', 'BA'], 0.67],
] as const;

/** [model, dataset, metric, bound]: the metric on the held-out test blocks must reach the bound. */
const BOUNDS: readonly [VibrationModelName, string, 'accuracy' | 'macroF1', number][] = [
  ['gbdt', 'CWRU 12k DE 0 HP 0.007″ (4 recordings), last 30 % of each', 'accuracy', 0.97],
  ['gbdt', 'CWRU 12k DE 0 HP 0.007″ (4 recordings), last 30 % of each', 'macroF1', 0.97],
  ['wdcnn', 'CWRU 12k DE 0 HP 0.007″ (4 recordings), last 30 % of each', 'accuracy', 0.93],
  ['wdcnn', 'CWRU 12k DE 0 HP 0.007″ (4 recordings), last 30 % of each', 'macroF1', 0.9],
];

describe.skipIf(!hasData(DIR))('CWRU bearing data', () => {
  it.each(FILES)('the MAT reader reads %s', async (file, id, samples, rpm, channels, deStd) => {
    const m = await readMat(dataPath(`${DIR}/${file}`));
    expect(m.header).toMatch(/^MATLAB 5\.0 MAT-file, Platform: PCWIN/);
    expect(m.littleEndian).toBe(true);
    expect(m.skipped).toEqual([]);
    expect(m.variables.map((v) => v.name)).toEqual([...channels.map((c) => `X${id}_${c}_time`), `X${id}RPM`]);
    for (const c of channels) {
      const v = m.get(`X${id}_${c}_time`);
      expect(v.class).toBe('double');
      expect(v.dims).toEqual([samples, 1]);
      expect(v.data.every(Number.isFinite)).toBe(true);
    }
    expect([...m.get(`X${id}RPM`).data]).toEqual([rpm]);
    const de = m.get(`X${id}_DE_time`).data;
    let s = 0;
    let s2 = 0;
    for (const x of de) {
      s += x;
      s2 += x * x;
    }
    const std = Math.sqrt(s2 / de.length - (s / de.length) ** 2);
    expect(std).toBeGreaterThan(deStd * 0.95);
    expect(std).toBeLessThan(deStd * 1.05);
  });

  it('envelope spectra peak at BPFI for the inner-race fault and at BPFO for the outer-race fault', async () => {
    const recs = await loadRecordings(resolveDataFiles(dataPath(DIR)));
    const byLabel = new Map(recs.map((r) => [r.label, r]));
    for (const [label, name] of [
      ['inner_race', 'BPFI'],
      ['outer_race', 'BPFO'],
    ] as const) {
      const r = byLabel.get(label)!;
      const c = envelopeCheck(r.signal, r.rpm);
      const p = c.peaks.find((x) => x.name === name)!;
      // The strongest envelope line between 20 and 600 Hz is the defect frequency (within 2 bins),
      // at least 10× the median level.
      expect(Math.abs(c.dominantHz - p.expectedHz)).toBeLessThanOrEqual(2 * c.binHz);
      expect(p.snr).toBeGreaterThan(10);
    }
  });

  for (const model of ['gbdt', 'wdcnn'] as const) {
    const rows = BOUNDS.filter((b) => b[0] === model);
    it(`${model}: ${rows.map((b) => `${b[2]} ≥ ${b[3]}`).join(', ')} on held-out test blocks`, async () => {
      const r = await trainVibration({ data: dataPath(DIR), model, seed: 42, ...(model === 'wdcnn' ? { epochs: 12, hop: 1024 } : {}) });
      const t = r.manifest.test;
      expect(t.windows).toBe(86);
      for (const [, , metric, bound] of rows) expect(t[metric]).toBeGreaterThanOrEqual(bound);
    }, 180_000);
  }
});
