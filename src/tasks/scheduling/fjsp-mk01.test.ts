import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readInstanceFile } from '../../io/instances/index.js';
import { checkSchedule } from './checker.js';
import { problemFromInstance } from './model.js';
import { solve } from './solve.js';

const mk01 = fileURLToPath(new URL('../../../test/fixtures/scheduling/mk01.fjs', import.meta.url));

describe('flexible job shop: Brandimarte mk01 (optimum 40)', () => {
  it('reads 10 jobs × 6 machines, 55 operations, and tabu reaches <= 42 in 5000 iterations', async () => {
    const p = problemFromInstance(readInstanceFile(mk01));
    expect([p.jobs.length, p.numMachines, p.ops.length]).toEqual([10, 6, 55]);
    const res = await solve(p, { timeLimitMs: 60_000, maxIterations: 5000, workers: 1, seed: 1 });
    expect(checkSchedule(p, res.schedule!).feasible).toBe(true);
    expect(res.lowerBound!).toBeLessThanOrEqual(40);
    expect(res.objective!).toBeGreaterThanOrEqual(40);
    expect(res.objective!).toBeLessThanOrEqual(42);
  });
});
