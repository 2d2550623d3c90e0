/**
 * Permutation flow-shop makespan: NEH and iterated greedy.
 *
 * - NEH: Nawaz, Enscore & Ham (1983), with the O(nm) per-insertion acceleration of Taillard (1990),
 *   "Some efficient heuristic methods for the flow shop sequencing problem" (heads e, tails q, and the
 *   completion f of the inserted job: Cmax at position i = max_k f[i][k] + q[i][k]).
 * - Iterated greedy: Ruiz & Stützle (2007), "A simple and effective iterated greedy algorithm for the
 *   permutation flowshop scheduling problem": destruction of d = 4 random jobs, greedy NEH
 *   reconstruction, insertion local search, and a constant-temperature acceptance
 *   T = 0.4 · Σp / (n·m·10).
 */
import type { Rng } from '../../core/random.js';

/** Processing times of a permutation flow shop: `p[j * m + k]` is job j on machine k. */
export interface FlowShopData {
  readonly n: number;
  readonly m: number;
  readonly p: Float64Array;
}

/** Makespan of a (partial) permutation. */
export function flowShopMakespan(d: FlowShopData, perm: ArrayLike<number>): number {
  const c = new Float64Array(d.m);
  for (let i = 0; i < perm.length; i++) {
    const j = perm[i] as number;
    let prev = 0;
    for (let k = 0; k < d.m; k++) {
      const v = Math.max(c[k] as number, prev) + (d.p[j * d.m + k] as number);
      c[k] = v;
      prev = v;
    }
  }
  return c[d.m - 1] ?? 0;
}

/** Workspace for Taillard-accelerated best insertion. */
class Inserter {
  private e: Float64Array;
  private q: Float64Array;
  private f: Float64Array;
  constructor(private readonly d: FlowShopData) {
    const size = (d.n + 2) * d.m;
    this.e = new Float64Array(size);
    this.q = new Float64Array(size);
    this.f = new Float64Array(d.m);
  }

  /**
   * Best position to insert job `j` into `seq` (length L); ties go to the first position, as in NEH.
   * @returns [position, makespan after insertion]
   */
  best(seq: readonly number[], j: number, rng: Rng | null = null): [number, number] {
    const { m, p } = this.d;
    const L = seq.length;
    const e = this.e;
    const q = this.q;
    const f = this.f;
    // e[(i+1)*m + k]: completion of seq[i] on k; row 0 is the empty prefix.
    for (let k = 0; k < m; k++) e[k] = 0;
    for (let i = 0; i < L; i++) {
      const job = seq[i] as number;
      let prev = 0;
      for (let k = 0; k < m; k++) {
        const v = Math.max(e[i * m + k] as number, prev) + (p[job * m + k] as number);
        e[(i + 1) * m + k] = v;
        prev = v;
      }
    }
    // q[i*m + k]: tail from seq[i] on k to the end; row L is the empty suffix.
    for (let k = 0; k < m; k++) q[L * m + k] = 0;
    for (let i = L - 1; i >= 0; i--) {
      const job = seq[i] as number;
      let next = 0;
      for (let k = m - 1; k >= 0; k--) {
        const v = Math.max(q[(i + 1) * m + k] as number, next) + (p[job * m + k] as number);
        q[i * m + k] = v;
        next = v;
      }
    }
    let bestPos = 0;
    let bestC = Infinity;
    let ties = 0;
    for (let i = 0; i <= L; i++) {
      let prev = 0;
      let c = 0;
      for (let k = 0; k < m; k++) {
        const v = Math.max(e[i * m + k] as number, prev) + (p[j * m + k] as number);
        f[k] = v;
        prev = v;
        const t = v + (q[i * m + k] as number);
        if (t > c) c = t;
      }
      if (c < bestC) {
        bestC = c;
        bestPos = i;
        ties = 1;
      } else if (c === bestC && rng) {
        // Random tie-breaking in the local search (reservoir sampling over equal positions).
        ties++;
        if (rng.int(ties) === 0) bestPos = i;
      }
    }
    return [bestPos, bestC];
  }
}

/** NEH: jobs by decreasing total processing time, each inserted at its best position. */
export function neh(d: FlowShopData): { perm: number[]; makespan: number } {
  const total = Array.from({ length: d.n }, (_, j) => {
    let s = 0;
    for (let k = 0; k < d.m; k++) s += d.p[j * d.m + k] as number;
    return s;
  });
  const order = Array.from({ length: d.n }, (_, j) => j).sort((a, b) => (total[b] as number) - (total[a] as number) || a - b);
  const ins = new Inserter(d);
  const seq: number[] = [];
  let c = 0;
  for (const j of order) {
    const [pos, cm] = ins.best(seq, j);
    seq.splice(pos, 0, j);
    c = cm;
  }
  return { perm: seq, makespan: c };
}

