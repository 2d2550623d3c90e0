/**
 * `solve(problem, options)`: the one entry point (PyJobShop's `Model.solve` shape). Picks a solver
 * from the problem's traits, runs it on `workers` threads with different seeds, verifies the best
 * schedule with the independent checker and returns a {@link SolveResult}. Infeasible and timed-out
 * are statuses, not exceptions.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, assertOneOf } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { lowerBound } from './bounds.js';
import { checkSchedule, type CheckResult, type Schedule, type ScheduledOperation } from './checker.js';
import { bestDispatch, dispatch, DISPATCH_RULES, type DispatchRule } from './dispatch.js';
import { ScheduleState, type SolutionSnapshot } from './evaluator.js';
import { iteratedGreedy, type FlowShopData } from './flowshop.js';
import { problemTraits, type ProblemData } from './model.js';
import { tabuSearch } from './tabu.js';

/** Which algorithm to run. `auto`: iterated greedy for a plain permutation flow shop, tabu otherwise. */
export type SolverName = 'auto' | 'tabu' | 'iterated-greedy' | 'dispatch';

/** Every solver name (for CLI choices and validation). */
export const SOLVER_NAMES: readonly SolverName[] = ['auto', 'tabu', 'iterated-greedy', 'dispatch'];

/** Outcome of a solve. */
export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'timeout-no-solution';

/** A progress event: a new best objective was found. */
export interface SolveProgress {
  readonly objective: number;
  readonly lowerBound: number;
  readonly elapsedMs: number;
  /** Worker (thread) index that found it. */
  readonly worker: number;
}

/** Options of {@link solve}. */
export interface SolveOptions {
  /** Wall-clock limit in milliseconds (default 10 000). */
  readonly timeLimitMs?: number;
  /** Base seed; worker i uses seed + i (default 42). */
  readonly seed?: number;
  /** Threads (default: available cores, at most 8). Thread 0 is the calling thread; 1 means no worker is spawned. */
  readonly workers?: number;
  /** Solver (default 'auto'). */
  readonly solver?: SolverName;
  /** Rule for solver 'dispatch' (default: best of all rules). */
  readonly dispatchRule?: DispatchRule;
  /** Use N7 block moves in the tabu search in addition to N5 (default true). */
  readonly n7?: boolean;
  /** Stop each worker after this many search iterations (default unlimited; for reproducible tests). */
  readonly maxIterations?: number;
  /** Called on every improvement of the best objective. */
  readonly onProgress?: (e: SolveProgress) => void;
}

/** Result of {@link solve}. */
export interface SolveResult {
  readonly status: SolveStatus;
  /** Objective of the returned schedule (null without one). */
  readonly objective: number | null;
  /** Proven lower bound (null when the problem was shown infeasible). */
  readonly lowerBound: number | null;
  readonly runtimeMs: number;
  readonly schedule: Schedule | null;
  /** The checker's verdict on `schedule`. */
  readonly check: CheckResult | null;
  readonly solver: Exclude<SolverName, 'auto'>;
  readonly workers: number;
  readonly iterations: number;
  /** Why the problem is infeasible, when status is 'infeasible'. */
  readonly reason?: string;
}

/** Internal per-thread result (structured-clone safe). */
export interface SingleResult {
  readonly snapshot: { mode: number[]; seq: number[][] } | null;
  readonly cost: number;
  readonly iterations: number;
}

/** Options of a single-thread run (what a worker receives). */
export interface SingleOptions {
  readonly deadlineEpochMs: number;
  readonly seed: number;
  readonly solver: Exclude<SolverName, 'auto'>;
  readonly dispatchRule?: DispatchRule;
  readonly n7?: boolean;
  readonly maxIterations?: number;
  readonly lowerBound: number;
  /** Shared stop flag (SharedArrayBuffer-backed); non-zero ends the search. */
  readonly stop?: Int32Array;
}

