import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { groupKFold, groupSplit, kFold, randomSplit, stratifiedKFold, stratifiedSplit, timeSplit, type Fold } from './splits.js';

/** Labels with 2..4 classes, each with at least 3 rows. */
const labelArrays = fc
  .array(fc.integer({ min: 3, max: 40 }), { minLength: 2, maxLength: 4 })
  .chain((counts) =>
    fc.shuffledSubarray(
      counts.flatMap((c, k) => Array.from({ length: c }, () => k)),
      { minLength: counts.reduce((a, b) => a + b, 0) },
    ),
  );

function count(labels: ArrayLike<number>, idx: Int32Array, k: number): number {
  let n = 0;
  for (const i of idx) if (labels[i] === k) n++;
  return n;
}

function expectPartition(parts: Int32Array[], n: number): void {
  const seen = new Int32Array(n);
  for (const p of parts) for (const i of p) seen[i] = (seen[i] as number) + 1;
  expect([...seen].every((c) => c === 1)).toBe(true);
}

function expectFolds(folds: Fold[], n: number): void {
  expectPartition(folds.map((f) => f.test), n);
  for (const f of folds) expectPartition([f.train, f.test], n);
}

describe('stratifiedSplit', () => {
  it('keeps every class within one sample of its share in each part (property)', () => {
    fc.assert(
      fc.property(labelArrays, fc.double({ min: 0.1, max: 0.5, noNaN: true }), fc.integer(), (y, tf, seed) => {
        const within = (part: Int32Array, tol: number): void => {
          for (const k of new Set(y)) {
            const nk = y.filter((v) => v === k).length;
            const share = (nk * part.length) / y.length;
            expect(Math.abs(count(y, part, k) - share)).toBeLessThanOrEqual(tol);
          }
        };
        const two = stratifiedSplit(y, { testFraction: tf, seed });
        expectPartition([two.train, two.test], y.length);
        expect(two.val.length).toBe(0);
        within(two.train, 1);
        within(two.test, 1);
        expect(two.test.length).toBe(Math.max(1, Math.round(tf * y.length)));
        const { train, val, test } = stratifiedSplit(y, { testFraction: tf, valFraction: 0.15, seed });
        expectPartition([train, val, test], y.length);
        within(test, 1);
        within(val, 1);
        within(train, 2);
        for (const k of new Set(y)) expect(count(y, train, k)).toBeGreaterThan(0);
      }),
      { seed: 11, numRuns: 150 },
    );
  });

  it('same seed, same split; another seed, another split', () => {
    const y = Array.from({ length: 100 }, (_, i) => i % 3);
    expect(stratifiedSplit(y, { seed: 5 })).toEqual(stratifiedSplit(y, { seed: 5 }));
    expect(stratifiedSplit(y, { seed: 5 }).test).not.toEqual(stratifiedSplit(y, { seed: 6 }).test);
  });

  it('names the class and counts when a class is too small', () => {
    const y = ['ok', 'ok', 'ok', 'ok', 'fail'];
    expect(() => stratifiedSplit(y)).toThrow(ConfigError);
    expect(() => stratifiedSplit(y)).toThrow(/class 'fail' has 1 row.*ok: 4, fail: 1/);
  });

  it('rejects invalid fractions', () => {
    expect(() => stratifiedSplit([0, 1, 0, 1], { testFraction: 0 })).toThrow(/testFraction/);
    expect(() => stratifiedSplit([0, 1, 0, 1], { testFraction: 1.2 })).toThrow(/testFraction/);
    expect(() => stratifiedSplit([0, 1, 0, 1], { testFraction: 0.5, valFraction: 0.5 })).toThrow(/below 1/);
  });
});

describe('randomSplit', () => {
  it('partitions the rows with the asked sizes, seeded', () => {
    const s = randomSplit(50, { testFraction: 0.2, valFraction: 0.1, seed: 1 });
    expectPartition([s.train, s.val, s.test], 50);
    expect([s.train.length, s.val.length, s.test.length]).toEqual([35, 5, 10]);
    expect(randomSplit(50, { seed: 1 })).toEqual(randomSplit(50, { seed: 1 }));
  });
});

