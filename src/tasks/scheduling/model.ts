/**
 * The scheduling model, in the style of PyJobShop (../shared/GUIDE.md): a mutable {@link ProblemBuilder}
 * collects machines, jobs, operations with their eligible machines and processing times, setups,
 * unavailability windows and pinned operations; `build()` validates everything once and returns an
 * immutable {@link ProblemData} that every solver, bound and checker reads.
 *
 * Semantics (shared by the decoder in `evaluator.ts` and the independent checker in `checker.ts`):
 * - Operations of a job form a chain (routing): operation k+1 starts after operation k ends.
 * - A machine processes one operation at a time, without preemption.
 * - Release: a job's first operation starts no earlier than its release date.
 * - Setup: between consecutive operations of jobs a then b on machine m, the machine needs
 *   `setup[m][a][b]` idle time units (setup may take place while the machine is unavailable; only
 *   processing is blocked by a window).
 * - Unavailability [start, end): no operation may be in process during a window (non-resumable).
 * - Pinned operation: it must be on the given machine at exactly the given start time.
 * - Precedence (a, b, lag) between any two operations, also of different jobs: b starts no earlier
 *   than `lag` time units after a ends (end-to-start, lag >= 0). Together with the job routings the
 *   precedences must form an acyclic graph; `build()` names a cycle otherwise.
 * - Objectives: makespan (max completion) or total weighted tardiness Σ w_j·max(0, C_j − d_j).
 */
import { DataError } from '../../core/errors.js';
import type { SchedulingInstance } from '../../io/instances/types.js';

/** Objective to minimise. */
export type Objective = 'makespan' | 'weighted-tardiness';

/** One processing alternative of an operation. */
export interface Mode {
  readonly machine: number;
  readonly duration: number;
}

/** A job: name, release, due date, weight and the index range of its operations in `ProblemData.ops`. */
export interface JobData {
  readonly name: string;
  readonly release: number;
  /** Due date; `Infinity` when none was given. */
  readonly due: number;
  readonly weight: number;
  /** Index of the job's first operation in `ProblemData.ops`; its operations are contiguous. */
  readonly firstOp: number;
  readonly numOps: number;
}

/** An operation; `ops` of a job are contiguous and in routing order. */
export interface OperationData {
  readonly job: number;
  /** Position within the job (0-based). */
  readonly index: number;
  readonly modes: readonly Mode[];
  readonly pinned: { readonly machine: number; readonly start: number } | null;
}

/** A validated, immutable scheduling problem. Build it with {@link ProblemBuilder} or {@link problemFromInstance}. */
export interface ProblemData {
  readonly name: string;
  readonly numMachines: number;
  readonly machineNames: readonly string[];
  readonly jobs: readonly JobData[];
  readonly ops: readonly OperationData[];
  /** Per machine: setup matrix indexed [fromJob][toJob], or null for no setups. */
  readonly setups: readonly (readonly (readonly number[])[] | null)[];
  /** Per machine: sorted, non-overlapping unavailability windows [start, end). */
  readonly unavailability: readonly (readonly { readonly start: number; readonly end: number }[])[];
  /** Extra precedence constraints between operations (indices into `ops`): start(to) >= end(from) + lag. */
  readonly precedences: readonly Precedence[];
  readonly objective: Objective;
}

/** A precedence constraint between two operations (global indices into `ProblemData.ops`). */
export interface Precedence {
  readonly from: number;
  readonly to: number;
  /** Minimum time between the end of `from` and the start of `to` (default 0). */
  readonly lag: number;
}

/** Options of {@link ProblemBuilder.addJob}. */
export interface JobOptions {
  readonly name?: string;
  /** Default 0. */
  readonly release?: number;
  /** Default none (never tardy). */
  readonly due?: number;
  /** Default 1. */
  readonly weight?: number;
}

/** A handle to an operation added with {@link ProblemBuilder.addOperation}. */
export interface OperationRef {
  readonly job: number;
  readonly index: number;
}

