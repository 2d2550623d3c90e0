import { describe, expect, it } from 'vitest';
import { DataError } from '../../core/errors.js';
import { ProblemBuilder, problemFromInstance, problemToInstance, problemTraits } from './model.js';
import { randomProblem } from '../../../test/fixtures/scheduling/random-problems.js';

describe('ProblemBuilder', () => {
  it('builds a frozen problem with jobs in routing order', () => {
    const b = new ProblemBuilder('demo');
    const m0 = b.addMachine('lathe');
    const m1 = b.addMachine('mill');
    const j = b.addJob({ name: 'A', due: 10, weight: 2 });
    b.addOperation(j, [{ machine: m0, duration: 3 }]);
    const ref = b.addOperation(j, [{ machine: m1, duration: 2 }, { machine: m0, duration: 4 }]);
    b.pin(ref, m1, 5);
    const p = b.build();
    expect(p.jobs[0]).toMatchObject({ name: 'A', firstOp: 0, numOps: 2, due: 10, weight: 2, release: 0 });
    expect(p.ops[1]?.pinned).toEqual({ machine: 1, start: 5 });
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.ops[1]?.modes[0])).toBe(true);
    expect(() => {
      (p.jobs as unknown as { release: number }[])[0]!.release = 3;
    }).toThrow(TypeError);
    expect(problemTraits(p)).toMatchObject({ singleMode: false, hasPinned: true, flowShop: false });
  });

  it.each([
    ['no machine', (b: ProblemBuilder) => b.addJob(), /at least one machine/],
    ['no job', (b: ProblemBuilder) => b.addMachine(), /at least one job/],
    ['empty job', (b: ProblemBuilder) => { b.addMachine(); b.addJob({ name: 'X' }); }, /job 0 \('X'\) has no operations/],
    ['machine out of range', (b: ProblemBuilder) => { b.addMachine(); b.addOperation(b.addJob(), [{ machine: 3, duration: 1 }]); }, /machine 3 out of range 0\.\.0/],
    ['negative duration', (b: ProblemBuilder) => { b.addMachine(); b.addOperation(b.addJob(), [{ machine: 0, duration: -1 }]); }, /duration must be a non-negative integer, got -1/],
    ['fractional release', (b: ProblemBuilder) => { b.addMachine(); b.addOperation(b.addJob({ release: 1.5 }), [{ machine: 0, duration: 1 }]); }, /release must be a non-negative integer/],
    ['pin on ineligible machine', (b: ProblemBuilder) => { b.addMachine(); b.addMachine(); b.pin(b.addOperation(b.addJob(), [{ machine: 0, duration: 1 }]), 1, 0); }, /pinned to machine 1, which is not one of its eligible machines/],
    ['bad setup matrix', (b: ProblemBuilder) => { b.addMachine(); b.addOperation(b.addJob(), [{ machine: 0, duration: 1 }]); b.setSetupTimes(0, [[0, 1]]); }, /expected a 1×1 matrix/],
    ['empty window', (b: ProblemBuilder) => { b.addMachine(); b.addOperation(b.addJob(), [{ machine: 0, duration: 1 }]); b.addUnavailability(0, 5, 5); }, /0 <= start < end/],
  ])('rejects %s with SF_INSTANCE', (_n, setup, re) => {
    const b = new ProblemBuilder();
    setup(b);
    let err: unknown;
    try {
      b.build();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('SF_INSTANCE');
    expect((err as DataError).message).toMatch(re);
  });

  it('merges overlapping unavailability windows', () => {
    const b = new ProblemBuilder();
    b.addMachine();
    b.addOperation(b.addJob(), [{ machine: 0, duration: 1 }]);
    b.addUnavailability(0, 5, 8).addUnavailability(0, 1, 3).addUnavailability(0, 7, 10);
    expect(b.build().unavailability[0]).toEqual([{ start: 1, end: 3 }, { start: 5, end: 10 }]);
  });

  it('problemToInstance and problemFromInstance round-trip', () => {
    for (const seed of [1, 2, 3]) {
      const p = randomProblem(seed, { jobs: 4, machines: 3, flex: 2, release: true, setups: true, windows: true, objective: 'weighted-tardiness' });
      expect(problemFromInstance(problemToInstance(p))).toEqual(p);
      // Through JSON text too (due dates, Infinity-free).
      expect(problemFromInstance(JSON.parse(JSON.stringify(problemToInstance(p))))).toEqual(p);
    }
  });
});
