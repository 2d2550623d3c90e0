/**
 * Lower bounds, valid for every feature of the model (setups, windows and pins only lengthen
 * schedules, so they are relaxed away):
 *
 * - job bound: release + Σ shortest processing times of the job's operations;
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
  // Heads and tails from the job chains alone.
  const head = new Array<number>(p.ops.length).fill(0);
  const tail = new Array<number>(p.ops.length).fill(0);
  let jobBound = 0;
  let wtBound = 0;
  for (const j of p.jobs) {
    let t = j.release;
    for (let o = j.firstOp; o < j.firstOp + j.numOps; o++) {
      head[o] = t;
      t += minDur[o] as number;
    }
    jobBound = Math.max(jobBound, t);
    if (t > j.due) wtBound += j.weight * (t - j.due);
    let s = 0;
    for (let o = j.firstOp + j.numOps - 1; o >= j.firstOp; o--) {
      tail[o] = s;
      s += minDur[o] as number;
    }
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
