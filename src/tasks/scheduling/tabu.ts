/**
 * Tabu search on the critical path for job-shop and flexible job-shop problems.
 *
 * - Neighbourhood N5 of Nowicki & Smutnicki (1996), "A fast taboo search algorithm for the job shop
 *   problem" (TSAB): swap the first two or last two operations of each critical block (not the first
 *   pair of the first block nor the last pair of the last block).
 * - Optionally N7 of Zhang, Li, Guan & Rao (2007), "A tabu search algorithm with a new neighborhood
 *   structure for the job shop scheduling problem": move an inner operation of a block to its front or
 *   rear (and the front/rear operation inside the block), evaluated exactly.
 * - Moves are ranked by the heads-and-tails makespan estimate of Taillard (1994) / Nowicki & Smutnicki
 *   (1996), exact for the longest path through the swapped pair, when the problem has no setups,
 *   windows or pins and the objective is makespan. Otherwise every neighbour is decoded exactly.
 * - Tabu list on reversed arcs with a random tenure in [L, 1.5L], L = 10 + n/m (Zhang et al. 2007);
 *   aspiration by objective.
 * - Flexible job-shop: an operation on the critical path may also move to another eligible machine,
 *   inserted at the position matching its current start (in the spirit of Mastrolilli & Gambardella
 *   2000); such moves are decoded exactly and the old machine is tabu for the operation.
 * - Weighted tardiness: the critical paths leading to (a sample of) tardy jobs are used, with all
 *   adjacent swaps in their blocks (Kreipl 2000; Essafi, Mati & Dauzère-Pérès 2008).
 * - Stagnation: restart from the elite solution after a short random walk on critical swaps
 *   (iterated tabu search).
 */
import type { Rng } from '../../core/random.js';
import type { ScheduleState, SolutionSnapshot } from './evaluator.js';

/** Options of {@link tabuSearch}. */
export interface TabuOptions {
  /** `performance.now()` value at which to stop. */
  readonly deadline: number;
  readonly rng: Rng;
  /** Stop as soon as the best cost reaches this (a proven lower bound). Default 0. */
  readonly lowerBound?: number;
  /** Called on every new best (cost, snapshot). */
  readonly onImprove?: (cost: number, snap: SolutionSnapshot) => void;
  /** Stop after this many iterations (default unlimited). */
  readonly maxIterations?: number;
  /** Use N7 block moves in addition to N5 (default true). */
  readonly n7?: boolean;
  /** Shared stop flag: the search ends when element 0 is non-zero (another worker proved optimality). */
  readonly stop?: Int32Array;
  /**
   * {@link tabuSearchSteps} only: yield about every `sliceMs` milliseconds, so that a caller on the main
   * thread can let its event loop run (signals, timers, worker messages). Default: never yield.
   */
  readonly sliceMs?: number;
}

/** Result of {@link tabuSearch}. */
export interface TabuResult {
  readonly best: SolutionSnapshot;
  readonly bestCost: number;
  readonly iterations: number;
}

type Move =
  | { kind: 'swap'; u: number; v: number }
  | { kind: 'shift'; o: number; to: number } // move o to position `to` in its machine sequence
  | { kind: 'reassign'; o: number; mode: number; pos: number };

class ArcTabu {
  private readonly dense: Int32Array | null;
  private readonly sparse = new Map<number, number>();
  constructor(private readonly N: number) {
    this.dense = N <= 2000 ? new Int32Array(N * N) : null;
  }
  get(a: number, b: number): number {
    return this.dense ? (this.dense[a * this.N + b] as number) : (this.sparse.get(a * this.N + b) ?? 0);
  }
  set(a: number, b: number, until: number): void {
    if (this.dense) this.dense[a * this.N + b] = until;
    else this.sparse.set(a * this.N + b, until);
  }
  clear(): void {
    if (this.dense) this.dense.fill(0);
    else this.sparse.clear();
  }
}

