/**
 * Reader for the OR-Library / JSPLIB "standard" job-shop format (tamy0612/JSPLIB; Beasley, OR-Library),
 * also used by the Taillard flow-shop files in ../shared/data/flowshop (job-major, DATASETS.md §5):
 *
 * ```
 * # optional comment lines
 * n m
 * m0 p0 m1 p1 ...   (one line per job, m pairs `machine time`, machines 0-based)
 * ```
 */
import type { InstanceJob, SchedulingInstance } from './types.js';
import { instanceError, parseNonNegInt, tokenLines } from './tokens.js';

/** Options of {@link readJsplib}. */
export interface ReadJsplibOptions {
  /** Name used in messages and stored in the instance (default: the file name). */
  readonly name?: string;
  /**
   * Require a permutation flow shop: every job visits machines 0..m-1 in order (Taillard files).
   * Default false.
   */
  readonly flowShop?: boolean;
}

/**
 * Parse a job-shop instance in the standard OR-Library/JSPLIB format.
 * @param text file contents
 * @param file file path, used in error messages
 * @throws DataError `SF_INSTANCE` naming file:line, what was expected and what was found.
 * @example readJsplib('2 2\n0 3 1 2\n1 4 0 1\n', 'tiny.txt')
 */
export function readJsplib(text: string, file: string, opts: ReadJsplibOptions = {}): SchedulingInstance {
  const lines = tokenLines(text);
  const head = lines[0];
  if (!head) throw instanceError(file, null, 'expected a header line `n m` (jobs, machines), got an empty file.');
  if (head.tokens.length !== 2) {
    throw instanceError(file, head.line, `expected a header line \`n m\` with 2 integers, got ${head.tokens.length} tokens: '${head.tokens.join(' ')}'.`);
  }
  const n = parseNonNegInt(file, head.line, head.tokens[0], 'the number of jobs n');
  const m = parseNonNegInt(file, head.line, head.tokens[1], 'the number of machines m');
  if (n < 1 || m < 1) throw instanceError(file, head.line, `expected n >= 1 and m >= 1, got n=${n}, m=${m}.`);
  if (lines.length - 1 < n) {
    throw instanceError(file, null, `expected ${n} job lines after the header, found ${lines.length - 1}.`);
  }
  if (lines.length - 1 > n) {
    const extra = lines[n + 1];
    throw instanceError(file, extra?.line ?? null, `expected ${n} job lines after the header, found more (extra data starts here).`);
  }
  const jobs: InstanceJob[] = [];
  for (let j = 0; j < n; j++) {
    const l = lines[j + 1] as (typeof lines)[number];
    if (l.tokens.length !== 2 * m) {
      throw instanceError(file, l.line, `job ${j}: expected ${2 * m} integers (${m} pairs 'machine time'), got ${l.tokens.length}.`);
    }
    const seen = new Set<number>();
    const ops = [];
    for (let k = 0; k < m; k++) {
      const machine = parseNonNegInt(file, l.line, l.tokens[2 * k], `job ${j} operation ${k} machine`);
      const duration = parseNonNegInt(file, l.line, l.tokens[2 * k + 1], `job ${j} operation ${k} processing time`);
      if (machine >= m) throw instanceError(file, l.line, `job ${j} operation ${k}: machine ${machine} out of range 0..${m - 1}.`);
      if (seen.has(machine)) throw instanceError(file, l.line, `job ${j}: machine ${machine} appears twice; expected each machine once per job.`);
      if (opts.flowShop && machine !== k) {
        throw instanceError(file, l.line, `job ${j} operation ${k}: a flow-shop file must visit machines 0..${m - 1} in order, got machine ${machine}.`);
      }
      seen.add(machine);
      ops.push({ modes: [{ machine, duration }] });
    }
    jobs.push({ name: `J${j}`, operations: ops });
  }
  return { version: 1, name: opts.name ?? baseName(file), format: opts.flowShop ? 'taillard' : 'jsplib', numMachines: m, jobs };
}

/** File name without directory and extension. */
export function baseName(file: string): string {
  const b = file.split(/[\\/]/).pop() ?? file;
  return b.replace(/\.(txt|fjs|json|jss|jsp)$/i, '');
}
