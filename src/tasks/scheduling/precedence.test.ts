import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataError } from '../../core/errors.js';
import { readJsonInstance } from '../../io/instances/json.js';
import { lowerBound } from './bounds.js';
import { checkSchedule } from './checker.js';
import { ScheduleState } from './evaluator.js';
import { ProblemBuilder, problemFromInstance, problemToInstance, type ProblemData } from './model.js';
import { chooseSolver, solve } from './solve.js';
import { randomJobShop, randomProblem, withRandomDag } from '../../../test/fixtures/scheduling/random-problems.js';

/** Exact optimum of a single-mode problem by enumerating every machine order (semi-active schedules). */
function bruteForceOptimum(p: ProblemData): number {
  const s = new ScheduleState(p);
  for (let o = 0; o < s.N; o++) s.setMode(o, 0);
  const perms = (a: number[]): number[][] => (a.length <= 1 ? [[...a]] : a.flatMap((x, i) => perms([...a.slice(0, i), ...a.slice(i + 1)]).map((q) => [x, ...q])));
  const onMachine: number[][] = Array.from({ length: p.numMachines }, () => []);
  p.ops.forEach((op, i) => onMachine[op.modes[0]!.machine]!.push(i));
  const all = onMachine.map((ops) => perms(ops));
  let best = Infinity;
  const rec = (m: number): void => {
    if (m === p.numMachines) {
      for (let k = 0; k < p.numMachines; k++) s.relink(k);
      const c = s.evaluate(false);
      if (c < best) best = c;
      return;
    }
    for (const q of all[m]!) {
      s.seq[m] = q;
      rec(m + 1);
    }
  };
  rec(0);
  return best;
}