describe('groupSplit', () => {
  it('never puts a group in two parts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 3, maxLength: 200 }), fc.integer(), (g, seed) => {
        fc.pre(new Set(g).size >= 3);
        const { train, val, test } = groupSplit(g, { testFraction: 0.3, valFraction: 0.2, seed });
        expectPartition([train, val, test], g.length);
        const sets = [train, val, test].map((p) => new Set([...p].map((i) => g[i])));
        for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) for (const x of sets[a] as Set<number>) expect(sets[b]?.has(x)).toBe(false);
        expect(train.length).toBeGreaterThan(0);
      }),
      { seed: 12, numRuns: 150 },
    );
  });

  it('needs at least as many groups as parts', () => {
    expect(() => groupSplit(['m1', 'm1', 'm1'])).toThrow(/at least 2 groups \(one per part\), got 1/);
  });

  it('rotates the hold-out over disjoint blocks that together hold every group out once', () => {
    // 100 units of 1–4 rows each, as C-MAPSS windows per unit
    const g = Array.from({ length: 100 }, (_, u) => Array.from({ length: 1 + (u % 4) }, () => `u${u}`)).flat();
    const unitsOf = (p: Int32Array): string[] => [...new Set([...p].map((i) => g[i] as string))].sort();
    const base = groupSplit(g, { testFraction: 0.2, seed: 3 });
    expect(groupSplit(g, { testFraction: 0.2, seed: 3, block: 0 })).toEqual(base);
    const held = [0, 1, 2, 3, 4].map((b) => groupSplit(g, { testFraction: 0.2, seed: 3, block: b }));
    for (const s of held) {
      expectPartition([s.train, s.test], g.length);
      expect(unitsOf(s.test)).toHaveLength(20);
      for (const u of unitsOf(s.test)) expect(unitsOf(s.train)).not.toContain(u);
    }
    const all = held.flatMap((s) => unitsOf(s.test));
    expect(new Set(all).size).toBe(100); // disjoint blocks covering every unit
    expect(groupSplit(g, { testFraction: 0.2, seed: 3, block: 5 })).toEqual(base); // wraps around
    expect(() => groupSplit(g, { testFraction: 0.2, valFraction: 0.1, block: 1 })).toThrow(/no validation part/);
    expect(() => groupSplit(g, { block: -1 })).toThrow(/block must be a non-negative integer, got -1/);
  });
});

describe('timeSplit', () => {
  it('trains strictly before it tests, even with tied times', () => {
    const t = [5, 1, 3, 3, 2, 4, 4, 4, 6, 7];
    const { train, val, test } = timeSplit(t, { testFraction: 0.3, valFraction: 0.2 });
    expectPartition([train, val, test], t.length);
    const max = (p: Int32Array): number => Math.max(...[...p].map((i) => t[i] as number));
    const min = (p: Int32Array): number => Math.min(...[...p].map((i) => t[i] as number));
    expect(max(train)).toBeLessThan(min(val));
    expect(max(val)).toBeLessThan(min(test));
    expect([...test].map((i) => t[i])).toEqual([5, 6, 7]);
  });

  it('refuses an empty validation part caused by ties', () => {
    expect(() => timeSplit([1, 2, 3, 4, 5, 6, 7, 9, 9, 9], { testFraction: 0.2, valFraction: 0.1 })).toThrow(/validation part would be empty/);
  });

  it('rejects missing times', () => {
    expect(() => timeSplit([1, NaN, 3])).toThrow(/row 1/);
  });
});

describe('k-fold', () => {
  it('kFold: every index in exactly one test fold, sizes within one (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 100 }), fc.integer(), (k, extra, seed) => {
        const n = k + extra;
        const folds = kFold(n, { k, seed });
        expect(folds).toHaveLength(k);
        expectFolds(folds, n);
        const sizes = folds.map((f) => f.test.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { seed: 13, numRuns: 100 },
    );
  });

  it('stratifiedKFold: partitions and keeps class counts per fold within one (property)', () => {
    fc.assert(
      fc.property(labelArrays, fc.integer(), (y, seed) => {
        const folds = stratifiedKFold(y, { k: 3, seed });
        expectFolds(folds, y.length);
        for (const k of new Set(y)) {
          const c = folds.map((f) => count(y, f.test, k));
          expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
        }
      }),
      { seed: 14, numRuns: 100 },
    );
    expect(() => stratifiedKFold([0, 0, 0, 0, 1, 1], { k: 3 })).toThrow(/class '1' has 2 rows/);
  });

  it('groupKFold: partitions, each group in one test fold (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 5, maxLength: 200 }), fc.integer(), (g, seed) => {
        fc.pre(new Set(g).size >= 4);
        const folds = groupKFold(g, { k: 4, seed });
        expectFolds(folds, g.length);
        for (const f of folds) {
          const testGroups = new Set([...f.test].map((i) => g[i]));
          for (const i of f.train) expect(testGroups.has(g[i] as number)).toBe(false);
        }
      }),
      { seed: 15, numRuns: 100 },
    );
    expect(() => groupKFold([1, 1, 2], { k: 3 })).toThrow(/at least k = 3 groups, got 2/);
  });

  it('same seed gives the same folds; k is validated', () => {
    expect(kFold(20, { k: 4, seed: 9 })).toEqual(kFold(20, { k: 4, seed: 9 }));
    expect(() => kFold(20, { k: 1 })).toThrow(/k must be an integer/);
    expect(() => kFold(3, { k: 4 })).toThrow(ConfigError);
  });
});
