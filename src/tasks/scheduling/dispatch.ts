/**
 * Dispatching rules: an instant first schedule for any problem the model can express.
 *
 * The schedule generation scheme is Giffler & Thompson's (1960) active-schedule algorithm: among the
 * next operations of all jobs find the earliest possible completion C*, take the machine where it
 * happens, and let the priority rule choose among the operations that could start there before C*
 * (the conflict set). For flexible operations each candidate uses the machine giving its earliest
 * completion (the "global selection" idea of Kacem et al. 2002). Rules follow Panwalkar & Iskander
 * (1977) and Haupt (1989): SPT, LPT, MWKR, MOPNR, EDD, plus earliest completion and random.
 *
 * Extra precedences (also across jobs, with lags) are respected: an operation becomes a candidate only
 * when all its predecessors are placed, and cannot start before their ends plus lags.
 *
 * Release dates, setups, unavailability windows and pinned operations are respected: pinned
 * operations are placed in machine order by their start, and a free operation is only placed before a
 * pinned one if it (with its setup into the pinned one) completes in time.
 */
import type { Rng } from '../../core/random.js';
import type { ScheduleState } from './evaluator.js';

/** Priority rule of the dispatcher. */
export type DispatchRule = 'spt' | 'lpt' | 'mwkr' | 'mopnr' | 'edd' | 'ect' | 'random';

/** Every rule, in the order `bestDispatch` tries them. */
export const DISPATCH_RULES: readonly DispatchRule[] = ['mwkr', 'mopnr', 'spt', 'lpt', 'edd', 'ect', 'random'];

/**
 * Fill `state` (modes and machine sequences) with the schedule the rule generates and decode it.
 * @returns the search cost (`state.cost()`).
 */
