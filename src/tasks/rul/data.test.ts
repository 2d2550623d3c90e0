import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { Table, numericColumn } from '../../core/table.js';
import { simulateRunToFailure } from '../../sim/run-to-failure.js';
import { RulPreprocessor, WINDOW_STATS_RICH, finalWindows, leadingPadding, rulTargets, trainingWindows, windowFeatureNames, windowFeatures, windowStatsFeatures } from './data.js';

const SETTINGS = ['op_setting_1', 'op_setting_2', 'op_setting_3'];

describe('rulTargets', () => {
  it('is the cycles left, capped (piece-wise linear)', () => {
    const units = [1, 1, 1, 1, 2, 2];
    const time = [1, 2, 3, 4, 10, 11];
    expect([...rulTargets(units, time, 2)]).toEqual([2, 2, 1, 0, 1, 0]);
    expect([...rulTargets(units, time, 125)]).toEqual([3, 2, 1, 0, 1, 0]);
  });
  it('does not depend on row order', () => {
    expect([...rulTargets([1, 1, 1], [3, 1, 2], 125)]).toEqual([0, 2, 1]);
  });
  it('rejects a non-positive cap', () => {
    expect(() => rulTargets([1], [1], 0)).toThrow(ConfigError);
  });
});

describe('RulPreprocessor', () => {
  const sim = simulateRunToFailure({ seed: 3, units: 20, testUnits: 10, sensors: 9, conditions: 3 });
  const n = sim.train.nRows;
  // Add a constant and a quantised (98% one value) channel, as s1 and s6 of C-MAPSS FD001.
  const quant = Float64Array.from({ length: n }, (_, i) => (i % 50 === 0 ? 21.61 : 21.6));
  const train = sim.train.drop(['timestamp', 'condition', 'health_index', 'rul']).withColumns([numericColumn('c1', new Float64Array(n).fill(518.67)), numericColumn('q6', quant)]);

  it('finds the regimes and drops constant and near-constant sensors with a reason', () => {
    const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: SETTINGS });
    expect(prep.state.nRegimes).toBe(3);
    expect(prep.state.dropped.map((d) => d.name).sort()).toEqual(['c1', 'q6']);
    expect(prep.state.dropped[0]?.reason).toMatch(/near-constant/);
    expect(prep.sensors).toHaveLength(9);
    expect(prep.sensors).not.toContain('op_setting_1');
  });

  it('normalises each sensor within its regime (≈ zero mean, unit sd per regime on train)', () => {
    const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: SETTINGS });
    const s = prep.transform(train, 125);
    const cond = sim.train.numeric('condition');
    const m = s.nFeatures;
    for (const c of [1, 2, 3]) {
      let sum = 0;
      let sq = 0;
      let cnt = 0;
      for (let i = 0; i < n; i++) {
        if (cond[i] !== c) continue;
        const v = s.values[i * m] as number;
        sum += v;
        sq += v * v;
        cnt++;
      }
      expect(Math.abs(sum / cnt)).toBeLessThan(0.05);
      expect(Math.sqrt(sq / cnt)).toBeGreaterThan(0.9);
      expect(Math.sqrt(sq / cnt)).toBeLessThan(1.1);
    }
    expect(s.targets?.length).toBe(n);
  });

  it('round-trips through its saved state', () => {
    const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: SETTINGS });
    const again = RulPreprocessor.fromState(JSON.parse(JSON.stringify(prep.state)));
    expect(Array.from(again.transform(sim.test).values)).toEqual(Array.from(prep.transform(sim.test).values));
  });

  it('uses a plain z-score without setting columns', () => {
    const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: [], sensors: ['s2', 's3'] });
    expect(prep.state.regimeNormalizer).toBeNull();
    const s = prep.transform(train);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += s.values[i * 2] as number;
    expect(Math.abs(sum / n)).toBeLessThan(1e-3);
  });

  it('leaves target-like columns (rul, health_index, …) out of the default sensors, with a reason; --sensors overrides', () => {
    const full = sim.train.drop(['timestamp', 'condition']);
    const prep = RulPreprocessor.fit(full, { unit: 'unit', time: 'cycle', settings: SETTINGS });
    expect(prep.state.sensors).not.toContain('rul');
    expect(prep.state.sensors).not.toContain('health_index');
    expect(prep.state.dropped.filter((d) => /target/.test(d.reason)).map((d) => d.name)).toEqual(['health_index', 'rul']);
    // the same sensors as a table without those columns
    expect(prep.state.sensors).toEqual(RulPreprocessor.fit(full.drop(['health_index', 'rul']), { unit: 'unit', time: 'cycle', settings: SETTINGS }).state.sensors);
    const forced = RulPreprocessor.fit(full, { unit: 'unit', time: 'cycle', settings: SETTINGS, sensors: ['s2', 'health_index'] });
    expect(forced.state.sensors).toEqual(['s2', 'health_index']);
    const only = new Table([numericColumn('unit', [1, 1, 2, 2]), numericColumn('cycle', [1, 2, 1, 2]), numericColumn('RUL', [1, 0, 1, 0]), numericColumn('Time-To-Failure', [1, 0, 1, 0])]);
    expect(() => RulPreprocessor.fit(only, { unit: 'unit', time: 'cycle', settings: [] })).toThrow("RUL data: no sensor columns (numeric columns other than unit 'unit', time 'cycle' and the settings; excluded as target-like: RUL, Time-To-Failure).");
  });

  it('refuses data where every sensor is constant', () => {
    const t = new Table([numericColumn('unit', [1, 1, 2, 2]), numericColumn('cycle', [1, 2, 1, 2]), numericColumn('s', [1, 1, 1, 1])]);
    expect(() => RulPreprocessor.fit(t, { unit: 'unit', time: 'cycle', settings: [] })).toThrow(/constant/);
  });

  it('makes training windows within units and one final window per unit (short units padded)', () => {
    const prep = RulPreprocessor.fit(train, { unit: 'unit', time: 'cycle', settings: SETTINGS });
    const tw = trainingWindows(prep.transform(train, 125), 10);
    expect(tw.samples.shape).toEqual([10, prep.sensors.length]);
    expect(tw.y.every((v) => v >= 0 && v <= 125)).toBe(true);
    const fw = finalWindows(prep.transform(sim.test), 500);
    expect(fw.samples.n).toBe(10);
  });

  it('adds edge-padded windows for histories shorter than the window (minLength)', () => {
    // Two units of 5 and 2 cycles, one feature equal to the cycle.
    const series = { values: [1, 2, 3, 4, 5, 1, 2], nFeatures: 1, units: [1, 1, 1, 1, 1, 2, 2], time: [1, 2, 3, 4, 5, 1, 2], targets: [4, 3, 2, 1, 0, 1, 0] };
    const full = trainingWindows(series, 3);
    expect(full.samples.n).toBe(4); // unit 1: ends 3,4,5; unit 2: one padded window
    const pre = trainingWindows(series, 3, 1);
    expect(pre.units).toEqual([1, 1, 1, 1, 1, 2, 2]);
    expect(Array.from(pre.y)).toEqual([4, 3, 2, 1, 0, 1, 0]);
    expect(Array.from(pre.samples.x.subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 2]);
    expect(Array.from(pre.padded)).toEqual([2, 1, 0, 0, 0, 2, 1]);
    expect(() => trainingWindows(series, 3, 4)).toThrow(/minLength/);
  });
});

