/**
 * Real-data tests on ../shared/data/jsplib and ../shared/data/flowshop (DATASETS.md §5–6).
 *
 * | model            | dataset                    | metric                         | bound            |
 * |------------------|----------------------------|--------------------------------|------------------|
 * | tabu (N5+N7)     | jsplib ft06                | makespan                       | = 55 (optimum)   |
 * | tabu (N5+N7)     | jsplib la01                | makespan                       | = 666 (optimum)  |
 * | tabu (N5+N7)     | jsplib la05                | status                         | optimal (LB met) |
 * | lower bound      | all 82 jsplib instances    | LB vs bks_scheduleopt.json     | <= best-known UB |
 * | dispatch rules   | all 82 jsplib instances    | checker                        | feasible         |
 * | iterated greedy  | flowshop tfs001 (ta001)    | makespan                       | <= 1.01 · 1278   |
 * | readers          | 82 jsplib + 120 Taillard   | sizes                          | = instances.json / DATASETS.md table |
 * | solve (default)  | all 82 jsplib + 120 Taillard | checker, objective vs bounds | feasible, LB <= objective, >= known lower bound |
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { readInstanceFile, readKnownBounds } from '../../src/io/instances/index.js';
import { checkSchedule, lowerBound, problemFromInstance, problemTraits, solve } from '../../src/tasks/scheduling/index.js';
import { dataPath, hasData } from './datasets.js';

const JSPLIB = 'jsplib/instances.json';
const FLOWSHOP = 'flowshop/taillard1993/tfs001.txt';

describe.skipIf(!hasData(JSPLIB))('JSPLIB job-shop', () => {
  const meta = JSON.parse(readFileSync(dataPath(JSPLIB), 'utf8')) as { name: string; jobs: number; machines: number; path: string }[];
  const present = readdirSync(dataPath('jsplib/instances'));
  const bks = readKnownBounds(dataPath('jsplib/bks_scheduleopt.json'));

  it('reads all 82 instances with the sizes listed in instances.json', () => {
    expect(present).toHaveLength(82);
    for (const name of present) {
      const m = meta.find((x) => x.name === name);
      expect(m, name).toBeDefined();
      const inst = readInstanceFile(dataPath(`jsplib/instances/${name}`));
      expect([inst.jobs.length, inst.numMachines], name).toEqual([m!.jobs, m!.machines]);
    }
  });

  it('lower bounds never exceed the best-known makespan; dispatch schedules pass the checker', async () => {
    for (const name of present) {
      const p = problemFromInstance(readInstanceFile(dataPath(`jsplib/instances/${name}`)));
      const known = bks.get(name);
      expect(known, name).toBeDefined();
      const lb = lowerBound(p);
      expect(lb, name).toBeLessThanOrEqual(known!.upper);
      const res = await solve(p, { solver: 'dispatch', workers: 1 });
      expect(checkSchedule(p, res.schedule!).feasible, name).toBe(true);
      expect(res.objective!, name).toBeGreaterThanOrEqual(known!.lower ?? lb);
    }
  });

  it('solves every instance (default solver, short limit) with a schedule the checker accepts', async () => {
    for (const name of present) {
      const p = problemFromInstance(readInstanceFile(dataPath(`jsplib/instances/${name}`)));
      const res = await solve(p, { timeLimitMs: 300, maxIterations: 2_000, workers: 1, seed: 1 });
      expect(['feasible', 'optimal'], name).toContain(res.status);
      expect(checkSchedule(p, res.schedule!).feasible, name).toBe(true);
      expect(res.objective!, name).toBeGreaterThanOrEqual(Math.max(res.lowerBound!, bks.get(name)!.lower ?? 0));
    }
  }, 300_000);

  it.each([
    ['ft06', 55],
    ['la01', 666],
  ])('tabu search finds the optimum of %s = %i', async (name, opt) => {
    const p = problemFromInstance(readInstanceFile(dataPath(`jsplib/instances/${name}`)));
    const res = await solve(p, { timeLimitMs: 20_000, maxIterations: 30_000, workers: 1, seed: 1 });
    expect(res.objective).toBe(opt);
    expect(res.check?.feasible).toBe(true);
  });

  it('proves la05 optimal (objective meets the one-machine bound)', async () => {
    const p = problemFromInstance(readInstanceFile(dataPath('jsplib/instances/la05')));
    const res = await solve(p, { timeLimitMs: 20_000, maxIterations: 30_000, workers: 1, seed: 1 });
    expect(res.status).toBe('optimal');
    expect(res.objective).toBe(bks.get('la05')!.upper);
  });
});

describe.skipIf(!hasData(FLOWSHOP))('Taillard flow-shop', () => {
  const files = readdirSync(dataPath('flowshop/taillard1993')).filter((f) => /^tfs\d{3}\.txt$/.test(f)).sort();
  // DATASETS.md §5 size table: tfs001-010 20×5, ..., tfs111-120 500×20.
  const sizes = [[20, 5], [20, 10], [20, 20], [50, 5], [50, 10], [50, 20], [100, 5], [100, 10], [100, 20], [200, 10], [200, 20], [500, 20]];

  it('reads all 120 files as permutation flow shops of the documented sizes', () => {
    expect(files).toHaveLength(120);
    files.forEach((f, i) => {
      const inst = readInstanceFile(dataPath(`flowshop/taillard1993/${f}`), 'taillard');
      expect([inst.jobs.length, inst.numMachines], f).toEqual(sizes[Math.floor(i / 10)]);
      expect(problemTraits(problemFromInstance(inst)).flowShop).toBe(true);
    });
  });

  it('iterated greedy gets ta001 within 1 % of its best known 1278 (DATASETS.md §5)', async () => {
    const p = problemFromInstance(readInstanceFile(dataPath(FLOWSHOP)));
    const res = await solve(p, { timeLimitMs: 20_000, maxIterations: 300, workers: 1, seed: 1 });
    expect(res.solver).toBe('iterated-greedy');
    expect(res.check?.feasible).toBe(true);
    expect(res.objective!).toBeLessThanOrEqual(Math.floor(1278 * 1.01));
    expect(res.objective!).toBeGreaterThanOrEqual(res.lowerBound!);
  });

  it('solves all 120 Taillard instances (20×5 … 500×20) with schedules the checker accepts', async () => {
    expect(files).toHaveLength(120);
    for (const f of files) {
      const p = problemFromInstance(readInstanceFile(dataPath(`flowshop/taillard1993/${f}`), 'taillard'));
      const res = await solve(p, { timeLimitMs: 300, maxIterations: 20, workers: 1, seed: 1 });
      expect(['feasible', 'optimal'], f).toContain(res.status);
      expect(checkSchedule(p, res.schedule!).feasible, f).toBe(true);
      expect(res.objective!, f).toBeGreaterThanOrEqual(res.lowerBound!);
    }
  }, 600_000);
});
