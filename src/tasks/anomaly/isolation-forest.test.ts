import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { IsolationForest, averagePathLength } from './isolation-forest.js';

function data(n: number, seed: number): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: n * 2 }, () => r.normal());
}

describe('IsolationForest (Liu et al. 2008)', () => {
  it('c(n) matches the paper: c(2) = 1, c(256) ≈ 10.24', () => {
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(10.244, 2);
  });
  it('scores outliers far above inliers (s > 0.6 vs median < 0.5)', () => {
    const x = data(2000, 1);
    const f = new IsolationForest({ seed: 5 }).fit(x, 2000, 2);
    const test = Float64Array.from([0, 0, 6, 6, -7, 0.5]);
    const s = f.score(test, 3);
    expect(s[0]).toBeLessThan(0.5);
    expect(s[1]).toBeGreaterThan(0.6);
    expect(s[2]).toBeGreaterThan(0.6);
  });
  it('same seed, same forest; save → load gives identical scores; another seed differs', () => {
    const x = data(500, 2);
    const a = new IsolationForest({ seed: 9, trees: 20 }).fit(x, 500, 2);
    const b = new IsolationForest({ seed: 9, trees: 20 }).fit(x, 500, 2);
    const c = new IsolationForest({ seed: 10, trees: 20 }).fit(x, 500, 2);
    const sa = a.score(x, 500);
    expect(b.score(x, 500)).toEqual(sa);
    expect(c.score(x, 500)).not.toEqual(sa);
    const re = IsolationForest.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(re.score(x, 500)).toEqual(sa);
  });
  it('rejects invalid options', () => {
    expect(() => new IsolationForest({ trees: 0 })).toThrow(ConfigError);
    expect(() => new IsolationForest({ sampleSize: 1 })).toThrow(/sampleSize/);
  });
});
