/**
 * Lower bounds, valid for every feature of the model (setups, windows and pins only lengthen
 * schedules, so they are relaxed away):
 *
 * - path bound: the longest path (release, shortest processing times, lags) through the job chains and
 *   extra precedences — for a plain job shop, release + Σ shortest processing times of a job;
 * - machine bound (single-mode operations): the one-machine relaxation with heads and tails solved by
 *   the preemptive Jackson schedule (Jackson 1956; Carlier 1982; Carlier & Pinson 1989), which
 *   dominates the plain machine-load bound;
 * - flexible problems: total shortest work divided by the number of machines, and the per-machine JPS
 *   bound over operations that have that machine as their only option.
 * - weighted tardiness: Σ w_j · max(0, release_j + Σ shortest p − d_j).
 */
import type { ProblemData } from './model.js';

/** Preemptive Jackson schedule makespan for one machine: jobs (r, p, q). O(k log k) with a simple heap. */
export function jacksonPreemptive(r: readonly number[], p: readonly number[], q: readonly number[]): number {
  const k = r.length;
  const idx = Array.from({ length: k }, (_, i) => i).sort((a, b) => (r[a] as number) - (r[b] as number));
  const rem = p.slice() as number[];
  // Max-heap on tail q.
  const heap: number[] = [];
  const push = (i: number): void => {
    heap.push(i);
    let c = heap.length - 1;
    while (c > 0) {
      const par = (c - 1) >> 1;
      if ((q[heap[par] as number] as number) >= (q[heap[c] as number] as number)) break;
      [heap[par], heap[c]] = [heap[c] as number, heap[par] as number];
      c = par;
    }
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const rr = l + 1;
        let big = c;
        if (l < heap.length && (q[heap[l] as number] as number) > (q[heap[big] as number] as number)) big = l;
        if (rr < heap.length && (q[heap[rr] as number] as number) > (q[heap[big] as number] as number)) big = rr;
        if (big === c) break;
        [heap[big], heap[c]] = [heap[c] as number, heap[big] as number];
        c = big;
      }
    }
    return top;
  };
  let t = 0;
  let next = 0;
  let best = 0;
  while (next < k || heap.length > 0) {
    if (heap.length === 0) t = Math.max(t, r[idx[next] as number] as number);
    while (next < k && (r[idx[next] as number] as number) <= t) push(idx[next++] as number);
    const i = pop();
    // Run i until it finishes or the next release (which may preempt it).
    const nextR = next < k ? (r[idx[next] as number] as number) : Infinity;
    const run = Math.min(rem[i] as number, nextR - t);
    t += run;
    rem[i] = (rem[i] as number) - run;
    if ((rem[i] as number) > 0) push(i);
    else best = Math.max(best, t + (q[i] as number));
  }
  return best;
}

/** Lower bound on the problem's objective (see the module comment for the bounds used). */
export function lowerBound(p: ProblemData): number {
  const minDur = p.ops.map((o) => Math.min(...o.modes.map((m) => m.duration)));
  // Heads and tails: longest paths (shortest modes) through the job chains and extra precedences,
  // in a topological order of that acyclic graph (the builder rejects cycles).
  const N = p.ops.length;
  const head = new Array<number>(N).fill(0);
  const tail = new Array<number>(N).fill(0);
  const precs = p.precedences ?? [];
  const predOf: { o: number; lag: number }[][] = Array.from({ length: N }, () => []);
  const succOf: { o: number; lag: number }[][] = Array.from({ length: N }, () => []);
  const indeg = new Int32Array(N);
  for (const pr of precs) {
    (predOf[pr.to] as { o: number; lag: number }[]).push({ o: pr.from, lag: pr.lag });
    (succOf[pr.from] as { o: number; lag: number }[]).push({ o: pr.to, lag: pr.lag });
    indeg[pr.to] = (indeg[pr.to] as number) + 1;
  }
  p.ops.forEach((o, i) => {
    if (o.index > 0) indeg[i] = (indeg[i] as number) + 1;
  });
  const order: number[] = [];
  for (let i = 0; i < N; i++) if (indeg[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    const o = order[k] as number;
    const op = p.ops[o] as (typeof p.ops)[number];
    const job = p.jobs[op.job] as (typeof p.jobs)[number];
    const succs = [...(succOf[o] as { o: number; lag: number }[]).map((x) => x.o), ...(op.index + 1 < job.numOps ? [o + 1] : [])];
    for (const b of succs) {
      indeg[b] = (indeg[b] as number) - 1;
      if (indeg[b] === 0) order.push(b);
    }
  }
  for (const o of order) {
    const op = p.ops[o] as (typeof p.ops)[number];
    let h = op.index === 0 ? (p.jobs[op.job] as (typeof p.jobs)[number]).release : (head[o - 1] as number) + (minDur[o - 1] as number);
    for (const pr of predOf[o] as { o: number; lag: number }[]) h = Math.max(h, (head[pr.o] as number) + (minDur[pr.o] as number) + pr.lag);
    head[o] = h;
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const o = order[k] as number;
    const op = p.ops[o] as (typeof p.ops)[number];
    const job = p.jobs[op.job] as (typeof p.jobs)[number];
    let t = op.index + 1 < job.numOps ? (tail[o + 1] as number) + (minDur[o + 1] as number) : 0;
    for (const sc of succOf[o] as { o: number; lag: number }[]) t = Math.max(t, (tail[sc.o] as number) + (minDur[sc.o] as number) + sc.lag);
    tail[o] = t;
  }
  let jobBound = 0;
  let wtBound = 0;
  for (const j of p.jobs) {
    let end = 0;
    for (let o = j.firstOp; o < j.firstOp + j.numOps; o++) {
      end = Math.max(end, (head[o] as number) + (minDur[o] as number));
      jobBound = Math.max(jobBound, (head[o] as number) + (minDur[o] as number) + (tail[o] as number));
    }
    if (end > j.due) wtBound += j.weight * (end - j.due);
  }
  if (p.objective === 'weighted-tardiness') return wtBound;
  let bound = jobBound;
  // Operations that can only run on machine m (all of them in a classic job shop).
  const fixedOn: number[][] = Array.from({ length: p.numMachines }, () => []);
  let totalMin = 0;
  p.ops.forEach((o, i) => {
    totalMin += minDur[i] as number;
    if (o.modes.length === 1) (fixedOn[(o.modes[0] as { machine: number }).machine] as number[]).push(i);
  });
  const flexible = p.ops.some((o) => o.modes.length > 1);
  if (flexible) {
    const minRelease = Math.min(...p.jobs.map((j) => j.release));
    bound = Math.max(bound, Math.ceil(minRelease + totalMin / p.numMachines));
  }
  for (const ops of fixedOn) {
    if (ops.length === 0) continue;
    bound = Math.max(
      bound,
      jacksonPreemptive(ops.map((o) => head[o] as number), ops.map((o) => minDur[o] as number), ops.map((o) => tail[o] as number)),
    );
  }
  return bound;
}
