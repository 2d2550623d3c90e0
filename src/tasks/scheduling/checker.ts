/**
 * Independent schedule checker. It reads only the problem and the finished schedule (start/end and
 * machine per operation), never the solver's internal sequences or decoder, and re-derives every
 * constraint of the model (see `model.ts`) and both objectives. Every schedule `solve()` returns goes
 * through it.
 */
import type { ProblemData } from './model.js';

/** One operation in a finished schedule. */
export interface ScheduledOperation {
  readonly job: number;
  /** Position of the operation within its job. */
  readonly index: number;
  readonly machine: number;
  readonly start: number;
  readonly end: number;
}

/** A finished schedule: operations ordered by job, then index. */
export interface Schedule {
  readonly operations: readonly ScheduledOperation[];
  readonly makespan: number;
  readonly weightedTardiness: number;
}

/** Result of {@link checkSchedule}. */
export interface CheckResult {
  readonly feasible: boolean;
  /** Human-readable violations (at most `maxViolations`). */
  readonly violations: readonly string[];
  /** Recomputed objectives. */
  readonly makespan: number;
  readonly weightedTardiness: number;
}

/**
 * Verify a schedule against a problem: every operation exactly once on an eligible machine with its
 * duration; job order; extra precedences with their lags; release; no overlap on a machine including sequence-dependent setups; no
 * processing across an unavailability window; pins respected; claimed objectives equal the recomputed
 * ones.
 * @example const { feasible, violations } = checkSchedule(problem, result.schedule);
 */
export function checkSchedule(p: ProblemData, s: Schedule, maxViolations = 20): CheckResult {
  const v: string[] = [];
  const add = (msg: string): void => {
    if (v.length < maxViolations) v.push(msg);
  };
  const byKey = new Map<string, ScheduledOperation>();
  for (const op of s.operations) {
    const key = `${op.job}/${op.index}`;
    if (byKey.has(key)) add(`operation ${op.index} of job ${op.job} appears twice`);
    byKey.set(key, op);
    if (!Number.isFinite(op.start) || !Number.isFinite(op.end)) add(`operation ${key}: non-finite times`);
  }
  let makespan = 0;
  let wt = 0;
  p.jobs.forEach((job, j) => {
    let prevEnd = -Infinity;
    let end = 0;
    for (let k = 0; k < job.numOps; k++) {
      const op = byKey.get(`${j}/${k}`);
      const def = p.ops[job.firstOp + k];
      if (!op || !def) {
        add(`operation ${k} of job ${j} (${job.name}) is missing`);
        continue;
      }
      const mode = def.modes.find((m) => m.machine === op.machine);
      if (!mode) add(`job ${j} op ${k}: machine ${op.machine} is not eligible`);
      else if (op.end - op.start !== mode.duration) add(`job ${j} op ${k}: duration ${op.end - op.start} != ${mode.duration} on machine ${op.machine}`);
      if (op.start < 0) add(`job ${j} op ${k}: negative start ${op.start}`);
      if (k === 0 && op.start < job.release) add(`job ${j}: starts at ${op.start} before its release ${job.release}`);
      if (op.start < prevEnd) add(`job ${j}: op ${k} starts at ${op.start} before op ${k - 1} ends at ${prevEnd}`);
      if (def.pinned && (def.pinned.machine !== op.machine || def.pinned.start !== op.start)) {
        add(`job ${j} op ${k}: pinned to machine ${def.pinned.machine} at ${def.pinned.start}, scheduled on ${op.machine} at ${op.start}`);
      }
      for (const w of p.unavailability[op.machine] ?? []) {
        if (op.end > op.start && op.start < w.end && op.end > w.start) add(`job ${j} op ${k}: [${op.start}, ${op.end}) overlaps unavailability [${w.start}, ${w.end}) of machine ${op.machine}`);
      }
      prevEnd = op.end;
      end = Math.max(end, op.end);
    }
    makespan = Math.max(makespan, end);
    if (end > job.due) wt += job.weight * (end - job.due);
  });
  for (const pr of p.precedences ?? []) {
    const a = p.ops[pr.from];
    const b = p.ops[pr.to];
    if (!a || !b) continue;
    const sa = byKey.get(`${a.job}/${a.index}`);
    const sb = byKey.get(`${b.job}/${b.index}`);
    if (sa && sb && sb.start < sa.end + pr.lag) {
      add(`precedence: job ${b.job} op ${b.index} starts at ${sb.start} but must wait for job ${a.job} op ${a.index} (ends ${sa.end}${pr.lag ? ` + lag ${pr.lag}` : ''})`);
    }
  }
  for (const op of s.operations) if (op.job < 0 || op.job >= p.jobs.length || op.index < 0 || op.index >= (p.jobs[op.job]?.numOps ?? 0)) add(`unknown operation ${op.index} of job ${op.job}`);
  const perMachine: ScheduledOperation[][] = Array.from({ length: p.numMachines }, () => []);
  for (const op of s.operations) {
    if (op.machine >= 0 && op.machine < p.numMachines) (perMachine[op.machine] as ScheduledOperation[]).push(op);
    else add(`operation ${op.index} of job ${op.job}: machine ${op.machine} does not exist`);
  }
  perMachine.forEach((ops, m) => {
    ops.sort((a, b) => a.start - b.start || a.end - b.end);
    const setup = p.setups[m];
    for (let i = 1; i < ops.length; i++) {
      const a = ops[i - 1] as ScheduledOperation;
      const b = ops[i] as ScheduledOperation;
      const st = setup ? ((setup[a.job] as readonly number[])[b.job] ?? 0) : 0;
      if (b.start < a.end + st) {
        add(`machine ${m}: job ${b.job} op ${b.index} starts at ${b.start} but job ${a.job} op ${a.index} ends at ${a.end}${st ? ` (+ setup ${st})` : ''}`);
      }
    }
  });
  if (s.makespan !== makespan) add(`claimed makespan ${s.makespan} != recomputed ${makespan}`);
  if (Math.abs(s.weightedTardiness - wt) > 1e-9 * Math.max(1, wt)) add(`claimed weighted tardiness ${s.weightedTardiness} != recomputed ${wt}`);
  return { feasible: v.length === 0, violations: v, makespan, weightedTardiness: wt };
}
