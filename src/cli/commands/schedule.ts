/**
 * `shopfloor schedule`: solve a job-shop, flexible job-shop or flow-shop instance file and write the
 * schedule (JSON, CSV) and a Gantt chart (HTML/SVG).
 */
import { mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { INSTANCE_FORMATS, knownBoundFor, readInstanceFile, type InstanceFormat } from '../../io/instances/index.js';
import {
  problemFromInstance,
  renderGanttHtml,
  scheduleToCsv,
  scheduleToJson,
  solve,
  SOLVER_NAMES,
  type Objective,
  type SolverName,
} from '../../tasks/scheduling/index.js';
import type { CommandSpec } from '../command.js';

/** Write a file atomically: a temp file in the same folder, then rename (GUIDE: nothing half-written). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Relative gap in percent, 100·(value − reference)/reference; null when the reference is 0 and value is not. */
function gapPct(value: number, reference: number): number | null {
  if (reference === 0) return value === 0 ? 0 : null;
  return (100 * (value - reference)) / reference;
}

/** The `schedule` subcommand. Register it in `src/cli/commands/index.ts`. */
export const scheduleCommand: CommandSpec = {
  name: 'schedule',
  summary: 'Solve a job-shop / flexible job-shop / flow-shop instance; write schedule.json, schedule.csv, gantt.html',
  help: [
    'Examples:',
    '  shopfloor schedule --instance ../shared/data/jsplib/instances/ft10 --time-limit 10 --out out/ft10',
    '  shopfloor schedule --instance ../shared/data/flowshop/taillard1993/tfs001.txt --format taillard --time-limit 5',
    '  shopfloor schedule --instance plant.json --objective weighted-tardiness --time-limit 30 --json',
    '',
    'Formats: jsplib (OR-Library standard), taillard (flow-shop, job-major as in ../shared/data), fjs',
    '(Brandimarte/Hurink flexible job-shop), json (release/due/weights/setups/unavailability/pins and',
    'precedences between operations of different jobs, with lags).',
    'The gap to a known bound uses --bks FILE (bks_scheduleopt.json or instances.json), else an',
    'instances.json beside the instance file or in its parent folder.',
    '',
    'Ctrl-C (or SIGTERM) stops the search early: the best schedule found so far is written and reported',
    "(exit 0, stopReason 'cancelled').",
  ].join('\n'),
  seeded: true,
  options: [
    { name: 'instance', type: 'string', required: true, description: 'Instance file' },
    { name: 'format', type: 'string', choices: INSTANCE_FORMATS, description: 'Instance format (default: from the file name: .fjs, .json, tfs*, else jsplib)' },
    { name: 'objective', type: 'string', choices: ['makespan', 'weighted-tardiness'], description: "Objective (default: the instance's, else makespan)" },
    { name: 'time-limit', type: 'number', default: 10, min: 0, max: 86_400, description: 'Wall-clock time limit in seconds' },
    { name: 'workers', type: 'integer', min: 1, max: 64, description: 'Worker threads with different seeds (default: number of cores, max 8)' },
    { name: 'solver', type: 'string', choices: SOLVER_NAMES, default: 'auto', description: 'auto | tabu | iterated-greedy | dispatch' },
    { name: 'bks', type: 'string', description: 'Known-bounds file (bks_scheduleopt.json or instances.json) for the gap' },
    { name: 'out', type: 'string', description: 'Output folder for schedule.json, schedule.csv, gantt.html' },
  ],
  async run(opts, ctx) {
    const file = String(opts.instance);
    const format = opts.format === undefined ? undefined : (String(opts.format) as InstanceFormat);
    const inst = readInstanceFile(file, format);
    const objective = opts.objective === undefined ? undefined : (String(opts.objective) as Objective);
    const problem = problemFromInstance(inst, objective);
    const timeLimitS = Number(opts['time-limit'] ?? 10);
    if (!Number.isFinite(timeLimitS) || timeLimitS < 0) throw new ConfigError(`--time-limit: expected seconds >= 0, got ${String(opts['time-limit'])}.`, { option: 'time-limit' });
    const known = problem.objective === 'makespan' ? knownBoundFor(file, problem.name, opts.bks === undefined ? undefined : String(opts.bks)) : null;
    // Ctrl-C (SIGINT) or SIGTERM stops the search; the best schedule so far is then written as usual.
    const abort = new AbortController();
    let interrupted: string | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      interrupted = sig;
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    ctx.info(`solving ${problem.name} for up to ${timeLimitS} s (Ctrl-C stops and keeps the best schedule so far)`);
    const bar = ctx.progress(`schedule ${problem.name}`, Math.max(1, Math.round(timeLimitS * 1000)));
    let best: number | null = null;
    let res: Awaited<ReturnType<typeof solve>>;
    try {
      res = await solve(problem, {
        timeLimitMs: timeLimitS * 1000,
        seed: ctx.seed,
        ...(opts.workers !== undefined ? { workers: Number(opts.workers) } : {}),
        solver: String(opts.solver ?? 'auto') as SolverName,
        signal: abort.signal,
        onProgress: (e) => {
          best = e.objective;
          bar.update(e.elapsedMs, `best ${e.objective} (lb ${e.lowerBound})`);
        },
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    bar.done(best === null ? undefined : `best ${String(best)}`);
    if (interrupted) ctx.warn(`${String(interrupted)} received: search stopped after ${(res.runtimeMs / 1000).toFixed(1)} s; keeping the best schedule found so far.`);
    const gapLb = res.objective !== null && res.lowerBound !== null ? gapPct(res.objective, res.lowerBound) : null;
    const gapKnown = res.objective !== null && known ? gapPct(res.objective, known.upper) : null;
    const files: string[] = [];
    if (opts.out !== undefined && res.schedule) {
      const dir = path.resolve(String(opts.out));
      mkdirSync(dir, { recursive: true });
      const meta = {
        status: res.status,
        objective: res.objective,
        lowerBound: res.lowerBound,
        runtimeMs: res.runtimeMs,
        stopReason: res.stopReason,
        solver: res.solver,
        seed: ctx.seed,
        timeLimitMs: timeLimitS * 1000,
        knownBound: known ? { upper: known.upper, lower: known.lower, closed: known.closed } : null,
      };
      const summary = [
        `status ${res.status} (${res.stopReason})`,
        `lower bound ${res.lowerBound ?? '-'}`,
        ...(known ? [`best known ${known.upper}${gapKnown !== null ? ` (gap ${gapKnown.toFixed(2)} %)` : ''}`] : []),
        `solver ${res.solver}, ${(res.runtimeMs / 1000).toFixed(1)} s`,
      ];
      const outputs: [string, string][] = [
        ['schedule.json', JSON.stringify(scheduleToJson(problem, res.schedule, meta), null, 2) + '\n'],
        ['schedule.csv', scheduleToCsv(problem, res.schedule)],
        ['gantt.html', renderGanttHtml(problem, res.schedule, { summary })],
      ];
      for (const [name, text] of outputs) {
        const f = path.join(dir, name);
        writeAtomic(f, text);
        files.push(f);
      }
    } else if (opts.out !== undefined) {
      ctx.warn(`no schedule to write (status ${res.status}).`);
    }
    const result = {
      instance: problem.name,
      jobs: problem.jobs.length,
      machines: problem.numMachines,
      operations: problem.ops.length,
      objectiveKind: problem.objective,
      status: res.status,
      stopReason: res.stopReason,
      objective: res.objective,
      lowerBound: res.lowerBound,
      gapToLowerBoundPct: gapLb,
      knownBound: known ? { upper: known.upper, lower: known.lower, closed: known.closed, source: known.source } : null,
      gapToKnownPct: gapKnown,
      solver: res.solver,
      workers: res.workers,
      iterations: res.iterations,
      runtimeMs: res.runtimeMs,
      verified: res.check?.feasible ?? false,
      ...(res.reason ? { reason: res.reason } : {}),
      files,
    };
    const lines = [
      `instance      ${problem.name} (${problem.jobs.length} jobs × ${problem.numMachines} machines, ${problem.ops.length} operations)`,
      `status        ${res.status}${res.reason ? ` (${res.reason})` : ''}, stopped: ${res.stopReason}`,
      `${problem.objective === 'makespan' ? 'makespan    ' : 'weighted tardiness'}  ${res.objective ?? '-'}`,
      `lower bound   ${res.lowerBound ?? '-'}${gapLb !== null ? ` (gap ${gapLb.toFixed(2)} %)` : ''}`,
      ...(known ? [`best known    ${known.upper}${known.closed ? ' (optimal)' : ''}${gapKnown !== null ? ` (gap ${gapKnown.toFixed(2)} %)` : ''}`] : []),
      `solver        ${res.solver}, ${res.workers} worker(s), ${res.iterations} iterations, ${(res.runtimeMs / 1000).toFixed(2)} s`,
      `verified      ${res.check?.feasible ? 'yes (independent checker)' : 'no schedule'}`,
      ...files.map((f) => `wrote         ${f}`),
    ];
    ctx.result(result, lines.join('\n'));
  },
};