/** Options of {@link iteratedGreedy}. */
export interface IteratedGreedyOptions {
  readonly deadline: number;
  readonly rng: Rng;
  /** Jobs removed per destruction (default 4, Ruiz & Stützle 2007). */
  readonly d?: number;
  /** Temperature factor (default 0.4). */
  readonly T?: number;
  readonly lowerBound?: number;
  readonly onImprove?: (makespan: number, perm: readonly number[]) => void;
  readonly maxIterations?: number;
  /** Start from this permutation instead of NEH. */
  readonly initial?: readonly number[];
  /** Shared stop flag: the search ends when element 0 is non-zero. */
  readonly stop?: Int32Array;
  /** {@link iteratedGreedySteps} only: yield about every `sliceMs` milliseconds (default never). */
  readonly sliceMs?: number;
}

/** Insertion local search until no job can be moved to a better position (first improvement). */
function localSearch(d: FlowShopData, ins: Inserter, seq: number[], cmax: number, rng: Rng, deadline: number): number {
  let improved = true;
  while (improved) {
    improved = false;
    const jobs = rng.shuffle([...seq]);
    for (const j of jobs) {
      if (performance.now() >= deadline) return cmax;
      const at = seq.indexOf(j);
      seq.splice(at, 1);
      const [pos, c] = ins.best(seq, j, rng);
      if (c < cmax) {
        seq.splice(pos, 0, j);
        cmax = c;
        improved = true;
      } else {
        seq.splice(at, 0, j);
      }
    }
  }
  return cmax;
}

/**
 * Iterated greedy for the permutation flow shop (Ruiz & Stützle 2007).
 * @returns the best permutation and its makespan.
 */
export function iteratedGreedy(d: FlowShopData, opts: IteratedGreedyOptions): { perm: number[]; makespan: number; iterations: number } {
  const steps = iteratedGreedySteps(d, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** {@link iteratedGreedy} as a generator yielding every `opts.sliceMs` ms (cooperative, on the calling thread). */
export function* iteratedGreedySteps(d: FlowShopData, opts: IteratedGreedyOptions): Generator<void, { perm: number[]; makespan: number; iterations: number }, void> {
  const rng = opts.rng;
  const D = Math.min(opts.d ?? 4, Math.max(1, d.n - 1));
  let sumP = 0;
  for (let i = 0; i < d.p.length; i++) sumP += d.p[i] as number;
  const temperature = ((opts.T ?? 0.4) * sumP) / (d.n * d.m * 10);
  const ins = new Inserter(d);
  let cur: number[];
  let curC: number;
  if (opts.initial) {
    cur = [...opts.initial];
    curC = flowShopMakespan(d, cur);
  } else {
    const start = neh(d);
    cur = start.perm;
    curC = start.makespan;
  }
  let best = [...cur];
  let bestC = curC;
  opts.onImprove?.(bestC, best);
  curC = localSearch(d, ins, cur, curC, rng, opts.deadline);
  if (curC < bestC) {
    bestC = curC;
    best = [...cur];
    opts.onImprove?.(bestC, best);
  }
  const lb = opts.lowerBound ?? 0;
  const maxIt = opts.maxIterations ?? Infinity;
  let it = 0;
  let nextYield = opts.sliceMs === undefined ? Infinity : performance.now() + opts.sliceMs;
  while (it < maxIt && bestC > lb && performance.now() < opts.deadline && d.n > 1 && !(opts.stop && Atomics.load(opts.stop, 0) !== 0)) {
    if (performance.now() >= nextYield) {
      yield;
      nextYield = performance.now() + (opts.sliceMs as number);
      continue; // re-check the deadline and the stop flag
    }
    it++;
    const seq = [...cur];
    const removed: number[] = [];
    for (let r = 0; r < D; r++) removed.push(...seq.splice(rng.int(seq.length), 1));
    let c = 0;
    for (const j of removed) {
      const [pos, cm] = ins.best(seq, j, rng);
      seq.splice(pos, 0, j);
      c = cm;
    }
    c = localSearch(d, ins, seq, c, rng, opts.deadline);
    if (c < curC) {
      cur = seq;
      curC = c;
      if (c < bestC) {
        bestC = c;
        best = [...seq];
        opts.onImprove?.(bestC, best);
      }
    } else if (rng.next() <= Math.exp(-(c - curC) / temperature)) {
      cur = seq;
      curC = c;
    }
  }
  return { perm: best, makespan: bestC, iterations: it };
}
