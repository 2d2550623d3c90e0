import { describe, expect, it } from 'vitest';
import { cutMetrics, truncationCuts, unitFolds } from './validate.js';

describe('truncationCuts', () => {
  const units = [...Array(50).fill(1), ...Array(40).fill(2), ...Array(20).fill(3)];
  const time = [...Array.from({ length: 50 }, (_, i) => i + 1), ...Array.from({ length: 40 }, (_, i) => i + 1), ...Array.from({ length: 20 }, (_, i) => i + 1)];

  it('cuts each long-enough unit between minCut and its last cycle − 1, with the uncapped truth', () => {
    const cuts = truncationCuts(units, time, { cutsPerUnit: 200, minCut: 31, seed: 3 });
    expect(cuts.filter((c) => c.unit === 3)).toEqual([]); // 20 cycles < 31 + 1
    for (const u of [1, 2]) {
      const cs = cuts.filter((c) => c.unit === u);
      expect(cs).toHaveLength(200);
      const last = u === 1 ? 50 : 40;
      for (const c of cs) {
        expect(c.cycle).toBeGreaterThanOrEqual(31);
        expect(c.cycle).toBeLessThanOrEqual(last - 1);
        expect(c.rul).toBe(last - c.cycle);
        expect(time[c.row]).toBe(c.cycle);
        expect(units[c.row]).toBe(u);
      }
      // Uniform: both ends of the range are drawn.
      expect(Math.min(...cs.map((c) => c.cycle))).toBe(31);
      expect(Math.max(...cs.map((c) => c.cycle))).toBe(last - 1);
    }
  });

  it('is seeded', () => {
    expect(truncationCuts(units, time, { seed: 1 })).toEqual(truncationCuts(units, time, { seed: 1 }));
    expect(truncationCuts(units, time, { seed: 1 })).not.toEqual(truncationCuts(units, time, { seed: 2 }));
  });

  it('rejects bad options', () => {
    expect(() => truncationCuts(units, time, { cutsPerUnit: 0 })).toThrow(/cutsPerUnit/);
    expect(() => truncationCuts(units, time, { minCut: 0 })).toThrow(/minCut/);
  });
});

describe('unitFolds', () => {
  it('holds every unit out exactly once per repeat', () => {
    const units = Array.from({ length: 23 }, (_, i) => `u${i}`);
    const folds = unitFolds(units, 5, 2, 0);
    expect(folds).toHaveLength(10);
    for (const r of [0, 1]) {
      const held = folds.slice(5 * r, 5 * r + 5).flatMap((f) => [...f]);
      expect(held.sort()).toEqual([...units].sort());
    }
    expect([...(folds[0] as Set<string>)]).not.toEqual([...(folds[5] as Set<string>)]);
    expect(() => unitFolds(['a', 'b'], 5)).toThrow(/k/);
  });
});

describe('cutMetrics', () => {
  it('computes RMSE and the PHM08 score (late predictions cost more)', () => {
    const m = cutMetrics([10, 10], [20, 0]);
    expect(m.rmse).toBeCloseTo(10, 12);
    expect(m.score).toBeCloseTo(Math.exp(1) - 1 + Math.exp(10 / 13) - 1, 12);
  });
});
