/**
 * Reader for the flexible job-shop `.fjs` format of Brandimarte (1993) and Hurink, Jurisch & Thole
 * (1994), as distributed by Behnke & Geiger (2012):
 *
 * ```
 * n m [average machines per operation]
 * k  (q m1 p1 m2 p2 ... mq pq) x k      one line per job: k operations, each with q eligible machines
 * ```
 * Machines are 1-based in the file and 0-based in the returned instance.
 */
import type { InstanceJob, InstanceMode, InstanceOperation, SchedulingInstance } from './types.js';
import { baseName } from './jsplib.js';
import { instanceError, parseNonNegInt, tokenLines } from './tokens.js';

/**
 * Parse a flexible job-shop instance in `.fjs` format.
 * @throws DataError `SF_INSTANCE` naming file:line, what was expected and what was found.
 * @example readFjs('1 2 1.5\n2 2 1 3 2 4 1 2 5\n', 'tiny.fjs')
 */
export function readFjs(text: string, file: string, opts: { readonly name?: string } = {}): SchedulingInstance {
  const lines = tokenLines(text);
  const head = lines[0];
  if (!head) throw instanceError(file, null, 'expected a header line `n m [avg]`, got an empty file.');
  if (head.tokens.length < 2 || head.tokens.length > 3) {
    throw instanceError(file, head.line, `expected a header \`n m [average machines per operation]\`, got '${head.tokens.join(' ')}'.`);
  }
  const n = parseNonNegInt(file, head.line, head.tokens[0], 'the number of jobs n');
  const m = parseNonNegInt(file, head.line, head.tokens[1], 'the number of machines m');
  if (n < 1 || m < 1) throw instanceError(file, head.line, `expected n >= 1 and m >= 1, got n=${n}, m=${m}.`);
  if (head.tokens[2] !== undefined && !Number.isFinite(Number(head.tokens[2]))) {
    throw instanceError(file, head.line, `expected the average number of machines per operation (a number), got '${head.tokens[2]}'.`);
  }
  if (lines.length - 1 < n) throw instanceError(file, null, `expected ${n} job lines after the header, found ${lines.length - 1}.`);
  if (lines.length - 1 > n) throw instanceError(file, lines[n + 1]?.line ?? null, `expected ${n} job lines after the header, found more (extra data starts here).`);
  const jobs: InstanceJob[] = [];
  for (let j = 0; j < n; j++) {
    const l = lines[j + 1] as (typeof lines)[number];
    const t = l.tokens;
    let pos = 0;
    const k = parseNonNegInt(file, l.line, t[pos++], `job ${j}: the number of operations`);
    if (k < 1) throw instanceError(file, l.line, `job ${j}: expected at least one operation, got 0.`);
    const ops: InstanceOperation[] = [];
    for (let o = 0; o < k; o++) {
      const q = parseNonNegInt(file, l.line, t[pos++], `job ${j} operation ${o}: the number of eligible machines`);
      if (q < 1) throw instanceError(file, l.line, `job ${j} operation ${o}: expected at least one eligible machine, got 0.`);
      const modes: InstanceMode[] = [];
      for (let a = 0; a < q; a++) {
        const mach = parseNonNegInt(file, l.line, t[pos++], `job ${j} operation ${o}: machine number (1..${m})`);
        const dur = parseNonNegInt(file, l.line, t[pos++], `job ${j} operation ${o}: processing time`);
        if (mach < 1 || mach > m) throw instanceError(file, l.line, `job ${j} operation ${o}: machine ${mach} out of range 1..${m} (.fjs machines are 1-based).`);
        if (modes.some((md) => md.machine === mach - 1)) throw instanceError(file, l.line, `job ${j} operation ${o}: machine ${mach} listed twice.`);
        modes.push({ machine: mach - 1, duration: dur });
      }
      ops.push({ modes });
    }
    if (pos !== t.length) {
      throw instanceError(file, l.line, `job ${j}: expected ${pos} integers for ${k} operations, got ${t.length} (trailing '${t.slice(pos).join(' ')}').`);
    }
    jobs.push({ name: `J${j}`, operations: ops });
  }
  return { version: 1, name: opts.name ?? baseName(file), format: 'fjs', numMachines: m, jobs };
}