/** Critical path (list of operations, in time order) ending at `end`, following tight arcs back. */
export function criticalPath(s: ScheduleState, end: number, rng: Rng | null = null): number[] {
  const path = [end];
  let o = end;
  for (;;) {
    const st = s.start[o] as number;
    const mp = s.machPred[o] as number;
    const jp = s.jobPred[o] as number;
    const mTight = mp >= 0 && (s.start[mp] as number) + (s.dur[mp] as number) + (s.hasSetups ? s.setup(s.mach[o] as number, mp, o) : 0) === st;
    const jTight = jp >= 0 && (s.start[jp] as number) + (s.dur[jp] as number) === st;
    if (mTight && jTight) o = rng && rng.next() < 0.3 ? jp : mp;
    else if (mTight) o = mp;
    else if (jTight) o = jp;
    else {
      // A tight extra precedence arc (end + lag = start), when the problem has any.
      let pp = -1;
      if (s.hasPrecedences) {
        for (let k = s.precPredOff[o] as number, e = s.precPredOff[o + 1] as number; k < e && pp < 0; k++) {
          const a = s.precPred[k] as number;
          if ((s.start[a] as number) + (s.dur[a] as number) + (s.precPredLag[k] as number) === st) pp = a;
        }
      }
      if (pp < 0) break;
      o = pp;
    }
    path.push(o);
  }
  return path.reverse();
}

/** Split a critical path into blocks: maximal runs of operations adjacent on one machine. */
export function criticalBlocks(s: ScheduleState, path: readonly number[]): number[][] {
  const blocks: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const o = path[i] as number;
    if (cur.length > 0 && s.machPred[o] !== cur[cur.length - 1]) {
      blocks.push(cur);
      cur = [];
    }
    cur.push(o);
  }
  if (cur.length) blocks.push(cur);
  return blocks;
}

function isPinned(s: ScheduleState, o: number): boolean {
  return (s.pinMachine[o] as number) >= 0;
}

/**
 * Improve the solution loaded (and decoded) in `s` until the deadline.
 * @returns the best solution found (also left loaded in `s`).
 */