describe('precedences between operations of different jobs', () => {
  it('builder: a cycle is a clear validation error that names it', () => {
    const b = new ProblemBuilder('cyc');
    const m = b.addMachine();
    const a = b.addJob({ name: 'frame' });
    const c = b.addJob({ name: 'wheel' });
    const a0 = b.addOperation(a, [{ machine: m, duration: 1 }]);
    const a1 = b.addOperation(a, [{ machine: m, duration: 1 }]);
    const c0 = b.addOperation(c, [{ machine: m, duration: 1 }]);
    const c1 = b.addOperation(c, [{ machine: m, duration: 1 }]);
    b.addPrecedence(a1, c0).addPrecedence(c1, a0);
    let err: unknown;
    try {
      b.build();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^precedence cycle: /);
    // The four operations of the cycle, in order, closing on the first.
    for (const part of ["job 0 ('frame') op 0", "job 0 ('frame') op 1", "job 1 ('wheel') op 0", "job 1 ('wheel') op 1"]) expect(msg).toContain(part);
    expect(msg).toMatch(/op 1 → job 1 \('wheel'\) op 0/);
    expect(msg.split(' → ').length).toBe(5);
  });

  it('builder: unknown operations, self-precedence and bad lags are rejected', () => {
    const mk = (f: (b: ProblemBuilder, o: { job: number; index: number }) => void): (() => ProblemData) => () => {
      const b = new ProblemBuilder();
      b.addMachine();
      const j = b.addJob();
      const o = b.addOperation(j, [{ machine: 0, duration: 2 }]);
      f(b, o);
      return b.build();
    };
    expect(mk((b, o) => b.addPrecedence(o, { job: 3, index: 0 }))).toThrow(/precedence 0: second operation 0 of job 3 does not exist/);
    expect(mk((b, o) => b.addPrecedence(o, o))).toThrow(/cannot precede itself/);
    expect(mk((b, o) => b.addPrecedence(o, o, -1))).toThrow(/precedence 0/);
  });

  it('a lag is honoured by solver, bound and checker; the checker catches a violated precedence', async () => {
    const b = new ProblemBuilder('lag');
    const [m0, m1] = [b.addMachine(), b.addMachine()];
    const j0 = b.addJob();
    const j1 = b.addJob();
    const a = b.addOperation(j0, [{ machine: m0, duration: 3 }]);
    const c = b.addOperation(j1, [{ machine: m1, duration: 4 }]);
    b.addPrecedence(a, c, 5);
    const p = b.build();
    expect(lowerBound(p)).toBe(12);
    const res = await solve(p, { workers: 1, timeLimitMs: 2000 });
    expect(res.objective).toBe(12);
    expect(res.status).toBe('optimal');
    const bad = { operations: [{ job: 0, index: 0, machine: 0, start: 0, end: 3 }, { job: 1, index: 0, machine: 1, start: 7, end: 11 }], makespan: 11, weightedTardiness: 0 };
    const chk = checkSchedule(p, bad);
    expect(chk.feasible).toBe(false);
    expect(chk.violations.join()).toMatch(/precedence: job 1 op 0 starts at 7 but must wait for job 0 op 0 \(ends 3 \+ lag 5\)/);
  });

  it('property: random DAGs across jobs — every solver returns a schedule the checker accepts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          jobs: fc.integer({ min: 2, max: 6 }),
          machines: fc.integer({ min: 1, max: 4 }),
          flex: fc.integer({ min: 1, max: 3 }),
          arcs: fc.integer({ min: 1, max: 10 }),
          maxLag: fc.integer({ min: 0, max: 5 }),
          release: fc.boolean(),
          setups: fc.boolean(),
          windows: fc.boolean(),
          objective: fc.constantFrom('makespan' as const, 'weighted-tardiness' as const),
          solver: fc.constantFrom('tabu' as const, 'dispatch' as const),
        }),
        async (o) => {
          const p = withRandomDag(randomProblem(o.seed, o), o.seed + 1, o.arcs, o.maxLag);
          const res = await solve(p, { timeLimitMs: 5000, maxIterations: 150, workers: 1, seed: o.seed, solver: o.solver });
          expect(['optimal', 'feasible']).toContain(res.status);
          const check = checkSchedule(p, res.schedule!);
          expect(check.violations).toEqual([]);
          expect(res.objective!).toBeGreaterThanOrEqual(res.lowerBound!);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('tabu reaches the enumerated optimum of random 3×3 job shops with cross-job precedences and lags', async () => {
    let withArcs = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const p = withRandomDag(randomJobShop(seed, 3, 3, 9), seed, 3, 3);
      if (p.precedences.length > 0) withArcs++;
      const opt = bruteForceOptimum(p);
      expect(lowerBound(p)).toBeLessThanOrEqual(opt);
      const res = await solve(p, { workers: 1, seed, timeLimitMs: 10_000, maxIterations: 2000 });
      expect(checkSchedule(p, res.schedule!).feasible).toBe(true);
      expect(res.objective).toBe(opt);
    }
    expect(withArcs).toBeGreaterThanOrEqual(6);
  });

  it('a flow shop with extra precedences is solved by tabu (iterated greedy cannot honour them)', () => {
    const b = new ProblemBuilder('fs');
    b.addMachine();
    b.addMachine();
    const refs = [0, 1, 2].map(() => {
      const j = b.addJob();
      return [b.addOperation(j, [{ machine: 0, duration: 2 }]), b.addOperation(j, [{ machine: 1, duration: 3 }])];
    });
    expect(chooseSolver(b.build(), 'auto')).toBe('iterated-greedy');
    b.addPrecedence(refs[2]![1]!, refs[0]![0]!);
    const p = b.build();
    expect(chooseSolver(p, 'auto')).toBe('tabu');
    expect(() => chooseSolver(p, 'iterated-greedy')).toThrow(/extra precedences/);
  });

  it('JSON format: precedences round-trip; a cyclic file fails with the cycle named', () => {
    const p = withRandomDag(randomProblem(3, { jobs: 4, machines: 3 }), 4, 5, 4);
    expect(p.precedences.length).toBeGreaterThan(0);
    const text = JSON.stringify(problemToInstance(p));
    const q = problemFromInstance(readJsonInstance(text, 'p.json'));
    expect(q.precedences).toEqual(p.precedences);
    const doc = {
      numMachines: 1,
      jobs: [{ operations: [{ modes: [{ machine: 0, duration: 1 }] }] }, { operations: [{ modes: [{ machine: 0, duration: 1 }] }] }],
      precedences: [
        { before: { job: 0, index: 0 }, after: { job: 1, index: 0 } },
        { before: { job: 1, index: 0 }, after: { job: 0, index: 0 }, lag: 2 },
      ],
    };
    expect(() => problemFromInstance(readJsonInstance(JSON.stringify(doc), 'c.json'))).toThrow(/precedence cycle: job 0 \('J0'\) op 0 → job 1 \('J1'\) op 0 → job 0 \('J0'\) op 0/);
    expect(() => readJsonInstance(JSON.stringify({ ...doc, precedences: [{ before: { job: 0 }, after: { job: 1, index: 0 } }] }), 'd.json')).toThrow(/precedences\[0\]\.before\.index: expected a non-negative integer/);
  });
});
