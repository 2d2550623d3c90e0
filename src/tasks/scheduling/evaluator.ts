/**
 * The disjunctive-graph decoder shared by the dispatching rules and the local searches.
 *
 * A solution is a mode (machine) choice per operation plus an order of the operations on every
 * machine. Decoding computes the semi-active schedule: each operation starts as early as its job
 * predecessor, its machine predecessor (+ sequence-dependent setup), its release date, the
 * unavailability windows and its pin allow — the longest-path computation on the disjunctive graph of
 * Roy & Sussmann (1964) / Balas (1969), done in topological order (Kahn 1962). Extra precedences
 * between operations (also across jobs, with lags) are further arcs of the same graph. Tails (longest path from
 * an operation's end to the sink) are computed for the move estimates of Taillard (1994) and Nowicki &
 * Smutnicki (1996) when the problem has no setups, windows or pins.
 *
 * The checker in `checker.ts` does not use this code: it re-derives feasibility from the finished
 * schedule alone.
 */
import type { ProblemData } from './model.js';

/** A compact copy of a solution: mode per operation and machine sequences. */
export interface SolutionSnapshot {
  readonly mode: Int32Array;
  readonly seq: readonly (readonly number[])[];
}

/** Cost used by every search: pin violations dominate, then the objective. */
export const VIOLATION_WEIGHT = 1e9;

/** Mutable solution + decoder over flat typed arrays (hot loop of every local search). */
export class ScheduleState {
  readonly N: number;
  readonly M: number;
  readonly opJob: Int32Array;
  readonly jobPred: Int32Array;
  readonly jobSucc: Int32Array;
  readonly opRelease: Float64Array;
  readonly modeOffset: Int32Array;
  readonly modeMachine: Int32Array;
  readonly modeDuration: Float64Array;
  readonly pinMachine: Int32Array;
  readonly pinStart: Float64Array;
  readonly lastOps: Int32Array;
  readonly jobDue: Float64Array;
  readonly jobWeight: Float64Array;
  readonly setups: (readonly (readonly number[])[] | null)[];
  readonly windows: (readonly { readonly start: number; readonly end: number }[])[];
  readonly hasSetups: boolean;
  readonly hasWindows: boolean;
  readonly hasPins: boolean;
  /** Extra precedence arcs (CSR): predecessors of o are precPred[precPredOff[o] .. precPredOff[o+1]). */
  readonly hasPrecedences: boolean;
  readonly precPredOff: Int32Array;
  readonly precPred: Int32Array;
  readonly precPredLag: Float64Array;
  readonly precSuccOff: Int32Array;
  readonly precSucc: Int32Array;
  readonly precSuccLag: Float64Array;
  /** Heads/tails estimates are exact-path estimates only without setups, windows and pins. */
  readonly pure: boolean;

  mode: Int32Array;
  mach: Int32Array;
  dur: Float64Array;
  seq: number[][];
  machPred: Int32Array;
  machSucc: Int32Array;
  posInSeq: Int32Array;
  start: Float64Array;
  tail: Float64Array;
  order: Int32Array;
  private indeg: Int32Array;
  /** Sum over pinned operations of how late they would start (0 = all pins respected). */
  violation = 0;
  makespan = 0;
  /** An operation whose completion equals the makespan (end of a critical path). */
  makespanOp = -1;
  weightedTardiness = 0;

