/**
 * Schedule exports: a versioned JSON document and a flat CSV (one row per operation).
 */
import type { Schedule } from './checker.js';
import type { ProblemData } from './model.js';

/** Format version of {@link scheduleToJson} output. */
export const SCHEDULE_FORMAT_VERSION = 1;

/** Extra facts stored with an exported schedule. */
export interface ScheduleMeta {
  readonly status?: string;
  readonly objective?: number | null;
  readonly lowerBound?: number | null;
  readonly runtimeMs?: number;
  readonly [key: string]: unknown;
}

/** The JSON document written as `schedule.json`. */
export function scheduleToJson(p: ProblemData, s: Schedule, meta: ScheduleMeta = {}): Record<string, unknown> {
  return {
    format: 'shopfloor-schedule',
    version: SCHEDULE_FORMAT_VERSION,
    instance: p.name,
    objectiveKind: p.objective,
    makespan: s.makespan,
    weightedTardiness: s.weightedTardiness,
    ...meta,
    operations: s.operations.map((o) => ({
      job: o.job,
      jobName: p.jobs[o.job]?.name ?? `J${o.job}`,
      index: o.index,
      machine: o.machine,
      machineName: p.machineNames[o.machine] ?? `M${o.machine}`,
      start: o.start,
      end: o.end,
    })),
  };
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with header `job,job_name,operation,machine,machine_name,start,end,duration`. */
export function scheduleToCsv(p: ProblemData, s: Schedule): string {
  const rows = ['job,job_name,operation,machine,machine_name,start,end,duration'];
  for (const o of s.operations) {
    rows.push([o.job, p.jobs[o.job]?.name ?? `J${o.job}`, o.index, o.machine, p.machineNames[o.machine] ?? `M${o.machine}`, o.start, o.end, o.end - o.start].map(csvCell).join(','));
  }
  return rows.join('\n') + '\n';
}
