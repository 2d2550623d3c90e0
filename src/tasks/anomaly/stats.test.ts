import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { fillMissing, quantile, robustLocationScale, solveSpd } from './stats.js';

describe('robust statistics', () => {
  it('quantile interpolates (type 7) and skips NaN', () => {
    expect(quantile([3, 1, NaN, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6);
    expect(quantile([NaN], 0.5)).toBeNaN();
  });
  it('MAD scale estimates σ of Gaussian data and ignores 10 % gross outliers', () => {
    const r = new Rng(3);
    const x = Float64Array.from({ length: 20000 }, (_, i) => (i % 10 === 0 ? 1000 : r.normal(5, 2)));
    const { center, scale } = robustLocationScale(x);
    expect(center).toBeGreaterThan(4.8);
    expect(center).toBeLessThan(5.4);
    expect(scale).toBeGreaterThan(1.9);
    expect(scale).toBeLessThan(2.4);
  });
  it('solveSpd solves a positive-definite system', () => {
    const a = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const x = solveSpd(a, Float64Array.from([1, 2, 3]), 3);
    const b = [0, 1, 2].map((i) => [0, 1, 2].reduce((s, j) => s + (a[i * 3 + j] as number) * (x[j] as number), 0));
    expect(b[0]).toBeCloseTo(1, 10);
    expect(b[1]).toBeCloseTo(2, 10);
    expect(b[2]).toBeCloseTo(3, 10);
  });
  it('fillMissing carries forward and back-fills the start', () => {
    expect(Array.from(fillMissing(Float64Array.from([NaN, 2, NaN, 4])))).toEqual([2, 2, 2, 4]);
  });
});