  constructor(readonly problem: ProblemData) {
    const N = problem.ops.length;
    this.N = N;
    this.M = problem.numMachines;
    this.opJob = new Int32Array(N);
    this.jobPred = new Int32Array(N).fill(-1);
    this.jobSucc = new Int32Array(N).fill(-1);
    this.opRelease = new Float64Array(N);
    this.modeOffset = new Int32Array(N + 1);
    this.pinMachine = new Int32Array(N).fill(-1);
    this.pinStart = new Float64Array(N);
    let nm = 0;
    for (const o of problem.ops) nm += o.modes.length;
    this.modeMachine = new Int32Array(nm);
    this.modeDuration = new Float64Array(nm);
    let k = 0;
    problem.ops.forEach((o, i) => {
      this.modeOffset[i] = k;
      for (const md of o.modes) {
        this.modeMachine[k] = md.machine;
        this.modeDuration[k] = md.duration;
        k++;
      }
      this.opJob[i] = o.job;
      const job = problem.jobs[o.job];
      if (job) {
        if (o.index > 0) this.jobPred[i] = i - 1;
        if (o.index < job.numOps - 1) this.jobSucc[i] = i + 1;
        this.opRelease[i] = o.index === 0 ? job.release : 0;
      }
      if (o.pinned) {
        this.pinMachine[i] = o.pinned.machine;
        this.pinStart[i] = o.pinned.start;
      }
    });
    this.modeOffset[N] = k;
    this.lastOps = Int32Array.from(problem.jobs.map((j) => j.firstOp + j.numOps - 1));
    this.jobDue = Float64Array.from(problem.jobs.map((j) => j.due));
    this.jobWeight = Float64Array.from(problem.jobs.map((j) => j.weight));
    this.setups = [...problem.setups];
    this.windows = [...problem.unavailability];
    this.hasSetups = this.setups.some((s) => s !== null);
    this.hasWindows = this.windows.some((w) => w.length > 0);
    this.hasPins = problem.ops.some((o) => o.pinned !== null);
    const precs = problem.precedences ?? [];
    this.hasPrecedences = precs.length > 0;
    const csr = (key: 'from' | 'to', other: 'from' | 'to'): [Int32Array, Int32Array, Float64Array] => {
      const off = new Int32Array(N + 1);
      for (const pr of precs) off[pr[key] + 1] = (off[pr[key] + 1] as number) + 1;
      for (let i = 0; i < N; i++) off[i + 1] = (off[i + 1] as number) + (off[i] as number);
      const fill = off.slice(0, N);
      const list = new Int32Array(precs.length);
      const lag = new Float64Array(precs.length);
      for (const pr of precs) {
        const at = fill[pr[key]] as number;
        fill[pr[key]] = at + 1;
        list[at] = pr[other];
        lag[at] = pr.lag;
      }
      return [off, list, lag];
    };
    [this.precPredOff, this.precPred, this.precPredLag] = csr('to', 'from');
    [this.precSuccOff, this.precSucc, this.precSuccLag] = csr('from', 'to');
    // Heads-and-tails move estimates assume only job and machine arcs: exact decoding otherwise.
    this.pure = !this.hasSetups && !this.hasWindows && !this.hasPins && !this.hasPrecedences;
    this.mode = new Int32Array(N);
    this.mach = new Int32Array(N);
    this.dur = new Float64Array(N);
    this.seq = Array.from({ length: this.M }, () => []);
    this.machPred = new Int32Array(N).fill(-1);
    this.machSucc = new Int32Array(N).fill(-1);
    this.posInSeq = new Int32Array(N);
    this.start = new Float64Array(N);
    this.tail = new Float64Array(N);
    this.order = new Int32Array(N);
    this.indeg = new Int32Array(N);
  }

  /** Number of modes of operation `o`. */
  numModes(o: number): number {
    return (this.modeOffset[o + 1] as number) - (this.modeOffset[o] as number);
  }

  /** Set operation `o` to mode `k` (does not touch sequences). */
  setMode(o: number, k: number): void {
    const idx = (this.modeOffset[o] as number) + k;
    this.mode[o] = k;
    this.mach[o] = this.modeMachine[idx] as number;
    this.dur[o] = this.modeDuration[idx] as number;
  }

  /** Load a solution (modes + sequences). */
  load(s: SolutionSnapshot): void {
    for (let o = 0; o < this.N; o++) this.setMode(o, s.mode[o] as number);
    this.seq = s.seq.map((q) => [...q]);
    for (let m = 0; m < this.M; m++) this.relink(m);
  }

  /** Copy the current solution. */
  snapshot(): SolutionSnapshot {
    return { mode: this.mode.slice(), seq: this.seq.map((q) => [...q]) };
  }

  /** Rebuild predecessor/successor links of machine `m` from `seq[m]`. */
  relink(m: number): void {
    const q = this.seq[m] as number[];
    for (let i = 0; i < q.length; i++) {
      const o = q[i] as number;
      this.machPred[o] = i > 0 ? (q[i - 1] as number) : -1;
      this.machSucc[o] = i < q.length - 1 ? (q[i + 1] as number) : -1;
      this.posInSeq[o] = i;
    }
  }

  /** Setup time on machine `m` between operations `a` and `b` (0 without setups). */
  setup(m: number, a: number, b: number): number {
    const s = this.setups[m];
    if (!s) return 0;
    return (s[this.opJob[a] as number] as readonly number[])[this.opJob[b] as number] as number;
  }

