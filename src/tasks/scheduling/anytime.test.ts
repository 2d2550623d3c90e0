import { describe, expect, it } from 'vitest';
import { checkSchedule } from './checker.js';
import { solve, startSolve, type SolveProgress } from './solve.js';
import { randomJobShop, randomProblem } from '../../../test/fixtures/scheduling/random-problems.js';

// A 15×15 random job shop (square, like ta01–10): its machine-load bound is rarely tight, so the search runs to the limit
// unless cancelled.
const big = randomJobShop(11, 15, 15, 99);

describe('anytime solve: incumbent, progress schedules, cancellation', () => {
  it('startSolve: best() mid-run is a verified schedule; cancel() returns the best so far', async () => {
    const events: SolveProgress[] = [];
    let firstEvent!: () => void;
    const gotEvent = new Promise<void>((r) => (firstEvent = r));
    const h = startSolve(big, {
      timeLimitMs: 120_000,
      workers: 1,
      seed: 3,
      onProgress: (e) => {
        events.push(e);
        firstEvent();
      },
    });
    expect(h.running).toBe(true);
    await gotEvent;
    await new Promise((r) => setTimeout(r, 300));
    const inc = h.best();
    expect(inc).not.toBeNull();
    expect(checkSchedule(big, inc!.schedule).feasible).toBe(true);
    expect(inc!.schedule.makespan).toBe(inc!.objective);
    // The incumbent is the last reported improvement.
    expect(inc!.objective).toBe(events[events.length - 1]!.objective);
    h.cancel();
    h.cancel(); // idempotent
    const res = await h.result;
    expect(h.running).toBe(false);
    expect(res.stopReason).toBe('cancelled');
    expect(res.status).toBe('feasible');
    expect(res.runtimeMs).toBeLessThan(60_000); // far below the 120 s limit: the cancel stopped it
    expect(res.objective!).toBeLessThanOrEqual(inc!.objective);
    expect(checkSchedule(big, res.schedule!).feasible).toBe(true);
    expect(res.objective).toBe(events[events.length - 1]!.objective);
    h.cancel(); // after the end: no effect, no throw
  });

  it('progress events carry a verified schedule whose objective is the event objective (two workers)', async () => {
    const p = randomProblem(5, { jobs: 8, machines: 4, flex: 2, release: true, objective: 'weighted-tardiness' });
    const seen: { objective: number; worker: number; recomputed: number; feasible: boolean }[] = [];
    const res = await solve(p, {
      timeLimitMs: 1500,
      workers: 2,
      seed: 2,
      signal: new AbortController().signal,
      onProgress: (e) => {
        const c = checkSchedule(p, e.schedule);
        seen.push({ objective: e.objective, worker: e.worker, recomputed: c.weightedTardiness, feasible: c.feasible });
      },
    });
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.feasible).toBe(true);
      expect(s.recomputed).toBe(s.objective);
    }
    expect(res.stopReason === 'time-limit' || res.stopReason === 'optimal').toBe(true);
    expect(seen[seen.length - 1]!.objective).toBe(res.objective);
  });

  it('an AbortSignal stops solve() early with the best schedule; an already-aborted signal still gives one', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    const res = await solve(big, { timeLimitMs: 120_000, workers: 2, seed: 1, signal: ac.signal });
    expect(res.stopReason).toBe('cancelled');
    expect(res.runtimeMs).toBeLessThan(60_000);
    expect(checkSchedule(big, res.schedule!).feasible).toBe(true);

    const pre = new AbortController();
    pre.abort();
    const r2 = await solve(big, { timeLimitMs: 120_000, workers: 1, seed: 1, signal: pre.signal });
    expect(r2.stopReason).toBe('cancelled');
    expect(r2.status).toBe('feasible'); // the dispatching schedule every thread computes first
    expect(checkSchedule(big, r2.schedule!).feasible).toBe(true);
  });

  it('the calling thread stays responsive during a single-thread solve: timers fire and poll best()', async () => {
    const h = startSolve(big, { timeLimitMs: 1500, workers: 1, seed: 4 });
    const polled: (number | null)[] = [];
    const timer = setInterval(() => polled.push(h.best()?.objective ?? null), 100);
    const res = await h.result;
    clearInterval(timer);
    // Thread 0 searches in ~20 ms slices, so the 100 ms interval runs several times during the 1.5 s.
    expect(polled.length).toBeGreaterThanOrEqual(3);
    const seen = polled.filter((x): x is number => x !== null);
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThanOrEqual(seen[i - 1]!);
    expect(res.objective!).toBeLessThanOrEqual(seen[seen.length - 1]!);
  });

  it('stop reasons: time limit, iteration limit, optimal', async () => {
    const p = randomJobShop(2, 6, 4);
    const t = await solve(big, { timeLimitMs: 300, workers: 1, seed: 1 });
    expect(t.stopReason).toBe('time-limit');
    const it = await solve(p, { timeLimitMs: 60_000, workers: 1, seed: 1, maxIterations: 5 });
    expect(['iteration-limit', 'optimal']).toContain(it.stopReason);
    const one = randomJobShop(1, 1, 3); // a single job: the job length bound is optimal
    const o = await solve(one, { timeLimitMs: 60_000, workers: 1, seed: 1 });
    expect(o.stopReason).toBe('optimal');
  });
});