/** Resolve 'auto' and reject a solver that cannot handle the problem's features (ConfigError). */
export function chooseSolver(p: ProblemData, solver: SolverName): Exclude<SolverName, 'auto'> {
  const t = problemTraits(p);
  const plainFlowShop = t.flowShop && p.objective === 'makespan' && !t.hasSetups && !t.hasUnavailability && !t.hasPinned && !t.hasRelease;
  if (solver === 'auto') return plainFlowShop ? 'iterated-greedy' : 'tabu';
  if (solver === 'iterated-greedy' && !plainFlowShop) {
    const why = !t.flowShop
      ? 'the jobs do not all visit machines 0..m-1 in order with one machine per operation'
      : p.objective !== 'makespan'
        ? `the objective is ${p.objective}`
        : 'it has release dates, setups, unavailability windows or pinned operations';
    throw new ConfigError(`solver 'iterated-greedy' supports only a permutation flow shop minimising makespan without release dates, setups, windows or pins; this problem does not qualify (${why}). Use solver 'tabu' or 'auto'.`, { solver });
  }
  return solver;
}

function flowShopData(p: ProblemData): FlowShopData {
  const n = p.jobs.length;
  const m = p.numMachines;
  const pt = new Float64Array(n * m);
  p.jobs.forEach((j, ji) => {
    for (let k = 0; k < m; k++) pt[ji * m + k] = (p.ops[j.firstOp + k] as { modes: readonly { duration: number }[] }).modes[0]?.duration ?? 0;
  });
  return { n, m, p: pt };
}

/** Run one solver on this thread until the deadline. Used in-process and inside each worker. */
export function solveSingle(p: ProblemData, o: SingleOptions, onImprove?: (cost: number) => void): SingleResult {
  const state = new ScheduleState(p);
  const rng = new Rng(o.seed);
  const deadline = performance.now() + (o.deadlineEpochMs - Date.now());
  const toPlain = (s: SolutionSnapshot): { mode: number[]; seq: number[][] } => ({ mode: Array.from(s.mode), seq: s.seq.map((q) => [...q]) });
  if (o.solver === 'iterated-greedy') {
    const d = flowShopData(p);
    const r = iteratedGreedy(d, {
      deadline,
      rng,
      lowerBound: o.lowerBound,
      ...(o.maxIterations !== undefined ? { maxIterations: o.maxIterations } : {}),
      ...(o.stop ? { stop: o.stop } : {}),
      onImprove: (c) => onImprove?.(c),
    });
    state.seq = Array.from({ length: d.m }, (_, k) => r.perm.map((j) => (p.jobs[j] as { firstOp: number }).firstOp + k));
    for (let op = 0; op < state.N; op++) state.setMode(op, 0);
    for (let m = 0; m < d.m; m++) state.relink(m);
    const cost = state.evaluate(false);
    return { snapshot: toPlain(state.snapshot()), cost, iterations: r.iterations };
  }
  let cost: number;
  if (o.solver === 'dispatch' && o.dispatchRule) cost = dispatch(state, o.dispatchRule, rng);
  else cost = bestDispatch(state, rng).cost;
  onImprove?.(cost);
  if (o.solver === 'dispatch' || cost === Infinity) {
    return { snapshot: cost === Infinity ? null : toPlain(state.snapshot()), cost, iterations: 0 };
  }
  const r = tabuSearch(state, {
    deadline,
    rng,
    lowerBound: o.lowerBound,
    n7: o.n7 ?? true,
    ...(o.stop ? { stop: o.stop } : {}),
    ...(o.maxIterations !== undefined ? { maxIterations: o.maxIterations } : {}),
    onImprove: (c) => onImprove?.(c),
  });
  return { snapshot: toPlain(r.best), cost: r.bestCost, iterations: r.iterations };
}

