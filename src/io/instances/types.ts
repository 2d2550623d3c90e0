/**
 * The plain, format-neutral description of a scheduling instance that every reader in this folder
 * returns. It is also the JSON instance format (`--format json`), so `problemToInstance` in
 * `src/tasks/scheduling/model.ts` and `readJsonInstance` round-trip. The scheduling task turns it into a
 * validated, immutable `ProblemData` (`problemFromInstance`).
 *
 * Conventions: machines and jobs are 0-based; times are non-negative integers in the instance's own
 * time unit (the standard benchmark files have no unit).
 */

/** Source format of an instance file. */
export type InstanceFormat = 'jsplib' | 'taillard' | 'fjs' | 'json';

/** One way to process an operation: on `machine`, taking `duration`. */
export interface InstanceMode {
  readonly machine: number;
  readonly duration: number;
}

/** One operation of a job; one mode for a classic job-shop, several for a flexible job-shop. */
export interface InstanceOperation {
  readonly modes: readonly InstanceMode[];
  /** Fixed machine and start time (re-planning: operations already running or committed). */
  readonly pinned?: { readonly machine: number; readonly start: number };
}

/** A job: a chain of operations processed in the given order (its routing). */
export interface InstanceJob {
  readonly name?: string;
  readonly operations: readonly InstanceOperation[];
  /** Earliest start of the first operation (default 0). */
  readonly release?: number;
  /** Due date for the tardiness objective (default: none, i.e. never tardy). */
  readonly due?: number;
  /** Weight for the tardiness objective (default 1). */
  readonly weight?: number;
}

/** Sequence-dependent setup times on one machine: `times[a][b]` between a job-a and a job-b operation. */
export interface InstanceSetup {
  readonly machine: number;
  readonly times: readonly (readonly number[])[];
}

/** A machine is down in [start, end): no operation may be processed across it. */
export interface InstanceUnavailability {
  readonly machine: number;
  readonly start: number;
  readonly end: number;
}

/** Operation `after` starts at least `lag` (default 0) after operation `before` ends; jobs may differ. */
export interface InstancePrecedence {
  readonly before: { readonly job: number; readonly index: number };
  readonly after: { readonly job: number; readonly index: number };
  readonly lag?: number;
}

/** A scheduling instance as read from a file. */
export interface SchedulingInstance {
  /** Format version of the JSON form. */
  readonly version?: 1;
  readonly name: string;
  readonly format?: InstanceFormat;
  readonly numMachines: number;
  readonly machineNames?: readonly string[];
  readonly jobs: readonly InstanceJob[];
  readonly setups?: readonly InstanceSetup[];
  readonly unavailability?: readonly InstanceUnavailability[];
  /** Precedences between operations beyond the job routings (e.g. of different jobs: assembly). */
  readonly precedences?: readonly InstancePrecedence[];
  readonly objective?: 'makespan' | 'weighted-tardiness';
}
