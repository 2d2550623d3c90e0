/**
 * `solve(problem, options)`: the one entry point (PyJobShop's `Model.solve` shape). Picks a solver
 * from the problem's traits, runs it on `workers` threads with different seeds, verifies the best
 * schedule with the independent checker and returns a {@link SolveResult}. Infeasible, timed-out and
 * cancelled are statuses / stop reasons, not exceptions.
 *
 * Anytime: `startSolve(problem, options)` returns a {@link SolveHandle} at once — `best()` is the
 * verified incumbent at any moment, `cancel()` (or `options.signal`) stops the search and `result`
 * resolves with the best schedule found. Progress events carry the incumbent's schedule (lazily
 * verified). Thread 0 runs on the calling thread in ~20 ms slices, so the event loop stays live
 * (signals, timers, I/O); worker threads post every improved incumbent to it.
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
import { ScheduleState, VIOLATION_WEIGHT, type SolutionSnapshot } from './evaluator.js';
import { iteratedGreedySteps, type FlowShopData } from './flowshop.js';
import { problemTraits, type ProblemData } from './model.js';
import { tabuSearchSteps } from './tabu.js';

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
  /**
   * The schedule of this improvement, decoded and verified by the independent checker on first access
   * (lazy: reading it costs one decode + check, O(operations·log)). Throws only on a solver bug.
   */
  readonly schedule: Schedule;
}

/** Why a solve ended ('completed': a one-pass solver such as 'dispatch' finished). */
export type StopReason = 'optimal' | 'time-limit' | 'iteration-limit' | 'cancelled' | 'infeasible' | 'completed';

/** The best schedule found so far, verified (see {@link SolveHandle.best}). */
export interface Incumbent {
  readonly objective: number;
  readonly lowerBound: number;
  /** Milliseconds from the start of the solve to when this schedule was found. */
  readonly elapsedMs: number;
  readonly worker: number;
  readonly schedule: Schedule;
  readonly check: CheckResult;
}

/**
 * A running solve ({@link startSolve}): the best schedule so far is always available, and the run can be
 * cancelled; `result` then resolves with the best schedule found (never rejects because of a cancel).
 */
export interface SolveHandle {
  /** Resolves when the solve ends (time limit, optimality, iteration limit or cancel). */
  readonly result: Promise<SolveResult>;
  /** The verified incumbent, or null before the first feasible schedule. */
  best(): Incumbent | null;
  /** Stop the search; `result` resolves with the best schedule so far and `stopReason: 'cancelled'`. Idempotent. */
  cancel(): void;
  /** True until `result` has resolved. */
  readonly running: boolean;
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
  /** Called on every improvement of the best objective (on the calling thread). */
  readonly onProgress?: (e: SolveProgress) => void;
  /**
   * Cancels the search when aborted: the solve resolves with the best schedule so far
   * (`stopReason: 'cancelled'`), never an exception. The abort is seen within one search slice (~20 ms).
   */
  readonly signal?: AbortSignal;
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
  /** Why the search ended. */
  readonly stopReason: StopReason;
}

/** A solution in plain form (structured-clone safe). */
export interface PlainSnapshot {
  readonly mode: ArrayLike<number>;
  readonly seq: readonly (readonly number[])[];
}

/** Internal per-thread result (structured-clone safe). */
export interface SingleResult {
  readonly snapshot: { mode: number[]; seq: number[][] } | null;
  readonly cost: number;
  readonly iterations: number;
  /** The search ran into `maxIterations` (not the deadline or the stop flag). */
  readonly hitIterationLimit?: boolean;
}