/** Decode a snapshot into a finished schedule (start/end per operation). */
export function snapshotToSchedule(p: ProblemData, snap: { mode: ArrayLike<number>; seq: readonly (readonly number[])[] }): { schedule: Schedule; violation: number } {
  const st = new ScheduleState(p);
  st.load({ mode: Int32Array.from(snap.mode), seq: snap.seq });
  if (st.evaluate(false) === Infinity) throw new Error('internal: solver returned cyclic machine sequences');
  const operations: ScheduledOperation[] = p.ops.map((op, i) => ({
    job: op.job,
    index: op.index,
    machine: st.mach[i] as number,
    start: st.start[i] as number,
    end: (st.start[i] as number) + (st.dur[i] as number),
  }));
  return { schedule: { operations, makespan: st.makespan, weightedTardiness: st.weightedTardiness }, violation: st.violation };
}

/**
 * Constraints among pinned operations that no schedule can satisfy (a proof of infeasibility), or null.
 */
export function pinnedConflict(p: ProblemData): string | null {
  const pinnedOn: { op: number; start: number; end: number; job: number }[][] = Array.from({ length: p.numMachines }, () => []);
  for (const j of p.jobs) {
    let head = j.release;
    for (let i = j.firstOp; i < j.firstOp + j.numOps; i++) {
      const op = p.ops[i] as (typeof p.ops)[number];
      const minD = Math.min(...op.modes.map((m) => m.duration));
      if (op.pinned) {
        const d = (op.modes.find((m) => m.machine === op.pinned?.machine) as { duration: number }).duration;
        if (op.pinned.start < head) return `job ${op.job} op ${op.index} is pinned at ${op.pinned.start}, but its release and predecessors allow ${head} at the earliest`;
        for (const w of p.unavailability[op.pinned.machine] ?? []) {
          if (d > 0 && op.pinned.start < w.end && op.pinned.start + d > w.start) return `job ${op.job} op ${op.index} is pinned at [${op.pinned.start}, ${op.pinned.start + d}) across an unavailability window [${w.start}, ${w.end}) of machine ${op.pinned.machine}`;
        }
        (pinnedOn[op.pinned.machine] as { op: number; start: number; end: number; job: number }[]).push({ op: i, start: op.pinned.start, end: op.pinned.start + d, job: op.job });
        head = op.pinned.start + d;
      } else {
        head += minD;
      }
    }
  }
  for (let m = 0; m < p.numMachines; m++) {
    const list = (pinnedOn[m] as { op: number; start: number; end: number; job: number }[]).sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1] as (typeof list)[number];
      const b = list[i] as (typeof list)[number];
      const setup = p.setups[m]?.[a.job]?.[b.job] ?? 0;
      if (b.start < a.end + setup) return `pinned operations ${a.op} and ${b.op} overlap on machine ${m}`;
    }
  }
  return null;
}

const isTsSource = import.meta.url.endsWith('.ts');

function spawnWorker(data: unknown): Worker {
  if (!isTsSource) return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  // Under vitest/tsx the sources are .ts: register tsx's ESM loader (a devDependency) inside the worker,
  // then import the .ts entry. (`execArgv: ['--import', 'tsx']` is not honoured by Node 20 workers.)
  const req = createRequire(import.meta.url);
  const api = pathToFileURL(req.resolve('tsx/esm/api')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: data });
}

/**
 * Solve a scheduling problem.
 * @param options see {@link SolveOptions}; invalid values throw a ConfigError.
 * @returns status, objective, lower bound, runtime and the verified schedule.
 * @throws ConfigError for invalid options or a solver that does not support the problem's features.
 * @example
 * const res = await solve(problem, { timeLimitMs: 2000, seed: 1, workers: 2 });
 * if (res.schedule) console.log(res.objective, res.lowerBound);
 */