describe('windowStatsFeatures', () => {
  it('computes multi-scale statistics over the observed (unpadded) part of each window', () => {
    // One window of 6 steps, 1 sensor: two padded copies of 0, then a ramp 0,1,2,3 — stats over the ramp only.
    const x = Float32Array.from([0, 0, 0, 1, 2, 3]);
    expect(leadingPadding(x, 0, 6, 1)).toBe(2);
    const f = windowStatsFeatures(x, 1, 6, 1);
    expect(f.length).toBe(WINDOW_STATS_RICH.length);
    const at = (name: string): number => f[WINDOW_STATS_RICH.indexOf(name)] as number;
    expect(at('last')).toBe(3);
    expect(at('mean')).toBe(1.5);
    expect(at('slope')).toBeCloseTo(1, 6);
    expect(at('min')).toBe(0);
    expect(at('max')).toBe(3);
    expect(at('std')).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(at('mean5')).toBe(1.5); // the last 5 steps reach into padding: clipped to the 4 observed
    expect(at('slope5')).toBeCloseTo(1, 6);
    expect(at('slope20')).toBeCloseTo(1, 6);
    expect(at('ewm0.1')).toBeCloseTo(0.1 * 3 + 0.9 * (0.1 * 2 + 0.9 * (0.1 * 1)), 6);
  });
});

describe('windowFeatures', () => {
  it('computes last, mean, slope, min and max per sensor', () => {
    // One window of 4 steps, 2 sensors: a ramp 0,1,2,3 and a constant 5.
    const x = Float32Array.from([0, 5, 1, 5, 2, 5, 3, 5]);
    const f = windowFeatures(x, 1, 4, 2, [7]);
    expect(Array.from(f)).toEqual([3, 1.5, 1, 0, 3, 5, 5, 0, 5, 5, 7]);
    expect(windowFeatureNames(['a', 'b'], 'cycle')).toEqual(['a_last', 'a_mean', 'a_slope', 'a_min', 'a_max', 'b_last', 'b_mean', 'b_slope', 'b_min', 'b_max', 'cycle']);
  });
});

describe('historyChannels', () => {
  it('appends causal drift-from-baseline EWMA channels and the cycle count', async () => {
    const { historyChannels } = await import('./data.js');
    const series = { values: [1, 10, 2, 20, 4, 40, 5, 50, 7, 70], nFeatures: 2, units: [1, 1, 1, 2, 2], time: [1, 2, 3, 1, 2] };
    const h = historyChannels(series, { alphas: [0.5], baseline: 2, cycle: true });
    expect(h.nFeatures).toBe(5);
    const row = (i: number): number[] => Array.from(h.values as Float32Array).slice(i * 5, i * 5 + 5);
    // Unit 1: baseline = mean of cycles 1–2 = (1+2)/2, (10+20)/2; EWMA 1 → 1.5 → 2.75.
    expect(row(0)).toEqual([1, 10, 0, 0, 1]); // baseline not observed yet
    expect(row(1)).toEqual([2, 20, 0, 0, 2]); // EWMA 1.5 − baseline 1.5
    expect(row(2)[2]).toBeCloseTo(2.75 - 1.5, 6);
    expect(row(2)[3]).toBeCloseTo(27.5 - 15, 5);
    expect(row(2)[4]).toBe(3);
    // Unit 2 starts over.
    expect(row(3)).toEqual([5, 50, 0, 0, 1]);
    expect(row(4)[2]).toBeCloseTo(6 - 6, 6);
    expect(() => historyChannels(series, { alphas: [0], baseline: 2, cycle: false })).toThrow(/alphas/);
  });
});