function bad(message: string, details: Record<string, unknown> = {}): DataError {
  return new DataError('SF_INSTANCE', message, details);
}

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}

/**
 * Mutable builder for a scheduling problem. `build()` validates and returns a frozen {@link ProblemData}.
 * @example
 * const b = new ProblemBuilder('demo');
 * const [m0, m1] = [b.addMachine('lathe'), b.addMachine('mill')];
 * const j = b.addJob({ due: 10, weight: 2 });
 * b.addOperation(j, [{ machine: m0, duration: 3 }]);
 * b.addOperation(j, [{ machine: m1, duration: 2 }, { machine: m0, duration: 4 }]);
 * const problem = b.build();
 */
export class ProblemBuilder {
  private readonly machines: string[] = [];
  private readonly jobs: { opts: JobOptions; ops: { modes: Mode[]; pinned: { machine: number; start: number } | null }[] }[] = [];
  private readonly setups = new Map<number, number[][]>();
  private readonly windows: { machine: number; start: number; end: number }[] = [];
  private readonly precs: { a: OperationRef; b: OperationRef; lag: number }[] = [];
  private objective: Objective = 'makespan';

  constructor(private readonly name = 'problem') {}

  /** Add a machine; returns its index. */
  addMachine(name?: string): number {
    this.machines.push(name ?? `M${this.machines.length}`);
    return this.machines.length - 1;
  }

  /** Add a job; returns its index. */
  addJob(opts: JobOptions = {}): number {
    this.jobs.push({ opts, ops: [] });
    return this.jobs.length - 1;
  }

  /** Append an operation to `job`'s routing, with one mode per eligible machine. */
  addOperation(job: number, modes: readonly Mode[]): OperationRef {
    const j = this.jobs[job];
    if (!j) throw bad(`addOperation: job ${job} does not exist (have ${this.jobs.length} jobs).`, { job });
    j.ops.push({ modes: modes.map((m) => ({ machine: m.machine, duration: m.duration })), pinned: null });
    return { job, index: j.ops.length - 1 };
  }

  /** Fix an operation's machine and start time (re-planning around work already committed). */
  pin(op: OperationRef, machine: number, start: number): this {
    const o = this.jobs[op.job]?.ops[op.index];
    if (!o) throw bad(`pin: operation ${op.index} of job ${op.job} does not exist.`, { ...op });
    o.pinned = { machine, start };
    return this;
  }

  /** Sequence-dependent setup times on `machine`: `times[a][b]` from a job-a to a job-b operation. */
  setSetupTimes(machine: number, times: readonly (readonly number[])[]): this {
    this.setups.set(machine, times.map((r) => [...r]));
    return this;
  }

  /** Machine `machine` is unavailable in [start, end). */
  addUnavailability(machine: number, start: number, end: number): this {
    this.windows.push({ machine, start, end });
    return this;
  }

  /**
   * Operation `b` may start only `lag` time units (default 0) after operation `a` ends. `a` and `b` may
   * belong to different jobs (assembly, shared tooling, transfer times). Cycles are reported by `build()`.
   */
  addPrecedence(a: OperationRef, b: OperationRef, lag = 0): this {
    this.precs.push({ a: { job: a.job, index: a.index }, b: { job: b.job, index: b.index }, lag });
    return this;
  }

  /** Objective to minimise (default makespan). */
  setObjective(objective: Objective): this {
    if (objective !== 'makespan' && objective !== 'weighted-tardiness') {
      throw bad(`setObjective: expected 'makespan' or 'weighted-tardiness', got '${String(objective)}'.`);
    }
    this.objective = objective;
    return this;
  }