export async function solve(p: ProblemData, options: SolveOptions = {}): Promise<SolveResult> {
  const t0 = Date.now();
  const timeLimitMs = options.timeLimitMs ?? 10_000;
  if (!(Number.isFinite(timeLimitMs) && timeLimitMs >= 0)) throw new ConfigError(`timeLimitMs: expected a number >= 0, got ${timeLimitMs}.`, { option: 'timeLimitMs' });
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new ConfigError(`seed: expected an integer, got ${seed}.`, { option: 'seed' });
  const workers = options.workers ?? Math.min(8, availableParallelism());
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new ConfigError(`workers: expected an integer in [1, 64], got ${workers}.`, { option: 'workers' });
  const solver = chooseSolver(p, assertOneOf('solver', options.solver ?? 'auto', SOLVER_NAMES));
  if (options.dispatchRule !== undefined) assertOneOf('dispatchRule', options.dispatchRule, DISPATCH_RULES);
  const lb = lowerBound(p);
  const conflict = pinnedConflict(p);
  if (conflict) {
    return { status: 'infeasible', objective: null, lowerBound: null, runtimeMs: Date.now() - t0, schedule: null, check: null, solver, workers, iterations: 0, reason: conflict };
  }
  let bestSeen = Infinity;
  const report = (cost: number, worker: number, atEpochMs = Date.now()): void => {
    // Costs above the violation weight are infeasible (pins missed): not reported as progress.
    // Worker messages queue while this thread searches, so they carry their own timestamp.
    if (cost < bestSeen && cost < 1e9) {
      bestSeen = cost;
      options.onProgress?.({ objective: cost, lowerBound: lb, elapsedMs: atEpochMs - t0, worker });
    }
  };
  const single: SingleOptions = {
    deadlineEpochMs: t0 + timeLimitMs,
    lowerBound: lb,
    solver,
    ...(options.dispatchRule ? { dispatchRule: options.dispatchRule } : {}),
    ...(options.n7 !== undefined ? { n7: options.n7 } : {}),
    ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}),
    seed,
  };
  let results: SingleResult[];
  const nThreads = solver === 'dispatch' ? 1 : workers;
  if (nThreads === 1) {
    results = [solveSingle(p, single, (c) => report(c, 0))];
  } else {
    // Threads 1..k-1 are workers; thread 0 is this one, so the search starts while workers boot.
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const pending = Array.from({ length: nThreads - 1 }, (_, i) => {
      const w = i + 1;
      return new Promise<SingleResult>((resolve, reject) => {
        const worker = spawnWorker({ problem: p, options: { ...single, seed: seed + w, stop } });
        let done = false;
        worker.on('message', (msg: { type: 'progress'; cost: number; atEpochMs: number } | { type: 'done'; result: SingleResult }) => {
          if (msg.type === 'progress') {
            report(msg.cost, w, msg.atEpochMs);
            // Proven optimal: stop the other threads early.
            if (msg.cost <= lb) Atomics.store(stop, 0, 1);
          } else {
            done = true;
            resolve(msg.result);
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (!done) reject(new Error(`internal: scheduling worker ${w} exited with code ${code} before finishing`));
        });
      });
    });
    const own = solveSingle(p, { ...single, stop }, (c) => {
      report(c, 0);
      if (c <= lb) Atomics.store(stop, 0, 1);
    });
    results = [own, ...(await Promise.all(pending))];
  }
  let best: SingleResult | null = null;
  let iterations = 0;
  for (const r of results) {
    iterations += r.iterations;
    if (r.snapshot && (!best || r.cost < best.cost)) best = r;
  }
  const runtimeMs = Date.now() - t0;
  if (!best?.snapshot) {
    return { status: 'timeout-no-solution', objective: null, lowerBound: lb, runtimeMs, schedule: null, check: null, solver, workers: nThreads, iterations };
  }
  const { schedule, violation } = snapshotToSchedule(p, best.snapshot);
  if (violation > 0) {
    return { status: 'timeout-no-solution', objective: null, lowerBound: lb, runtimeMs, schedule: null, check: null, solver, workers: nThreads, iterations };
  }
  const check = checkSchedule(p, schedule);
  if (!check.feasible) {
    // A solver bug, never a user error: refuse to return an unverified schedule.
    throw new Error(`internal: schedule failed verification: ${check.violations.join('; ')}`);
  }
  const objective = p.objective === 'makespan' ? check.makespan : check.weightedTardiness;
  return {
    status: objective <= lb ? 'optimal' : 'feasible',
    objective,
    lowerBound: lb,
    runtimeMs,
    schedule,
    check,
    solver,
    workers: nThreads,
    iterations,
  };
}
