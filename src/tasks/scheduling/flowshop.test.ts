import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../core/random.js';
import { flowShopMakespan, iteratedGreedy, neh, type FlowShopData } from './flowshop.js';
import { jacksonPreemptive } from './bounds.js';

function randomFlowShop(seed: number, n: number, m: number): FlowShopData {
  const rng = new Rng(seed);
  return { n, m, p: Float64Array.from({ length: n * m }, () => 1 + rng.int(99)) };
}

function permutations(a: number[]): number[][] {
  if (a.length <= 1) return [a];
  return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('NEH with Taillard acceleration', () => {
  it('reports the true makespan of the permutation it returns (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 6 }), (seed, n, m) => {
        const d = randomFlowShop(seed, n, m);
        const r = neh(d);
        expect([...r.perm].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(r.makespan).toBe(flowShopMakespan(d, r.perm));
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('reaches the enumerated optimum on a small 2-machine instance', () => {
    const d: FlowShopData = { n: 4, m: 2, p: Float64Array.from([3, 6, 5, 2, 1, 2, 6, 6]) };
    const best = Math.min(...permutations([0, 1, 2, 3]).map((p) => flowShopMakespan(d, p)));
    expect(neh(d).makespan).toBe(best);
  });
});

describe('iterated greedy (Ruiz & Stützle 2007)', () => {
  it('reaches the enumerated optimum on random 7×4 instances', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const d = randomFlowShop(seed, 7, 4);
      const opt = Math.min(...permutations([0, 1, 2, 3, 4, 5, 6]).map((p) => flowShopMakespan(d, p)));
      const r = iteratedGreedy(d, { deadline: performance.now() + 5000, rng: new Rng(seed), maxIterations: 300 });
      expect(r.makespan).toBe(opt);
      expect(flowShopMakespan(d, r.perm)).toBe(r.makespan);
    }
  });
});

describe('jacksonPreemptive', () => {
  it('computes the preemptive one-machine bound (Carlier 1982 style example)', () => {
    // Jobs (r, p, q): (0, 4, 2), (1, 2, 10), (3, 3, 0). Preemptive EDD-on-tails: 0-1 job0, 1-3 job1 (end 3+10=13), 3-6 job0 (end 6+2=8), 6-9 job2 (9).
    expect(jacksonPreemptive([0, 1, 3], [4, 2, 3], [2, 10, 0])).toBe(13);
    // Without heads/tails it is the total load.
    expect(jacksonPreemptive([0, 0, 0], [4, 2, 3], [0, 0, 0])).toBe(9);
    // Idle time forced by a late release.
    expect(jacksonPreemptive([0, 10], [2, 3], [0, 1])).toBe(14);
  });
});