export function tabuSearch(s: ScheduleState, opts: TabuOptions): TabuResult {
  const steps = tabuSearchSteps(s, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link tabuSearch} as a generator that yields every `opts.sliceMs` milliseconds (cooperative
 * multitasking on the calling thread); its return value is the {@link TabuResult}.
 */
export function* tabuSearchSteps(s: ScheduleState, opts: TabuOptions): Generator<void, TabuResult, void> {
  const rng = opts.rng;
  const N = s.N;
  const n = s.problem.jobs.length;
  const makespanObj = s.problem.objective === 'makespan';
  // Estimates: exact-path heads-and-tails estimates for a plain (flexible) job shop. With extra
  // precedences (and otherwise no setups, windows or pins) the same estimates, extended by the extra
  // arcs, only rank the moves: a swap may then close a cycle through a cross-job arc, so the chosen
  // move is decoded exactly and, if cyclic, the next best one is tried.
  const estPrec = makespanObj && s.hasPrecedences && !s.hasSetups && !s.hasWindows && !s.hasPins;
  const fast = (s.pure && makespanObj) || estPrec;
  const useN7 = opts.n7 ?? true;
  const flexible = s.problem.ops.some((o) => o.modes.length > 1);
  const lb = opts.lowerBound ?? 0;
  const tabu = new ArcTabu(N);
  const modeTabu = new Int32Array(s.modeMachine.length);
  const L = 10 + Math.floor(n / Math.max(1, s.M));
  const tenure = (): number => L + rng.int(Math.floor(L / 2) + 1);

  let cost = s.evaluate(fast);
  let best = s.snapshot();
  let bestCost = cost;
  let iter = 0;
  let lastImprove = 0;
  const stall = Math.max(2500, 4 * N);
  const maxIt = opts.maxIterations ?? Infinity;

  const applySwap = (u: number, v: number): void => {
    const m = s.mach[u] as number;
    const q = s.seq[m] as number[];
    const i = s.posInSeq[u] as number;
    q[i] = v;
    q[i + 1] = u;
    s.relink(m);
  };
  const applyShift = (o: number, to: number): number => {
    const m = s.mach[o] as number;
    const q = s.seq[m] as number[];
    const from = s.posInSeq[o] as number;
    q.splice(from, 1);
    q.splice(to, 0, o);
    s.relink(m);
    return from;
  };
  const applyReassign = (o: number, mode: number, pos: number): { mode: number; pos: number } => {
    const oldM = s.mach[o] as number;
    const oldMode = s.mode[o] as number;
    const oldPos = s.posInSeq[o] as number;
    (s.seq[oldM] as number[]).splice(oldPos, 1);
    s.relink(oldM);
    s.setMode(o, mode);
    const nm = s.mach[o] as number;
    (s.seq[nm] as number[]).splice(pos, 0, o);
    s.relink(nm);
    return { mode: oldMode, pos: oldPos };
  };
  const applyMove = (mv: Move): (() => void) => {
    if (mv.kind === 'swap') {
      applySwap(mv.u, mv.v);
      return () => applySwap(mv.v, mv.u);
    }
    if (mv.kind === 'shift') {
      const from = applyShift(mv.o, mv.to);
      return () => applyShift(mv.o, from);
    }
    const old = applyReassign(mv.o, mv.mode, mv.pos);
    return () => applyReassign(mv.o, old.mode, old.pos);
  };

  /** Earliest start of `o` allowed by its extra predecessors (current schedule). */
  const precHead = (o: number): number => {
    let r = 0;
    for (let k = s.precPredOff[o] as number, e = s.precPredOff[o + 1] as number; k < e; k++) {
      const a = s.precPred[k] as number;
      r = Math.max(r, (s.start[a] as number) + (s.dur[a] as number) + (s.precPredLag[k] as number));
    }
    return r;
  };
  /** Longest path from the end of `o` to the sink through its extra successors (current tails). */
  const precTail = (o: number): number => {
    let q = 0;
    for (let k = s.precSuccOff[o] as number, e = s.precSuccOff[o + 1] as number; k < e; k++) {
      const b = s.precSucc[k] as number;
      q = Math.max(q, (s.tail[b] as number) + (s.dur[b] as number) + (s.precSuccLag[k] as number));
    }
    return q;
  };

  /** Heads-and-tails estimate of the makespan after swapping adjacent u (first) and v. */
  const estimateSwap = (u: number, v: number): number => {
    const a = s.machPred[u] as number;
    const b = s.machSucc[v] as number;
    const st = s.start;
    const du = s.dur;
    const jpV = s.jobPred[v] as number;
    let rv = s.opRelease[v] as number;
    if (jpV >= 0) rv = Math.max(rv, (st[jpV] as number) + (du[jpV] as number));
    if (a >= 0) rv = Math.max(rv, (st[a] as number) + (du[a] as number));
    if (estPrec) rv = Math.max(rv, precHead(v));
    const jpU = s.jobPred[u] as number;
    let ru = Math.max(s.opRelease[u] as number, rv + (du[v] as number));
    if (jpU >= 0) ru = Math.max(ru, (st[jpU] as number) + (du[jpU] as number));
    if (estPrec) ru = Math.max(ru, precHead(u));
    const jsU = s.jobSucc[u] as number;
    let qu = 0;
    if (jsU >= 0) qu = (s.tail[jsU] as number) + (s.dur[jsU] as number);
    if (b >= 0) qu = Math.max(qu, (s.tail[b] as number) + (s.dur[b] as number));
    if (estPrec) qu = Math.max(qu, precTail(u));
    const jsV = s.jobSucc[v] as number;
    let qv = qu + (s.dur[u] as number);
    if (jsV >= 0) qv = Math.max(qv, (s.tail[jsV] as number) + (s.dur[jsV] as number));
    if (estPrec) qv = Math.max(qv, precTail(v));
    return Math.max(rv + (s.dur[v] as number) + qv, ru + (s.dur[u] as number) + qu);
  };

  /**
   * Heads-and-tails estimate for a shift of `o` to position `to` on its machine: recompute heads of
   * the reordered segment forwards and tails backwards (the longest path through the segment), as in
   * Balas & Vazacopoulos (1998) and Zhang et al. (2007).
   */
  const seg: number[] = [];
  const segHead: number[] = [];
  const segTail: number[] = [];
  const estimateShift = (o: number, to: number): number => {
    const m = s.mach[o] as number;
    const q = s.seq[m] as number[];
    const from = s.posInSeq[o] as number;
    seg.length = 0;
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    if (to > from) {
      for (let i = from + 1; i <= to; i++) seg.push(q[i] as number);
      seg.push(o);
    } else {
      seg.push(o);
      for (let i = to; i < from; i++) seg.push(q[i] as number);
    }
    const before = lo > 0 ? (q[lo - 1] as number) : -1;
    const after = hi + 1 < q.length ? (q[hi + 1] as number) : -1;
    let prevEnd = before >= 0 ? (s.start[before] as number) + (s.dur[before] as number) : 0;
    for (let i = 0; i < seg.length; i++) {
      const x = seg[i] as number;
      const jp = s.jobPred[x] as number;
      let r = Math.max(s.opRelease[x] as number, prevEnd);
      if (jp >= 0) r = Math.max(r, (s.start[jp] as number) + (s.dur[jp] as number));
      if (estPrec) r = Math.max(r, precHead(x));
      segHead[i] = r;
      prevEnd = r + (s.dur[x] as number);
    }
    let nextTail = after >= 0 ? (s.tail[after] as number) + (s.dur[after] as number) : 0;
    let est = 0;
    for (let i = seg.length - 1; i >= 0; i--) {
      const x = seg[i] as number;
      const js = s.jobSucc[x] as number;
      let t = nextTail;
      if (js >= 0) t = Math.max(t, (s.tail[js] as number) + (s.dur[js] as number));
      if (estPrec) t = Math.max(t, precTail(x));
      segTail[i] = t;
      nextTail = t + (s.dur[x] as number);
      est = Math.max(est, (segHead[i] as number) + (s.dur[x] as number) + t);
    }
    return est;
  };
  /**
   * Sufficient acyclicity test for a shift on a critical path (Balas & Vazacopoulos 1998): moving `o`
   * right after `v` needs tail(v)+p(v) >= tail(js(o))+p(js(o)); moving `o` right before `u` needs
   * head(u)+p(u) >= head(jp(o))+p(jp(o)).
   */
  const shiftIsSafe = (o: number, to: number): boolean => {
    const q = s.seq[s.mach[o] as number] as number[];
    const from = s.posInSeq[o] as number;
    if (to > from) {
      const v = q[to] as number;
      const js = s.jobSucc[o] as number;
      return js < 0 || (s.tail[v] as number) + (s.dur[v] as number) >= (s.tail[js] as number) + (s.dur[js] as number);
    }
    const u = q[to] as number;
    const jp = s.jobPred[o] as number;
    return jp < 0 || (s.start[u] as number) + (s.dur[u] as number) >= (s.start[jp] as number) + (s.dur[jp] as number);
  };

  /** The operations whose completion defines the objective (critical path ends). */
  const pathEnds = (): number[] => {
    if (makespanObj || s.violation > 0) return [s.makespanOp];
    const tardy: number[] = [];
    s.problem.jobs.forEach((j, ji) => {
      const lo = s.lastOps[ji] as number;
      if ((s.start[lo] as number) + (s.dur[lo] as number) > j.due && j.weight > 0) tardy.push(lo);
    });
    rng.shuffle(tardy);
    return tardy.slice(0, 3);
  };

  const seen = new Set<number>();
  const moves: Move[] = [];
  const addSwap = (u: number, v: number, dedupe: boolean): void => {
    if (isPinned(s, u) || isPinned(s, v)) return;
    if (dedupe) {
      const key = u * N + v;
      if (seen.has(key)) return;
      seen.add(key);
    }
    moves.push({ kind: 'swap', u, v });
  };
  const neighbours = (): Move[] => {
    moves.length = 0;
    seen.clear();
    const ends = pathEnds();
    const dedupe = ends.length > 1;
    for (const endOp of ends) {
      const path = criticalPath(s, endOp, rng);
      const blocks = criticalBlocks(s, path);
      const B = blocks.length;
      for (let bi = 0; bi < B; bi++) {
        const blk = blocks[bi] as number[];
        const k = blk.length;
        if (k < 2) continue;
        if (!makespanObj) {
          for (let i = 0; i + 1 < k; i++) addSwap(blk[i] as number, blk[i + 1] as number, dedupe);
          continue;
        }
        // N5 (Nowicki & Smutnicki 1996).
        if (bi > 0 || B === 1) addSwap(blk[0] as number, blk[1] as number, dedupe);
        if (bi < B - 1 || B === 1) addSwap(blk[k - 2] as number, blk[k - 1] as number, dedupe);
        // N7 extension (Zhang et al. 2007): inner ops to the block ends, ends into the block.
        if (useN7 && k >= 3) {
          const p0 = s.posInSeq[blk[0] as number] as number;
          const pk = s.posInSeq[blk[k - 1] as number] as number;
          for (let i = 1; i < k - 1; i++) {
            const o = blk[i] as number;
            if (isPinned(s, o)) continue;
            if (bi > 0 || B === 1) moves.push({ kind: 'shift', o, to: p0 });
            if (bi < B - 1 || B === 1) moves.push({ kind: 'shift', o, to: pk });
          }
          const first = blk[0] as number;
          const last = blk[k - 1] as number;
          if (!isPinned(s, first) && (bi > 0 || B === 1)) for (let i = 2; i < k; i++) moves.push({ kind: 'shift', o: first, to: p0 + i });
          if (!isPinned(s, last) && (bi < B - 1 || B === 1)) for (let i = 0; i < k - 2; i++) moves.push({ kind: 'shift', o: last, to: p0 + i });
        }
      }
      if (flexible) {
        for (const o of path) {
          if (isPinned(s, o) || s.numModes(o) < 2) continue;
          for (let k = 0; k < s.numModes(o); k++) {
            if (k === s.mode[o]) continue;
            const m = s.modeMachine[(s.modeOffset[o] as number) + k] as number;
            const q = s.seq[m] as number[];
            const st = s.start[o] as number;
            let pos = 0;
            while (pos < q.length && (s.start[q[pos] as number] as number) < st) pos++;
            moves.push({ kind: 'reassign', o, mode: k, pos });
          }
        }
      }
    }
    return moves;
  };

  const isTabu = (mv: Move): boolean => {
    if (mv.kind === 'swap') return tabu.get(mv.v, mv.u) > iter;
    if (mv.kind === 'reassign') return (modeTabu[(s.modeOffset[mv.o] as number) + mv.mode] as number) > iter;
    // A shift reverses the order of `o` and every operation it jumps over.
    const m = s.mach[mv.o] as number;
    const q = s.seq[m] as number[];
    const from = s.posInSeq[mv.o] as number;
    if (mv.to > from) {
      for (let i = from + 1; i <= mv.to; i++) if (tabu.get(q[i] as number, mv.o) > iter) return true;
    } else {
      for (let i = mv.to; i < from; i++) if (tabu.get(mv.o, q[i] as number) > iter) return true;
    }
    return false;
  };
  /** Arcs and modes to forbid after `mv`, computed before applying it (positions change afterwards). */
  const tabuAfter = (mv: Move): (() => void) => {
    const t = iter + tenure();
    if (mv.kind === 'swap') return () => tabu.set(mv.u, mv.v, t);
    if (mv.kind === 'reassign') {
      const idx = (s.modeOffset[mv.o] as number) + (s.mode[mv.o] as number);
      return () => {
        modeTabu[idx] = t;
      };
    }
    const q = s.seq[s.mach[mv.o] as number] as number[];
    const from = s.posInSeq[mv.o] as number;
    const jumped = mv.to > from ? q.slice(from + 1, mv.to + 1) : q.slice(mv.to, from);
    const forward = mv.to > from;
    return () => {
      for (const x of jumped) {
        if (forward) tabu.set(mv.o, x, t);
        else tabu.set(x, mv.o, t);
      }
    };
  };

  const perturb = (): void => {
    s.load(best);
    cost = s.evaluate(fast);
    const steps = 6 + rng.int(10);
    for (let k = 0; k < steps; k++) {
      const path = criticalPath(s, pathEnds()[0] ?? 0, rng);
      const pairs: [number, number][] = [];
      for (const blk of criticalBlocks(s, path)) {
        for (let i = 0; i + 1 < blk.length; i++) if (!isPinned(s, blk[i] as number) && !isPinned(s, blk[i + 1] as number)) pairs.push([blk[i] as number, blk[i + 1] as number]);
      }
      if (pairs.length === 0) break;
      const [u, v] = rng.pick(pairs);
      applySwap(u, v);
      const c = s.evaluate(fast);
      if (c === Infinity) {
        applySwap(v, u);
        cost = s.evaluate(fast);
      } else {
        cost = c;
      }
    }
    tabu.clear();
    modeTabu.fill(0);
  };

  const slice = opts.sliceMs;
  let nextYield = slice === undefined ? Infinity : performance.now() + slice;
  while (iter < maxIt && bestCost > lb) {
    if (fast ? (iter & 15) === 0 : true) {
      const now = performance.now();
      if (now >= opts.deadline || (opts.stop !== undefined && Atomics.load(opts.stop, 0) !== 0)) break;
      if (now >= nextYield) {
        yield;
        nextYield = performance.now() + (slice as number);
        if (opts.stop !== undefined && Atomics.load(opts.stop, 0) !== 0) break;
      }
    }
    iter++;
    if (!makespanObj && s.violation === 0 && s.weightedTardiness === 0) break;
    const moves = neighbours();
    if (moves.length === 0) {
      perturb();
      lastImprove = iter;
      continue;
    }
    // With extra precedences a chosen move may close a cycle: then try the next best (a few times).
    const excluded: Move[] = [];
    let c = Infinity;
    let commitTabu: () => void = () => {};
    let givenUp = false;
    for (let attempt = 0; ; attempt++) {
      let bestMove: Move | null = null;
      let bestVal = Infinity;
      let fallback: Move | null = null;
      let fallbackVal = Infinity;
      // Estimates first (they read the decoded heads/tails), exact decodes after (they overwrite them).
      for (let pass = 0; pass < 2; pass++) {
        for (let mi = 0; mi < moves.length; mi++) {
          const mv = moves[mi] as Move;
          const estimated = fast && mv.kind !== 'reassign';
          if (estimated !== (pass === 0) || (excluded.length > 0 && excluded.includes(mv))) continue;
          let val: number;
          if (fast && mv.kind === 'swap') {
            val = estimateSwap(mv.u, mv.v);
          } else if (fast && mv.kind === 'shift') {
            val = estPrec || shiftIsSafe(mv.o, mv.to) ? estimateShift(mv.o, mv.to) : Infinity;
          } else {
            const undo = applyMove(mv);
            val = s.evaluate(false);
            undo();
          }
          if (val === Infinity) continue;
          // Small random tie-breaking noise keeps equal-valued moves from cycling.
          const noisy = val + rng.next() * 1e-6;
          const tabuMove = isTabu(mv);
          if (!tabuMove || val < bestCost) {
            if (noisy < bestVal) {
              bestVal = noisy;
              bestMove = mv;
            }
          } else if (noisy < fallbackVal) {
            fallbackVal = noisy;
            fallback = mv;
          }
        }
      }
      const chosen = bestMove ?? fallback;
      if (!chosen) {
        givenUp = true;
        break;
      }
      commitTabu = tabuAfter(chosen);
      const undo = applyMove(chosen);
      c = s.evaluate(fast);
      if (c !== Infinity) break;
      undo();
      cost = s.evaluate(fast);
      excluded.push(chosen);
      if (!estPrec || attempt >= 4) {
        givenUp = true;
        break;
      }
    }
    if (givenUp) {
      perturb();
      lastImprove = iter;
      continue;
    }
    commitTabu();
    cost = c;
    if (cost < bestCost) {
      bestCost = cost;
      best = s.snapshot();
      lastImprove = iter;
      opts.onImprove?.(bestCost, best);
    } else if (iter - lastImprove > stall) {
      perturb();
      lastImprove = iter;
    }
  }
  s.load(best);
  s.evaluate(fast);
  return { best, bestCost, iterations: iter };
}
