/**
 * Random problem generators shared by the scheduling tests (not exported from the package index).
 */
import { Rng } from '../../core/random.js';
import { ProblemBuilder, type Objective, type ProblemData } from './model.js';

/** Options of {@link randomProblem}. */
export interface RandomProblemOptions {
  readonly jobs: number;
  readonly machines: number;
  /** Max eligible machines per operation (1 = classic job shop). */
  readonly flex?: number;
  readonly release?: boolean;
  readonly setups?: boolean;
  readonly windows?: boolean;
  readonly objective?: Objective;
  readonly maxDuration?: number;
}

/** A random job-shop-like problem; each job visits a random subset/order of machines. */
export function randomProblem(seed: number, o: RandomProblemOptions): ProblemData {
  const rng = new Rng(seed);
  const b = new ProblemBuilder(`rand-${seed}`);
  for (let m = 0; m < o.machines; m++) b.addMachine();
  const maxD = o.maxDuration ?? 9;
  for (let j = 0; j < o.jobs; j++) {
    const job = b.addJob({
      release: o.release ? rng.int(10) : 0,
      due: 5 + rng.int(30),
      weight: 1 + rng.int(3),
    });
    const order = Array.from(rng.permutation(o.machines));
    const nOps = 1 + rng.int(o.machines);
    for (let k = 0; k < nOps; k++) {
      const first = order[k] as number;
      const modes = [{ machine: first, duration: rng.int(maxD + 1) }];
      const extra = o.flex ? rng.int(o.flex) : 0;
      for (let e = 0; e < extra; e++) {
        const m = rng.int(o.machines);
        if (!modes.some((md) => md.machine === m)) modes.push({ machine: m, duration: 1 + rng.int(maxD) });
      }
      b.addOperation(job, modes);
    }
  }
  if (o.setups) {
    for (let m = 0; m < o.machines; m++) {
      if (rng.bernoulli(0.5)) b.setSetupTimes(m, Array.from({ length: o.jobs }, (_, a) => Array.from({ length: o.jobs }, (_, c) => (a === c ? 0 : rng.int(4)))));
    }
  }
  if (o.windows) {
    for (let m = 0; m < o.machines; m++) {
      if (rng.bernoulli(0.5)) {
        const s = rng.int(20);
        b.addUnavailability(m, s, s + 1 + rng.int(6));
      }
    }
  }
  b.setObjective(o.objective ?? 'makespan');
  return b.build();
}

/** A classic n×m job shop (every job visits every machine once, random order). */
export function randomJobShop(seed: number, n: number, m: number, maxDuration = 20): ProblemData {
  const rng = new Rng(seed);
  const b = new ProblemBuilder(`js-${seed}`);
  for (let k = 0; k < m; k++) b.addMachine();
  for (let j = 0; j < n; j++) {
    const job = b.addJob();
    for (const mach of rng.permutation(m)) b.addOperation(job, [{ machine: mach, duration: 1 + rng.int(maxDuration) }]);
  }
  return b.build();
}