  /**
   * Validate and freeze.
   * @throws DataError `SF_INSTANCE` naming the job/operation/machine at fault and what was expected.
   */
  build(): ProblemData {
    const M = this.machines.length;
    const n = this.jobs.length;
    if (M < 1) throw bad('A problem needs at least one machine.');
    if (n < 1) throw bad('A problem needs at least one job.');
    const isNonNegInt = (x: number): boolean => Number.isInteger(x) && x >= 0;
    const jobs: JobData[] = [];
    const ops: OperationData[] = [];
    this.jobs.forEach((j, ji) => {
      const where = `job ${ji}${j.opts.name ? ` ('${j.opts.name}')` : ''}`;
      if (j.ops.length === 0) throw bad(`${where} has no operations; expected at least one.`, { job: ji });
      const release = j.opts.release ?? 0;
      if (!isNonNegInt(release)) throw bad(`${where}: release must be a non-negative integer, got ${release}.`, { job: ji });
      const due = j.opts.due ?? Infinity;
      if (Number.isNaN(due)) throw bad(`${where}: due date is NaN.`, { job: ji });
      const weight = j.opts.weight ?? 1;
      if (!(Number.isFinite(weight) && weight >= 0)) throw bad(`${where}: weight must be a finite number >= 0, got ${weight}.`, { job: ji });
      jobs.push({ name: j.opts.name ?? `J${ji}`, release, due, weight, firstOp: ops.length, numOps: j.ops.length });
      j.ops.forEach((o, oi) => {
        const ow = `${where} operation ${oi}`;
        if (o.modes.length === 0) throw bad(`${ow} has no eligible machine; expected at least one {machine, duration}.`, { job: ji, op: oi });
        const seen = new Set<number>();
        for (const md of o.modes) {
          if (!Number.isInteger(md.machine) || md.machine < 0 || md.machine >= M) {
            throw bad(`${ow}: machine ${md.machine} out of range 0..${M - 1}.`, { job: ji, op: oi });
          }
          if (seen.has(md.machine)) throw bad(`${ow}: machine ${md.machine} listed twice.`, { job: ji, op: oi });
          seen.add(md.machine);
          if (!isNonNegInt(md.duration)) throw bad(`${ow}: duration must be a non-negative integer, got ${md.duration}.`, { job: ji, op: oi });
        }
        if (o.pinned) {
          if (!seen.has(o.pinned.machine)) throw bad(`${ow}: pinned to machine ${o.pinned.machine}, which is not one of its eligible machines (${[...seen].join(', ')}).`, { job: ji, op: oi });
          if (!isNonNegInt(o.pinned.start)) throw bad(`${ow}: pinned start must be a non-negative integer, got ${o.pinned.start}.`, { job: ji, op: oi });
        }
        ops.push({ job: ji, index: oi, modes: o.modes.map((m) => ({ ...m })), pinned: o.pinned ? { ...o.pinned } : null });
      });
    });
    const setups: (number[][] | null)[] = Array.from({ length: M }, () => null);
    for (const [m, times] of this.setups) {
      if (!Number.isInteger(m) || m < 0 || m >= M) throw bad(`setup times: machine ${m} out of range 0..${M - 1}.`, { machine: m });
      if (times.length !== n || times.some((r) => r.length !== n)) {
        throw bad(`setup times for machine ${m}: expected a ${n}×${n} matrix (jobs × jobs), got ${times.length} rows of lengths ${[...new Set(times.map((r) => r.length))].join('/')}.`, { machine: m });
      }
      times.forEach((r, a) => r.forEach((x, b) => {
        if (!isNonNegInt(x)) throw bad(`setup times for machine ${m}: [${a}][${b}] must be a non-negative integer, got ${x}.`, { machine: m });
      }));
      setups[m] = times;
    }
    const unav: { start: number; end: number }[][] = Array.from({ length: M }, () => []);
    for (const w of this.windows) {
      if (!Number.isInteger(w.machine) || w.machine < 0 || w.machine >= M) throw bad(`unavailability: machine ${w.machine} out of range 0..${M - 1}.`);
      if (!isNonNegInt(w.start) || !isNonNegInt(w.end) || w.end <= w.start) {
        throw bad(`unavailability on machine ${w.machine}: expected integers 0 <= start < end, got [${w.start}, ${w.end}).`, { machine: w.machine });
      }
      (unav[w.machine] as { start: number; end: number }[]).push({ start: w.start, end: w.end });
    }
    // Merge overlapping windows so the decoder can walk them in one pass.
    const merged = unav.map((ws) => {
      ws.sort((a, b) => a.start - b.start);
      const out: { start: number; end: number }[] = [];
      for (const w of ws) {
        const last = out[out.length - 1];
        if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
        else out.push({ ...w });
      }
      return out;
    });
    const precedences = this.precs.map((pr, i) => {
      const idx = (r: OperationRef, which: string): number => {
        const j = jobs[r.job];
        if (!j || !Number.isInteger(r.index) || r.index < 0 || r.index >= j.numOps) {
          throw bad(`precedence ${i}: ${which} operation ${r.index} of job ${r.job} does not exist.`, { precedence: i });
        }
        return j.firstOp + r.index;
      };
      const from = idx(pr.a, 'first');
      const to = idx(pr.b, 'second');
      if (from === to) throw bad(`precedence ${i}: an operation cannot precede itself (job ${pr.a.job} op ${pr.a.index}).`, { precedence: i });
      if (!isNonNegInt(pr.lag)) throw bad(`precedence ${i}: lag must be a non-negative integer, got ${pr.lag}.`, { precedence: i });
      return { from, to, lag: pr.lag };
    });
    const cycle = findPrecedenceCycle(ops, jobs, precedences);
    if (cycle) {
      const name = (o: number): string => {
        const op = ops[o] as OperationData;
        const jn = this.jobs[op.job]?.opts.name;
        return `job ${op.job}${jn ? ` ('${jn}')` : ''} op ${op.index}`;
      };
      throw bad(`precedence cycle: ${[...cycle, cycle[0] as number].map(name).join(' → ')}; the routings and precedences must form an acyclic graph.`, { cycle: cycle.map((o) => ({ job: ops[o]?.job, index: ops[o]?.index })) });
    }
    return deepFreeze({ name: this.name, numMachines: M, machineNames: [...this.machines], jobs, ops, setups, unavailability: merged, precedences, objective: this.objective });
  }
}