  /**
   * Decode: compute start times (and tails when `withTails`), makespan, weighted tardiness and pin
   * violation. Returns the search cost, or Infinity when the sequences contain a cycle.
   */
  evaluate(withTails = false): number {
    const N = this.N;
    const { jobPred, jobSucc, machPred, machSucc, start, dur, indeg, order } = this;
    let head = 0;
    let tailPos = 0;
    const prec = this.hasPrecedences;
    const { precPredOff, precPred, precPredLag, precSuccOff, precSucc, precSuccLag } = this;
    for (let o = 0; o < N; o++) {
      let d = ((jobPred[o] as number) >= 0 ? 1 : 0) + ((machPred[o] as number) >= 0 ? 1 : 0);
      if (prec) d += (precPredOff[o + 1] as number) - (precPredOff[o] as number);
      indeg[o] = d;
      if (d === 0) order[tailPos++] = o;
    }
    let makespan = 0;
    let makespanOp = -1;
    let violation = 0;
    while (head < tailPos) {
      const o = order[head++] as number;
      let s = this.opRelease[o] as number;
      const jp = jobPred[o] as number;
      if (jp >= 0) {
        const e = (start[jp] as number) + (dur[jp] as number);
        if (e > s) s = e;
      }
      const mp = machPred[o] as number;
      if (mp >= 0) {
        let e = (start[mp] as number) + (dur[mp] as number);
        if (this.hasSetups) e += this.setup(this.mach[o] as number, mp, o);
        if (e > s) s = e;
      }
      if (prec) {
        for (let k = precPredOff[o] as number, end = precPredOff[o + 1] as number; k < end; k++) {
          const a = precPred[k] as number;
          const e = (start[a] as number) + (dur[a] as number) + (precPredLag[k] as number);
          if (e > s) s = e;
        }
      }
      const d = dur[o] as number;
      if (this.hasWindows && d > 0) {
        for (const w of this.windows[this.mach[o] as number] as readonly { start: number; end: number }[]) {
          if (s < w.end && s + d > w.start) s = w.end;
        }
      }
      if (this.hasPins && (this.pinMachine[o] as number) >= 0) {
        const p = this.pinStart[o] as number;
        if (s > p) violation += s - p;
        else s = p;
      }
      start[o] = s;
      if (s + d > makespan || makespanOp < 0) {
        makespan = s + d;
        makespanOp = o;
      }
      const js = jobSucc[o] as number;
      if (js >= 0) {
        const r = (indeg[js] as number) - 1;
        indeg[js] = r;
        if (r === 0) order[tailPos++] = js;
      }
      const ms = machSucc[o] as number;
      if (ms >= 0) {
        const r = (indeg[ms] as number) - 1;
        indeg[ms] = r;
        if (r === 0) order[tailPos++] = ms;
      }
      if (prec) {
        for (let k = precSuccOff[o] as number, end = precSuccOff[o + 1] as number; k < end; k++) {
          const b = precSucc[k] as number;
          const r = (indeg[b] as number) - 1;
          indeg[b] = r;
          if (r === 0) order[tailPos++] = b;
        }
      }
    }
    if (tailPos < N) return Infinity;
    this.makespan = makespan;
    this.makespanOp = makespanOp;
    this.violation = violation;
    let wt = 0;
    const { lastOps, jobDue, jobWeight } = this;
    for (let j = 0; j < lastOps.length; j++) {
      const lo = lastOps[j] as number;
      const late = (start[lo] as number) + (dur[lo] as number) - (jobDue[j] as number);
      if (late > 0) wt += (jobWeight[j] as number) * late;
    }
    this.weightedTardiness = wt;
    if (withTails) {
      const tail = this.tail;
      for (let i = N - 1; i >= 0; i--) {
        const o = order[i] as number;
        let q = 0;
        const js = jobSucc[o] as number;
        if (js >= 0) q = (tail[js] as number) + (dur[js] as number);
        const ms = machSucc[o] as number;
        if (ms >= 0) {
          const t = (tail[ms] as number) + (dur[ms] as number);
          if (t > q) q = t;
        }
        if (prec) {
          for (let k = precSuccOff[o] as number, end = precSuccOff[o + 1] as number; k < end; k++) {
            const b = precSucc[k] as number;
            const t = (tail[b] as number) + (dur[b] as number) + (precSuccLag[k] as number);
            if (t > q) q = t;
          }
        }
        tail[o] = q;
      }
    }
    return this.cost();
  }

  /** The objective of the last decoded schedule. */
  objective(): number {
    return this.problem.objective === 'makespan' ? this.makespan : this.weightedTardiness;
  }

  /** Search cost of the last decoded schedule: violation dominates the objective. */
  cost(): number {
    return this.violation * VIOLATION_WEIGHT + this.objective();
  }
}