export function dispatch(state: ScheduleState, rule: DispatchRule, rng: Rng): number {
  const p = state.problem;
  const n = p.jobs.length;
  const M = state.M;
  const next = new Int32Array(n); // next operation index within each job
  const jobReady = Float64Array.from(p.jobs, (j) => j.release);
  const machReady = new Float64Array(M);
  const machLast = new Int32Array(M).fill(-1);
  const seq: number[][] = Array.from({ length: M }, () => []);
  const placed = new Uint8Array(state.N);
  // Remaining work per job using each operation's shortest mode (for MWKR).
  const minDur = new Float64Array(state.N);
  for (let o = 0; o < state.N; o++) {
    let best = Infinity;
    for (let k = 0; k < state.numModes(o); k++) best = Math.min(best, state.modeDuration[(state.modeOffset[o] as number) + k] as number);
    minDur[o] = best;
  }
  const remWork = new Float64Array(n);
  p.jobs.forEach((j, ji) => {
    let s = 0;
    for (let o = j.firstOp; o < j.firstOp + j.numOps; o++) s += minDur[o] as number;
    remWork[ji] = s;
  });
  // Pinned operations per machine, sorted by start.
  const pins: number[][] = Array.from({ length: M }, () => []);
  for (let o = 0; o < state.N; o++) if ((state.pinMachine[o] as number) >= 0) (pins[state.pinMachine[o] as number] as number[]).push(o);
  for (const q of pins) q.sort((a, b) => (state.pinStart[a] as number) - (state.pinStart[b] as number));
  const pinPtr = new Int32Array(M);
  // Extra precedences: unplaced predecessors per operation, and the earliest start they allow.
  const pendingPreds = new Int32Array(state.N);
  const precReady = new Float64Array(state.N);
  if (state.hasPrecedences) for (let o = 0; o < state.N; o++) pendingPreds[o] = (state.precPredOff[o + 1] as number) - (state.precPredOff[o] as number);
  const releaseSuccessors = (o: number, end: number): void => {
    if (!state.hasPrecedences) return;
    for (let k = state.precSuccOff[o] as number, e = state.precSuccOff[o + 1] as number; k < e; k++) {
      const b = state.precSucc[k] as number;
      pendingPreds[b] = (pendingPreds[b] as number) - 1;
      precReady[b] = Math.max(precReady[b] as number, end + (state.precSuccLag[k] as number));
    }
  };

  const setupTime = (m: number, a: number, b: number): number => (a < 0 ? 0 : state.setup(m, a, b));
  const pushWindows = (m: number, s: number, d: number): number => {
    if (d <= 0) return s;
    for (const w of state.windows[m] as readonly { start: number; end: number }[]) if (s < w.end && s + d > w.start) s = w.end;
    return s;
  };
  /** Earliest start of free op `o` on machine `m` with duration `d`; also how many pins it must pass. */
  const place = (o: number, m: number, d: number): { est: number; pass: number } => {
    let ready = machReady[m] as number;
    let last = machLast[m] as number;
    let ptr = pinPtr[m] as number;
    const q = pins[m] as number[];
    const jr = Math.max(jobReady[state.opJob[o] as number] as number, precReady[o] as number);
    for (;;) {
      const est = pushWindows(m, Math.max(jr, ready + setupTime(m, last, o)), d);
      const pin = q[ptr];
      if (pin === undefined || placed[pin]) {
        if (pin !== undefined) {
          ptr++;
          continue;
        }
        return { est, pass: ptr - (pinPtr[m] as number) };
      }
      if (est + d + setupTime(m, o, pin) <= (state.pinStart[pin] as number)) return { est, pass: ptr - (pinPtr[m] as number) };
      ready = Math.max(ready, (state.pinStart[pin] as number) + (state.modeDuration[(state.modeOffset[pin] as number) + (modeOfPin(pin))] as number));
      last = pin;
      ptr++;
    }
  };
  function modeOfPin(o: number): number {
    for (let k = 0; k < state.numModes(o); k++) if (state.modeMachine[(state.modeOffset[o] as number) + k] === state.pinMachine[o]) return k;
    return 0;
  }
  const appendPinsUpTo = (m: number, count: number): void => {
    const q = pins[m] as number[];
    for (let i = 0; i < count; i++) {
      const pin = q[pinPtr[m] as number] as number;
      pinPtr[m] = (pinPtr[m] as number) + 1;
      if (placed[pin]) continue;
      placed[pin] = 1;
      (seq[m] as number[]).push(pin);
      const k = modeOfPin(pin);
      state.setMode(pin, k);
      machReady[m] = Math.max(machReady[m] as number, (state.pinStart[pin] as number) + (state.dur[pin] as number));
      machLast[m] = pin;
    }
  };

  const candOp = new Int32Array(n);
  const candMode = new Int32Array(n);
  const candEst = new Float64Array(n);
  const candPass = new Int32Array(n);
  for (let step = 0; step < state.N; step++) {
    // Ready pinned operations are committed at once: their time is fixed anyway.
    let pinnedDone = false;
    for (let j = 0; j < n && !pinnedDone; j++) {
      const job = p.jobs[j] as (typeof p.jobs)[number];
      if ((next[j] as number) >= job.numOps) continue;
      const o = job.firstOp + (next[j] as number);
      if ((state.pinMachine[o] as number) < 0 || (pendingPreds[o] as number) > 0) continue;
      const m = state.pinMachine[o] as number;
      if (!placed[o]) {
        const q = pins[m] as number[];
        appendPinsUpTo(m, q.indexOf(o) - (pinPtr[m] as number) + 1);
      }
      jobReady[j] = (state.pinStart[o] as number) + (state.dur[o] as number);
      releaseSuccessors(o, jobReady[j] as number);
      remWork[j] = (remWork[j] as number) - (minDur[o] as number);
      next[j] = (next[j] as number) + 1;
      pinnedDone = true;
    }
    if (pinnedDone) continue;
    let nc = 0;
    let bestC = Infinity;
    let bestCand = -1;
    for (let j = 0; j < n; j++) {
      const job = p.jobs[j] as (typeof p.jobs)[number];
      if ((next[j] as number) >= job.numOps) continue;
      const o = job.firstOp + (next[j] as number);
      if ((pendingPreds[o] as number) > 0) continue; // waits for a predecessor in another job
      let bm = -1;
      let be = Infinity;
      let bc = Infinity;
      let bp = 0;
      for (let k = 0; k < state.numModes(o); k++) {
        const idx = (state.modeOffset[o] as number) + k;
        const m = state.modeMachine[idx] as number;
        const d = state.modeDuration[idx] as number;
        const { est, pass } = place(o, m, d);
        if (est + d < bc) {
          bc = est + d;
          be = est;
          bm = k;
          bp = pass;
        }
      }
      candOp[nc] = o;
      candMode[nc] = bm;
      candEst[nc] = be;
      candPass[nc] = bp;
      if (bc < bestC) {
        bestC = bc;
        bestCand = nc;
      }
      nc++;
    }
    if (bestCand < 0) break;
    const mStar = state.modeMachine[(state.modeOffset[candOp[bestCand] as number] as number) + (candMode[bestCand] as number)] as number;
    let chosen = bestCand;
    let bestPrio = Infinity;
    for (let c = 0; c < nc; c++) {
      const o = candOp[c] as number;
      const idx = (state.modeOffset[o] as number) + (candMode[c] as number);
      if (state.modeMachine[idx] !== mStar || (candEst[c] as number) >= bestC) continue;
      const d = state.modeDuration[idx] as number;
      const j = state.opJob[o] as number;
      let prio: number;
      switch (rule) {
        case 'spt': prio = d; break;
        case 'lpt': prio = -d; break;
        case 'mwkr': prio = -(remWork[j] as number); break;
        case 'mopnr': prio = -((p.jobs[j] as (typeof p.jobs)[number]).numOps - (next[j] as number)); break;
        case 'edd': prio = (p.jobs[j] as (typeof p.jobs)[number]).due; break;
        case 'ect': prio = (candEst[c] as number) + d; break;
        case 'random': prio = rng.next(); break;
      }
      if (prio < bestPrio || (prio === bestPrio && c < chosen)) {
        bestPrio = prio;
        chosen = c;
      }
    }
    const o = candOp[chosen] as number;
    const k = candMode[chosen] as number;
    state.setMode(o, k);
    const m = state.mach[o] as number;
    appendPinsUpTo(m, candPass[chosen] as number);
    const { est } = place(o, m, state.dur[o] as number);
    (seq[m] as number[]).push(o);
    placed[o] = 1;
    machReady[m] = est + (state.dur[o] as number);
    machLast[m] = o;
    const j = state.opJob[o] as number;
    jobReady[j] = est + (state.dur[o] as number);
    releaseSuccessors(o, jobReady[j] as number);
    remWork[j] = (remWork[j] as number) - (minDur[o] as number);
    next[j] = (next[j] as number) + 1;
  }
  // Pinned operations never reached (cannot happen when every job completes) are appended in order.
  for (let m = 0; m < M; m++) appendPinsUpTo(m, (pins[m] as number[]).length - (pinPtr[m] as number));
  state.seq = seq;
  for (let m = 0; m < M; m++) state.relink(m);
  return state.evaluate(false);
}

/**
 * Run every rule (and a few random-priority runs) and keep the cheapest schedule in `state`.
 * @returns the rule that won and its cost.
 */
export function bestDispatch(state: ScheduleState, rng: Rng, randomRuns = 3): { rule: DispatchRule; cost: number } {
  let best = { rule: 'mwkr' as DispatchRule, cost: Infinity };
  let snap = null;
  const rules: DispatchRule[] = [...DISPATCH_RULES];
  for (let i = 1; i < randomRuns; i++) rules.push('random');
  for (const rule of rules) {
    const c = dispatch(state, rule, rng);
    if (c < best.cost) {
      best = { rule, cost: c };
      snap = state.snapshot();
    }
  }
  if (snap) {
    state.load(snap);
    state.evaluate(false);
  }
  return best;
}