/**
 * A cycle in the graph of job routings plus precedences (operation indices in cycle order), or null.
 * Iterative three-colour depth-first search, O(operations + precedences).
 */
export function findPrecedenceCycle(ops: readonly OperationData[], jobs: readonly JobData[], precedences: readonly { from: number; to: number }[]): number[] | null {
  const N = ops.length;
  const succ: number[][] = Array.from({ length: N }, () => []);
  for (const j of jobs) for (let o = j.firstOp; o + 1 < j.firstOp + j.numOps; o++) (succ[o] as number[]).push(o + 1);
  for (const pr of precedences) (succ[pr.from] as number[]).push(pr.to);
  const colour = new Uint8Array(N); // 0 new, 1 on stack, 2 done
  const parent = new Int32Array(N).fill(-1);
  const nextEdge = new Int32Array(N);
  for (let root = 0; root < N; root++) {
    if (colour[root] !== 0) continue;
    const stack = [root];
    colour[root] = 1;
    while (stack.length) {
      const u = stack[stack.length - 1] as number;
      const list = succ[u] as number[];
      if ((nextEdge[u] as number) < list.length) {
        const v = list[nextEdge[u] as number] as number;
        nextEdge[u] = (nextEdge[u] as number) + 1;
        if (colour[v] === 0) {
          colour[v] = 1;
          parent[v] = u;
          stack.push(v);
        } else if (colour[v] === 1) {
          const cyc = [u];
          for (let w = u; w !== v; ) {
            w = parent[w] as number;
            cyc.push(w);
          }
          return cyc.reverse();
        }
      } else {
        colour[u] = 2;
        stack.pop();
      }
    }
  }
  return null;
}

/**
 * Build a validated problem from an instance read by `src/io/instances` (any format).
 * @param objective overrides the instance's objective when given.
 */
