import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '../../core/errors.js';
import { checkSchedule } from './checker.js';
import { ScheduleState } from './evaluator.js';
import { lowerBound } from './bounds.js';
import { ProblemBuilder, type ProblemData } from './model.js';
import { solve } from './solve.js';
import { randomJobShop, randomProblem } from '../../../test/fixtures/scheduling/random-problems.js';

/** All permutations of an array (tiny inputs only). */
function permutations<T>(a: readonly T[]): T[][] {
  if (a.length <= 1) return [[...a]];
  return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
}

/** Exact optimum of a single-mode problem by enumerating every machine order (semi-active schedules). */
function bruteForceOptimum(p: ProblemData): number {
  const s = new ScheduleState(p);
  for (let o = 0; o < s.N; o++) s.setMode(o, 0);
  const onMachine: number[][] = Array.from({ length: p.numMachines }, () => []);
  p.ops.forEach((op, i) => onMachine[op.modes[0]!.machine]!.push(i));
  const perms = onMachine.map((ops) => permutations(ops));
  let best = Infinity;
  const rec = (m: number): void => {
    if (m === p.numMachines) {
      for (let k = 0; k < p.numMachines; k++) s.relink(k);
      const c = s.evaluate(false);
      if (s.violation === 0 && c < best) best = c;
      return;
    }
    for (const q of perms[m]!) {
      s.seq[m] = q;
      rec(m + 1);
    }
  };
  rec(0);
  return best;
}

describe('solve: every returned schedule is verified (property)', () => {
  it('random problems with release, setups, windows, flexibility, both objectives', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          jobs: fc.integer({ min: 1, max: 5 }),
          machines: fc.integer({ min: 1, max: 4 }),
          flex: fc.integer({ min: 1, max: 3 }),
          release: fc.boolean(),
          setups: fc.boolean(),
          windows: fc.boolean(),
          objective: fc.constantFrom('makespan' as const, 'weighted-tardiness' as const),
        }),
        async (o) => {
          const p = randomProblem(o.seed, o);
          const res = await solve(p, { timeLimitMs: 5000, maxIterations: 150, workers: 1, seed: o.seed });
          expect(['optimal', 'feasible']).toContain(res.status);
          const check = checkSchedule(p, res.schedule!);
          expect(check.violations).toEqual([]);
          expect(res.objective).toBe(p.objective === 'makespan' ? check.makespan : check.weightedTardiness);
          expect(res.objective!).toBeGreaterThanOrEqual(res.lowerBound!);
          if (res.status === 'optimal') expect(res.objective).toBe(res.lowerBound);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('pinned operations taken from a feasible schedule are respected', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e6 }), async (seed) => {
        const free = randomProblem(seed, { jobs: 4, machines: 3, flex: 2, setups: true, windows: true });
        const base = await solve(free, { timeLimitMs: 5000, maxIterations: 50, workers: 1, seed });
        // Pin every other operation where the free schedule put it: a feasible schedule exists.
        const b = new ProblemBuilder('pinned');
        for (let m = 0; m < free.numMachines; m++) b.addMachine();
        free.jobs.forEach((j, ji) => {
          const id = b.addJob({ release: j.release, due: j.due, weight: j.weight });
          for (let k = 0; k < j.numOps; k++) {
            const ref = b.addOperation(id, free.ops[j.firstOp + k]!.modes);
            const at = base.schedule!.operations.find((x) => x.job === ji && x.index === k)!;
            if ((ji + k) % 2 === 0) b.pin(ref, at.machine, at.start);
          }
        });
        free.setups.forEach((s, m) => s && b.setSetupTimes(m, s));
        free.unavailability.forEach((ws, m) => ws.forEach((w) => b.addUnavailability(m, w.start, w.end)));
        const p = b.build();
        const res = await solve(p, { timeLimitMs: 5000, maxIterations: 100, workers: 1, seed });
        expect(res.status).not.toBe('infeasible');
        if (res.schedule) expect(checkSchedule(p, res.schedule).violations).toEqual([]);
      }),
      { numRuns: 25, seed: 11 },
    );
  });
});

describe('solve: quality on tiny instances', () => {
  it('finds the brute-force optimum of random 3×3 job shops, and the lower bound never exceeds it', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const p = randomJobShop(seed, 3, 3, 9);
      const opt = bruteForceOptimum(p);
      expect(lowerBound(p)).toBeLessThanOrEqual(opt);
      const res = await solve(p, { timeLimitMs: 5000, maxIterations: 3000, workers: 1, seed });
      expect(res.objective).toBe(opt);
    }
  });

  it('lower bound <= brute-force optimum with release dates and flexible-free windows', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const p = randomProblem(seed, { jobs: 3, machines: 3, release: true, windows: true, setups: true });
      expect(lowerBound(p)).toBeLessThanOrEqual(bruteForceOptimum(p));
    }
  });
});

