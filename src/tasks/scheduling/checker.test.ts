import { describe, expect, it } from 'vitest';
import { checkSchedule, type Schedule, type ScheduledOperation } from './checker.js';
import { ProblemBuilder, type ProblemData } from './model.js';

// Two jobs, two machines. J0: M0(3) -> M1(2); J1: M1(4) -> M0(1). Setups on M0; M1 down in [10, 12).
function problem(): ProblemData {
  const b = new ProblemBuilder('check');
  b.addMachine();
  b.addMachine();
  const j0 = b.addJob({ due: 4, weight: 2 });
  const j1 = b.addJob({ release: 1, due: 100 });
  b.addOperation(j0, [{ machine: 0, duration: 3 }]);
  b.addOperation(j0, [{ machine: 1, duration: 2 }]);
  b.addOperation(j1, [{ machine: 1, duration: 4 }]);
  b.addOperation(j1, [{ machine: 0, duration: 1 }]);
  b.setSetupTimes(0, [
    [0, 2],
    [2, 0],
  ]);
  b.addUnavailability(1, 10, 12);
  return b.build();
}

// A valid schedule: J1 op0 on M1 [1,5); J0 op0 on M0 [0,3); J0 op1 on M1 [5,7); J1 op1 on M0 [5,6) (setup 2 after J0).
const good: ScheduledOperation[] = [
  { job: 0, index: 0, machine: 0, start: 0, end: 3 },
  { job: 0, index: 1, machine: 1, start: 5, end: 7 },
  { job: 1, index: 0, machine: 1, start: 1, end: 5 },
  { job: 1, index: 1, machine: 0, start: 5, end: 6 },
];
const sched = (ops: ScheduledOperation[], makespan = 7, wt = 6): Schedule => ({ operations: ops, makespan, weightedTardiness: wt });
const edit = (i: number, patch: Partial<ScheduledOperation>): ScheduledOperation[] => good.map((o, k) => (k === i ? { ...o, ...patch } : o));

describe('checkSchedule', () => {
  const p = problem();
  it('accepts a valid schedule and recomputes both objectives', () => {
    const r = checkSchedule(p, sched(good));
    expect(r.violations).toEqual([]);
    expect(r.feasible).toBe(true);
    expect(r.makespan).toBe(7);
    expect(r.weightedTardiness).toBe(2 * (7 - 4));
  });
  it.each([
    ['machine overlap', edit(2, { start: 4, end: 8 }), /machine 1: .*starts at 5/],
    ['precedence', edit(1, { start: 2, end: 4 }), /job 0: op 1 starts at 2 before op 0 ends at 3/],
    ['release', edit(2, { start: 0, end: 4 }), /before its release 1/],
    ['duration', edit(0, { end: 4 }), /duration 4 != 3/],
    ['ineligible machine', edit(0, { machine: 1 }), /machine 1 is not eligible/],
    ['setup', edit(3, { start: 4, end: 5 }), /\(\+ setup 2\)/],
    ['missing operation', good.slice(1), /operation 0 of job 0 .* is missing/],
    ['duplicate operation', [...good, good[0] as ScheduledOperation], /appears twice/],
  ])('detects %s', (_name, ops, re) => {
    const r = checkSchedule(p, sched(ops as ScheduledOperation[], 99, 99));
    expect(r.feasible).toBe(false);
    expect(r.violations.join('\n')).toMatch(re);
  });
  it('detects processing across an unavailability window', () => {
    const ops = edit(1, { start: 9, end: 11 });
    const r = checkSchedule(p, sched(ops, 11, 14));
    expect(r.violations.join('\n')).toMatch(/overlaps unavailability \[10, 12\)/);
  });
  it('detects a wrong claimed objective', () => {
    expect(checkSchedule(p, sched(good, 8, 6)).violations.join()).toMatch(/claimed makespan 8 != recomputed 7/);
    expect(checkSchedule(p, sched(good, 7, 5)).violations.join()).toMatch(/claimed weighted tardiness 5 != recomputed 6/);
  });
  it('detects a moved pinned operation', () => {
    const b = new ProblemBuilder('pin');
    b.addMachine();
    const j = b.addJob();
    b.pin(b.addOperation(j, [{ machine: 0, duration: 2 }]), 0, 5);
    const pp = b.build();
    expect(checkSchedule(pp, { operations: [{ job: 0, index: 0, machine: 0, start: 5, end: 7 }], makespan: 7, weightedTardiness: 0 }).feasible).toBe(true);
    expect(checkSchedule(pp, { operations: [{ job: 0, index: 0, machine: 0, start: 4, end: 6 }], makespan: 6, weightedTardiness: 0 }).violations.join()).toMatch(/pinned to machine 0 at 5/);
  });
});