export function problemFromInstance(inst: SchedulingInstance, objective?: Objective): ProblemData {
  const b = new ProblemBuilder(inst.name);
  for (let m = 0; m < inst.numMachines; m++) b.addMachine(inst.machineNames?.[m]);
  inst.jobs.forEach((j, ji) => {
    const id = b.addJob({
      name: j.name ?? `J${ji}`,
      ...(j.release !== undefined ? { release: j.release } : {}),
      ...(j.due !== undefined ? { due: j.due } : {}),
      ...(j.weight !== undefined ? { weight: j.weight } : {}),
    });
    for (const o of j.operations) {
      const ref = b.addOperation(id, o.modes);
      if (o.pinned) b.pin(ref, o.pinned.machine, o.pinned.start);
    }
  });
  for (const s of inst.setups ?? []) b.setSetupTimes(s.machine, s.times);
  for (const w of inst.unavailability ?? []) b.addUnavailability(w.machine, w.start, w.end);
  for (const pr of inst.precedences ?? []) b.addPrecedence(pr.before, pr.after, pr.lag ?? 0);
  b.setObjective(objective ?? inst.objective ?? 'makespan');
  return b.build();
}

/** The JSON instance form of a problem (inverse of {@link problemFromInstance}). */
export function problemToInstance(p: ProblemData): SchedulingInstance {
  const setups = p.setups.flatMap((s, machine) => (s ? [{ machine, times: s.map((r) => [...r]) }] : []));
  const unavailability = p.unavailability.flatMap((ws, machine) => ws.map((w) => ({ machine, start: w.start, end: w.end })));
  return {
    version: 1,
    name: p.name,
    format: 'json',
    numMachines: p.numMachines,
    machineNames: [...p.machineNames],
    jobs: p.jobs.map((j) => ({
      name: j.name,
      release: j.release,
      ...(Number.isFinite(j.due) ? { due: j.due } : {}),
      weight: j.weight,
      operations: p.ops.slice(j.firstOp, j.firstOp + j.numOps).map((o) => ({
        modes: o.modes.map((m) => ({ ...m })),
        ...(o.pinned ? { pinned: { ...o.pinned } } : {}),
      })),
    })),
    ...(setups.length ? { setups } : {}),
    ...(unavailability.length ? { unavailability } : {}),
    ...(p.precedences.length
      ? {
          precedences: p.precedences.map((pr) => {
            const a = p.ops[pr.from] as OperationData;
            const b = p.ops[pr.to] as OperationData;
            return { before: { job: a.job, index: a.index }, after: { job: b.job, index: b.index }, ...(pr.lag ? { lag: pr.lag } : {}) };
          }),
        }
      : {}),
    objective: p.objective,
  };
}

/** Structural facts about a problem that decide which solver applies. */
export interface ProblemTraits {
  /** Every operation has exactly one eligible machine. */
  readonly singleMode: boolean;
  /** Every job visits machines 0..m-1 in order with one mode each: a (permutation) flow shop. */
  readonly flowShop: boolean;
  readonly hasSetups: boolean;
  readonly hasUnavailability: boolean;
  readonly hasPinned: boolean;
  readonly hasRelease: boolean;
  /** Precedences beyond the job routings. */
  readonly hasPrecedences: boolean;
}

/** Compute {@link ProblemTraits}. */
export function problemTraits(p: ProblemData): ProblemTraits {
  const singleMode = p.ops.every((o) => o.modes.length === 1);
  const flowShop =
    singleMode &&
    p.jobs.every((j) => j.numOps === p.numMachines && p.ops.slice(j.firstOp, j.firstOp + j.numOps).every((o, k) => o.modes[0]?.machine === k));
  return {
    singleMode,
    flowShop,
    hasSetups: p.setups.some((s) => s !== null),
    hasUnavailability: p.unavailability.some((w) => w.length > 0),
    hasPinned: p.ops.some((o) => o.pinned !== null),
    hasRelease: p.jobs.some((j) => j.release > 0),
    hasPrecedences: p.precedences.length > 0,
  };
}
