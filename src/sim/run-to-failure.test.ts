import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { simulateRunToFailure, sensorRole } from './run-to-failure.js';
import type { RunToFailureOptions } from './run-to-failure.js';
import { sameTable } from './test-helpers.js';

/** Row ranges [start, end) of each unit (units are contiguous and in order). */
function unitRanges(unit: Float64Array): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= unit.length; i++) {
    if (i === unit.length || unit[i] !== unit[start]) {
      out.push([start, i]);
      start = i;
    }
  }
  return out;
}

describe('simulateRunToFailure', () => {
  const sim = simulateRunToFailure({ seed: 11, units: 60, testUnits: 40, sensors: 12, conditions: 4 });
  const { train, test, testRul, sensors } = sim;
  const unit = train.numeric('unit');
  const cycle = train.numeric('cycle');
  const health = train.numeric('health_index');
  const rul = train.numeric('rul');
  const cond = train.numeric('condition');
  const ranges = unitRanges(unit);

  it('has the C-MAPSS layout plus timestamp and truth columns', () => {
    expect(train.names).toEqual([
      'unit', 'cycle', 'op_setting_1', 'op_setting_2', 'op_setting_3',
      ...Array.from({ length: 12 }, (_, j) => `s${j + 1}`),
      'timestamp', 'condition', 'health_index', 'rul',
    ]);
    expect(test.names).toEqual(train.names.slice(0, -2));
    expect(ranges).toHaveLength(60);
    expect(testRul.names).toEqual(['unit', 'rul']);
    expect(testRul.nRows).toBe(40);
  });

  it('cycles start at 1 and are contiguous; rul counts down to 0 at failure', () => {
    for (const [a, b] of ranges) {
      for (let i = a; i < b; i++) {
        if (cycle[i] !== i - a + 1) throw new Error(`row ${i}: cycle ${cycle[i]}`);
        if (rul[i] !== b - 1 - i) throw new Error(`row ${i}: rul ${rul[i]}`);
      }
    }
  });

  it('health index is 1 in a healthy period, non-increasing, and 0 at failure', () => {
    let healthyRows = 0;
    for (const [a, b] of ranges) {
      expect(health[a]).toBe(1);
      expect(health[b - 1]).toBeCloseTo(0, 12);
      for (let i = a + 1; i < b; i++) {
        if ((health[i] as number) > (health[i - 1] as number)) throw new Error(`row ${i}: health rose`);
        if (health[i] === 1) healthyRows++;
      }
    }
    expect(healthyRows).toBeGreaterThan(60 * 25); // onset ≥ 30 cycles for every unit
  });

  it('informative sensors trend with degradation in their documented direction; flat ones do not', () => {
    // Remove the regime shift, then compare the last 10 cycles with the first 10 of every unit.
    for (let j = 0; j < sensors.length; j++) {
      const s = sensors[j]!;
      const v = train.numeric(s.name);
      let delta = 0;
      for (const [a, b] of ranges) {
        const mean = (lo: number, hi: number): number => {
          let sum = 0;
          for (let i = lo; i < hi; i++) sum += (v[i] as number) - (s.conditionOffsets[(cond[i] as number) - 1] as number);
          return sum / (hi - lo);
        };
        delta += mean(b - 10, b) - mean(a, a + 10);
      }
      delta /= ranges.length;
      expect(s.role).toBe(sensorRole(j));
      const z = delta / s.noiseSd;
      if (s.role === 'up') expect(z, s.name).toBeGreaterThan(2);
      else if (s.role === 'down') expect(z, s.name).toBeLessThan(-2);
      else expect(Math.abs(z), s.name).toBeLessThan(0.5);
    }
  });

  it('operating conditions shift sensor levels (regime effect present)', () => {
    const s = sensors[2]!; // a flat sensor: only the regime moves it
    expect(s.role).toBe('flat');
    const v = train.numeric(s.name);
    const sums = [0, 0, 0, 0];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < v.length; i++) {
      const c = (cond[i] as number) - 1;
      sums[c]! += v[i] as number;
      counts[c]! += 1;
    }
    const means = sums.map((x, c) => x / counts[c]!);
    for (let c = 1; c < 4; c++) {
      expect(counts[c]).toBeGreaterThan(500);
      // the level moves by the documented offset, far beyond the noise
      expect(Math.abs(means[c]! - means[0]! - s.conditionOffsets[c]!)).toBeLessThan(s.noiseSd);
    }
    expect(Math.max(...s.conditionOffsets.map(Math.abs))).toBeGreaterThan(20 * s.noiseSd);
    // op settings identify the condition
    const alt = train.numeric('op_setting_1');
    for (let i = 0; i < 200; i++) {
      expect(alt[i]).toBeCloseTo(sim.conditionSettings[(cond[i] as number) - 1]![0], 1);
    }
  });

  it('a single condition gives sea-level settings and no shift', () => {
    const one = simulateRunToFailure({ seed: 3, units: 3, testUnits: 0, conditions: 1 });
    expect(new Set(one.train.numeric('op_setting_3'))).toEqual(new Set([100]));
    expect(new Set(one.train.numeric('condition'))).toEqual(new Set([1]));
    expect(one.test.nRows).toBe(0);
  });

  it('test units are truncated before failure and testRul holds the true RUL', () => {
    const tu = test.numeric('unit');
    const tr = unitRanges(tu);
    expect(tr).toHaveLength(40);
    const truth = testRul.numeric('rul');
    for (let u = 0; u < 40; u++) {
      expect(truth[u]).toBeGreaterThan(0);
      const [a, b] = tr[u]!;
      const length = b - a;
      const life = length + truth[u]!;
      // cut between 10 % and 90 % of life (rounded)
      expect(length).toBeGreaterThanOrEqual(Math.floor(0.1 * life) - 1);
      expect(length).toBeLessThanOrEqual(Math.ceil(0.9 * life) + 1);
    }
  });

  it('onset and degradation lengths follow the options; the power shape also degrades monotonically', () => {
    const p = simulateRunToFailure({ seed: 4, units: 20, testUnits: 0, shape: 'power', onsetCycles: [10, 10], degradationCycles: [50, 50] });
    const h = p.train.numeric('health_index');
    const rs = unitRanges(p.train.numeric('unit'));
    for (const [a, b] of rs) {
      expect(b - a).toBe(60);
      expect(h[a + 9]).toBe(1);
      expect(h[a + 10]).toBeLessThan(1);
      for (let i = a + 1; i < b; i++) expect(h[i]).toBeLessThanOrEqual(h[i - 1]!);
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    const o: RunToFailureOptions = { seed: 9, units: 10, testUnits: 5 };
    const a = simulateRunToFailure(o);
    const b = simulateRunToFailure(o);
    expect(sameTable(a.train, b.train)).toBe(true);
    expect(sameTable(a.test, b.test)).toBe(true);
    expect(sameTable(a.testRul, b.testRul)).toBe(true);
    expect(sameTable(a.train, simulateRunToFailure({ ...o, seed: 10 }).train)).toBe(false);
  });

  it('rejects invalid options with a ConfigError naming the option', () => {
    const bad: [RunToFailureOptions, string][] = [
      [{ units: 0 }, 'units'],
      [{ sensors: 2 }, 'sensors'],
      [{ conditions: 21 }, 'conditions'],
      [{ onsetCycles: [50, 10] }, 'onsetCycles'],
      [{ degradationCycles: [1, 10] }, 'degradationCycles[0]'],
      [{ shape: 'linear' as 'power' }, 'shape'],
      [{ noiseScale: -1 }, 'noiseScale'],
      [{ cycleMs: 0 }, 'cycleMs'],
    ];
    for (const [opts, name] of bad) {
      expect(() => simulateRunToFailure(opts)).toThrow(ConfigError);
      expect(() => simulateRunToFailure(opts)).toThrow(new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}:`));
    }
  });
});