/** Called by a search thread on every new best: its cost and the solution (not copied later; do not mutate). */
export type ImproveCallback = (cost: number, snapshot: PlainSnapshot) => void;

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
  const plainFlowShop = t.flowShop && p.objective === 'makespan' && !t.hasSetups && !t.hasUnavailability && !t.hasPinned && !t.hasRelease && !t.hasPrecedences;
  if (solver === 'auto') return plainFlowShop ? 'iterated-greedy' : 'tabu';
  if (solver === 'iterated-greedy' && !plainFlowShop) {
    const why = !t.flowShop
      ? 'the jobs do not all visit machines 0..m-1 in order with one machine per operation'
      : p.objective !== 'makespan'
        ? `the objective is ${p.objective}`
        : 'it has release dates, setups, unavailability windows, pinned operations or extra precedences';
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

/** Run one solver on this thread until the deadline (inside each worker thread). */
export function solveSingle(p: ProblemData, o: SingleOptions, onImprove?: ImproveCallback): SingleResult {
  const steps = solveSingleSteps(p, o, onImprove);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link solveSingle} as a generator that yields about every `sliceMs` ms, so that thread 0 can search
 * on the calling thread while its event loop keeps running (abort signals, SIGINT, worker messages).
 */
export function* solveSingleSteps(p: ProblemData, o: SingleOptions, onImprove?: ImproveCallback, sliceMs?: number): Generator<void, SingleResult, void> {
  const slice = sliceMs === undefined ? {} : { sliceMs };
  const state = new ScheduleState(p);
  const rng = new Rng(o.seed);
  const deadline = performance.now() + (o.deadlineEpochMs - Date.now());
  const toPlain = (s: SolutionSnapshot): { mode: number[]; seq: number[][] } => ({ mode: Array.from(s.mode), seq: s.seq.map((q) => [...q]) });
  if (o.solver === 'iterated-greedy') {
    const d = flowShopData(p);
    const zeroModes = new Int32Array(p.ops.length);
    const permSnapshot = (perm: readonly number[]): PlainSnapshot => ({
      mode: zeroModes,
      seq: Array.from({ length: d.m }, (_, k) => perm.map((j) => (p.jobs[j] as { firstOp: number }).firstOp + k)),
    });
    const r = yield* iteratedGreedySteps(d, {
      ...slice,
      deadline,
      rng,
      lowerBound: o.lowerBound,
      ...(o.maxIterations !== undefined ? { maxIterations: o.maxIterations } : {}),
      ...(o.stop ? { stop: o.stop } : {}),
      onImprove: (c, perm) => onImprove?.(c, permSnapshot(perm)),
    });
    state.seq = Array.from({ length: d.m }, (_, k) => r.perm.map((j) => (p.jobs[j] as { firstOp: number }).firstOp + k));
    for (let op = 0; op < state.N; op++) state.setMode(op, 0);
    for (let m = 0; m < d.m; m++) state.relink(m);
    const cost = state.evaluate(false);
    return { snapshot: toPlain(state.snapshot()), cost, iterations: r.iterations, hitIterationLimit: o.maxIterations !== undefined && r.iterations >= o.maxIterations };
  }
  let cost: number;
  if (o.solver === 'dispatch' && o.dispatchRule) cost = dispatch(state, o.dispatchRule, rng);
  else cost = bestDispatch(state, rng).cost;
  if (cost !== Infinity) onImprove?.(cost, state.snapshot());
  if (o.solver === 'dispatch' || cost === Infinity) {
    return { snapshot: cost === Infinity ? null : toPlain(state.snapshot()), cost, iterations: 0 };
  }
  const r = yield* tabuSearchSteps(state, {
    ...slice,
    deadline,
    rng,
    lowerBound: o.lowerBound,
    n7: o.n7 ?? true,
    ...(o.stop ? { stop: o.stop } : {}),
    ...(o.maxIterations !== undefined ? { maxIterations: o.maxIterations } : {}),
    onImprove: (c, snap) => onImprove?.(c, snap),
  });
  return { snapshot: toPlain(r.best), cost: r.bestCost, iterations: r.iterations, hitIterationLimit: o.maxIterations !== undefined && r.iterations >= o.maxIterations };
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

/** Thread 0 yields to the event loop about this often (ms). */
const SLICE_MS = 20;

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
 * @returns status, objective, lower bound, runtime, stop reason and the verified schedule.
 * @throws ConfigError for invalid options or a solver that does not support the problem's features.
 * @example
 * const ac = new AbortController();
 * const res = await solve(problem, { timeLimitMs: 2000, seed: 1, workers: 2, signal: ac.signal });
 * if (res.schedule) console.log(res.objective, res.lowerBound, res.stopReason);
 */
export function solve(p: ProblemData, options: SolveOptions = {}): Promise<SolveResult> {
  try {
    return startSolve(p, options).result;
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Start a solve and return at once with a {@link SolveHandle}: `best()` gives the verified incumbent at
 * any time, `cancel()` stops the search, `result` resolves with the final {@link SolveResult}. Thread 0
 * searches on the calling thread in slices of ~20 ms (a generator driven from `setImmediate`), so the
 * event loop keeps running (timers, signals, I/O) without paying a worker start-up; threads 1..k-1 are
 * worker threads that post each improved incumbent to the calling thread.
 * @throws ConfigError for invalid options (synchronously).
 * @example
 * const h = startSolve(problem, { timeLimitMs: 60_000, workers: 2 });
 * process.once('SIGINT', () => h.cancel());
 * setInterval(() => console.log(h.best()?.objective), 1000);
 * const res = await h.result; // res.stopReason: 'time-limit' | 'optimal' | 'cancelled' | …
 */
export function startSolve(p: ProblemData, options: SolveOptions = {}): SolveHandle {
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

  // The incumbent: raw solution from whichever thread improved last; decoded and checked lazily.
  let incumbent: { cost: number; snapshot: PlainSnapshot; worker: number; elapsedMs: number; verified: Incumbent | null } | null = null;
  const verify = (inc: NonNullable<typeof incumbent>): Incumbent => {
    if (!inc.verified) {
      const { schedule } = snapshotToSchedule(p, inc.snapshot);
      const check = checkSchedule(p, schedule);
      if (!check.feasible) throw new Error(`internal: incumbent failed verification: ${check.violations.join('; ')}`);
      const objective = p.objective === 'makespan' ? check.makespan : check.weightedTardiness;
      inc.verified = { objective, lowerBound: lb, elapsedMs: inc.elapsedMs, worker: inc.worker, schedule, check };
    }
    return inc.verified;
  };
  let running = true;
  let cancelled = false;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const cancel = (): void => {
    if (!running) return;
    cancelled = true;
    Atomics.store(stop, 0, 1);
  };
  const handle = (result: Promise<SolveResult>): SolveHandle => ({
    result,
    best: (): Incumbent | null => (incumbent ? verify(incumbent) : null),
    cancel,
    get running(): boolean {
      return running;
    },
  });

  const conflict = pinnedConflict(p);
  if (conflict) {
    running = false;
    const r: SolveResult = { status: 'infeasible', objective: null, lowerBound: null, runtimeMs: Date.now() - t0, schedule: null, check: null, solver, workers, iterations: 0, reason: conflict, stopReason: 'infeasible' };
    return handle(Promise.resolve(r));
  }
  const signal = options.signal;
  const onAbort = (): void => cancel();
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const report = (cost: number, snapshot: PlainSnapshot, worker: number, atEpochMs = Date.now()): void => {
    // Costs above the violation weight are infeasible (pins missed): not reported as progress.
    // Worker messages may queue while this thread searches, so they carry their own timestamp.
    if (cost < VIOLATION_WEIGHT && (!incumbent || cost < incumbent.cost)) {
      const inc = { cost, snapshot, worker, elapsedMs: atEpochMs - t0, verified: null };
      incumbent = inc;
      if (cost <= lb) Atomics.store(stop, 0, 1); // proven optimal: stop the other threads early
      if (options.onProgress) {
        options.onProgress({
          objective: cost,
          lowerBound: lb,
          elapsedMs: inc.elapsedMs,
          worker,
          get schedule(): Schedule {
            return verify(inc).schedule;
          },
        });
      }
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
    stop,
  };
  const nThreads = solver === 'dispatch' ? 1 : workers;
  // Threads 1..k-1 are workers; thread 0 is this one, searching in slices so the event loop runs.
  const pending = Array.from({ length: nThreads - 1 }, (_, i) => {
    const w = i + 1;
    return new Promise<SingleResult>((resolve, reject) => {
      const worker = spawnWorker({ problem: p, options: { ...single, seed: seed + w } });
      let done = false;
      worker.on('message', (msg: { type: 'progress'; cost: number; atEpochMs: number; snapshot: PlainSnapshot } | { type: 'done'; result: SingleResult }) => {
        if (msg.type === 'progress') report(msg.cost, msg.snapshot, w, msg.atEpochMs);
        else {
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
  const own = new Promise<SingleResult>((resolve, reject) => {
    const steps = solveSingleSteps(p, single, (c, snap) => report(c, snap, 0), SLICE_MS);
    const step = (): void => {
      try {
        const r = steps.next();
        if (r.done) resolve(r.value);
        else setImmediate(step);
      } catch (e) {
        reject(e);
      }
    };
    setImmediate(step);
  });
  const result = Promise.all([own, ...pending])
    .catch((e: unknown) => {
      Atomics.store(stop, 0, 1); // a worker failed (a bug): stop the others before rejecting
      throw e;
    })
    // `cancelled` is read here, when every thread has finished.
    .then((rs) => finishSolve(p, rs, { t0, lb, solver, nThreads, cancelled }))
    .finally(() => {
      running = false;
      signal?.removeEventListener('abort', onAbort);
    });
  return handle(result);
}

/** Pick the best thread result, verify it and build the {@link SolveResult}. */
function finishSolve(
  p: ProblemData,
  results: SingleResult[],
  o: { t0: number; lb: number; solver: Exclude<SolverName, 'auto'>; nThreads: number; cancelled: boolean },
): SolveResult {
  const { t0, lb, solver, nThreads } = o;
  let best: SingleResult | null = null;
  let iterations = 0;
  for (const r of results) {
    iterations += r.iterations;
    if (r.snapshot && (!best || r.cost < best.cost)) best = r;
  }
  const runtimeMs = Date.now() - t0;
  const limitReason = (): StopReason => (o.cancelled ? 'cancelled' : results.every((r) => r.hitIterationLimit) ? 'iteration-limit' : 'time-limit');
  if (!best?.snapshot) {
    return { status: 'timeout-no-solution', objective: null, lowerBound: lb, runtimeMs, schedule: null, check: null, solver, workers: nThreads, iterations, stopReason: limitReason() };
  }
  const { schedule, violation } = snapshotToSchedule(p, best.snapshot);
  if (violation > 0) {
    return { status: 'timeout-no-solution', objective: null, lowerBound: lb, runtimeMs, schedule: null, check: null, solver, workers: nThreads, iterations, stopReason: limitReason() };
  }
  const check = checkSchedule(p, schedule);
  if (!check.feasible) {
    // A solver bug, never a user error: refuse to return an unverified schedule.
    throw new Error(`internal: schedule failed verification: ${check.violations.join('; ')}`);
  }
  const objective = p.objective === 'makespan' ? check.makespan : check.weightedTardiness;
  const optimal = objective <= lb;
  return {
    status: optimal ? 'optimal' : 'feasible',
    objective,
    lowerBound: lb,
    runtimeMs,
    schedule,
    check,
    solver,
    workers: nThreads,
    iterations,
    stopReason: optimal ? 'optimal' : solver === 'dispatch' ? 'completed' : limitReason(),
  };
}