describe('solve: statuses, options and determinism', () => {
  it('same seed and iteration budget give the same schedule', async () => {
    const p = randomJobShop(5, 6, 4);
    const a = await solve(p, { timeLimitMs: 10_000, maxIterations: 400, workers: 1, seed: 3 });
    const b = await solve(p, { timeLimitMs: 10_000, maxIterations: 400, workers: 1, seed: 3 });
    expect(a.schedule).toEqual(b.schedule);
  });

  it('conflicting pins are reported as infeasible, not thrown', async () => {
    const b = new ProblemBuilder('conflict');
    b.addMachine();
    b.pin(b.addOperation(b.addJob(), [{ machine: 0, duration: 5 }]), 0, 0);
    b.pin(b.addOperation(b.addJob(), [{ machine: 0, duration: 5 }]), 0, 3);
    const res = await solve(b.build(), { timeLimitMs: 1000, workers: 1 });
    expect(res.status).toBe('infeasible');
    expect(res.schedule).toBeNull();
    expect(res.reason).toMatch(/overlap on machine 0/);
  });

  it('rejects iterated greedy on a problem that is not a plain flow shop, and bad options', async () => {
    const p = randomJobShop(1, 3, 3);
    await expect(solve(p, { solver: 'iterated-greedy', workers: 1 })).rejects.toThrow(ConfigError);
    await expect(solve(p, { solver: 'iterated-greedy', workers: 1 })).rejects.toThrow(/permutation flow shop/);
    await expect(solve(p, { timeLimitMs: -1 })).rejects.toThrow(/timeLimitMs/);
    await expect(solve(p, { workers: 0 })).rejects.toThrow(/workers/);
    await expect(solve(p, { solver: 'cplex' as never })).rejects.toThrow(/solver: expected one of auto, tabu/);
  });

  it('a dispatch-only run returns a verified schedule', async () => {
    const p = randomProblem(9, { jobs: 6, machines: 3, flex: 2, release: true, objective: 'weighted-tardiness' });
    for (const rule of ['spt', 'mwkr', 'edd', 'random'] as const) {
      const res = await solve(p, { solver: 'dispatch', dispatchRule: rule, workers: 1 });
      expect(checkSchedule(p, res.schedule!).feasible).toBe(true);
      expect(res.iterations).toBe(0);
    }
  });

  it('runs on two worker threads and reports progress', async () => {
    const p = randomJobShop(4, 8, 5);
    const events: number[] = [];
    const res = await solve(p, { timeLimitMs: 1500, workers: 2, seed: 1, onProgress: (e) => events.push(e.objective) });
    expect(res.workers).toBe(2);
    expect(checkSchedule(p, res.schedule!).feasible).toBe(true);
    expect(events.length).toBeGreaterThan(0);
    // Events report strictly improving objectives and end at the returned one.
    for (let i = 1; i < events.length; i++) expect(events[i]!).toBeLessThan(events[i - 1]!);
    expect(events[events.length - 1]).toBe(res.objective);
  });
});

describe('solve: flexible job shop and weighted tardiness improve on dispatching', () => {
  it('tabu with machine reassignment beats the best dispatching rule on random flexible problems', async () => {
    let strictlyBetter = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const p = randomProblem(seed, { jobs: 8, machines: 4, flex: 4 });
      const d = await solve(p, { solver: 'dispatch', workers: 1, seed });
      const t = await solve(p, { solver: 'tabu', workers: 1, seed, timeLimitMs: 10_000, maxIterations: 400 });
      expect(t.objective!).toBeLessThanOrEqual(d.objective!);
      if (t.objective! < d.objective!) strictlyBetter++;
      // Some operation ends up on a machine other than its first-listed one.
      expect(t.schedule!.operations.some((o) => o.machine !== p.ops[p.jobs[o.job]!.firstOp + o.index]!.modes[0]!.machine)).toBe(true);
    }
    expect(strictlyBetter).toBeGreaterThanOrEqual(3);
  });

  it('tabu lowers total weighted tardiness below the best dispatching rule', async () => {
    let strictlyBetter = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const p = randomProblem(seed, { jobs: 8, machines: 3, release: true, setups: true, objective: 'weighted-tardiness' });
      const d = await solve(p, { solver: 'dispatch', workers: 1, seed });
      const t = await solve(p, { solver: 'tabu', workers: 1, seed, timeLimitMs: 10_000, maxIterations: 300 });
      expect(t.objective!).toBeLessThanOrEqual(d.objective!);
      if (t.objective! < d.objective!) strictlyBetter++;
    }
    expect(strictlyBetter).toBeGreaterThanOrEqual(3);
  });
});
