/**
 * Production scheduling: job-shop, flexible job-shop and permutation flow-shop.
 *
 * @example
 * import { readInstanceFile } from '../../io/instances/index.js';
 * import { problemFromInstance, solve } from './index.js';
 * const problem = problemFromInstance(readInstanceFile('ft06'));
 * const res = await solve(problem, { timeLimitMs: 5000, seed: 1 });
 */
export * from './model.js';
export { solve, startSolve, solveSingle, chooseSolver, pinnedConflict, snapshotToSchedule, SOLVER_NAMES } from './solve.js';
export type { SolveOptions, SolveResult, SolveStatus, SolveProgress, SolverName, SolveHandle, Incumbent, StopReason } from './solve.js';
export { checkSchedule } from './checker.js';
export type { Schedule, ScheduledOperation, CheckResult } from './checker.js';
export { lowerBound, jacksonPreemptive } from './bounds.js';
export { dispatch, bestDispatch, DISPATCH_RULES } from './dispatch.js';
export type { DispatchRule } from './dispatch.js';
export { neh, iteratedGreedy, flowShopMakespan } from './flowshop.js';
export type { FlowShopData, IteratedGreedyOptions } from './flowshop.js';
export { tabuSearch, criticalPath, criticalBlocks } from './tabu.js';
export { ScheduleState } from './evaluator.js';
export { renderGanttHtml, jobColour } from './gantt.js';
export type { GanttOptions } from './gantt.js';
export { scheduleToJson, scheduleToCsv, SCHEDULE_FORMAT_VERSION } from './export.js';
