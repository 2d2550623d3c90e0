/**
 * Reader for the JSON instance format: a {@link SchedulingInstance} object (`version: 1`). This is the
 * only format that carries release dates, due dates and weights, setup times, unavailability windows,
 * pinned operations and precedences between operations (also of different jobs, with a lag). Shape
 * errors name the JSON path (e.g. `jobs[2].operations[0].modes`); semantic checks (machine ranges,
 * windows, pins, precedence cycles) are done once more by the problem builder.
 */
import type { SchedulingInstance } from './types.js';
import { baseName } from './jsplib.js';
import { instanceError } from './tokens.js';

type Json = unknown;

function isObj(v: Json): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse a JSON scheduling instance.
 * @throws DataError `SF_INSTANCE` with file:line for syntax errors and the JSON path for shape errors.
 * @example readJsonInstance('{"name":"t","numMachines":1,"jobs":[{"operations":[{"modes":[{"machine":0,"duration":3}]}]}]}', 't.json')
 */
export function readJsonInstance(text: string, file: string): SchedulingInstance {
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : null;
    throw instanceError(file, line, `invalid JSON: ${msg}`);
  }
  const fail = (path: string, expected: string, got: unknown): never => {
    throw instanceError(file, null, `${path}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}.`, { path });
  };
  const int = (path: string, x: unknown): number => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : fail(path, 'a non-negative integer', x));
  const num = (path: string, x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : fail(path, 'a finite number', x));
  const arr = (path: string, x: unknown): unknown[] => (Array.isArray(x) ? x : fail(path, 'an array', x));
  if (!isObj(v)) return fail('(root)', 'an object {name, numMachines, jobs}', v);
  if (v.version !== undefined && v.version !== 1) fail('version', '1', v.version);
  const numMachines = int('numMachines', v.numMachines);
  const jobs = arr('jobs', v.jobs).map((j, ji) => {
    const p = `jobs[${ji}]`;
    if (!isObj(j)) return fail(p, 'an object {operations}', j);
    const operations = arr(`${p}.operations`, j.operations).map((o, oi) => {
      const po = `${p}.operations[${oi}]`;
      if (!isObj(o)) return fail(po, 'an object {modes}', o);
      const modes = arr(`${po}.modes`, o.modes).map((md, mi) => {
        const pm = `${po}.modes[${mi}]`;
        if (!isObj(md)) return fail(pm, 'an object {machine, duration}', md);
        return { machine: int(`${pm}.machine`, md.machine), duration: int(`${pm}.duration`, md.duration) };
      });
      let pinned: { machine: number; start: number } | undefined;
      if (o.pinned !== undefined) {
        if (!isObj(o.pinned)) return fail(`${po}.pinned`, 'an object {machine, start}', o.pinned);
        pinned = { machine: int(`${po}.pinned.machine`, o.pinned.machine), start: int(`${po}.pinned.start`, o.pinned.start) };
      }
      return pinned ? { modes, pinned } : { modes };
    });
    return {
      ...(typeof j.name === 'string' ? { name: j.name } : {}),
      operations,
      ...(j.release !== undefined ? { release: int(`${p}.release`, j.release) } : {}),
      ...(j.due !== undefined ? { due: num(`${p}.due`, j.due) } : {}),
      ...(j.weight !== undefined ? { weight: num(`${p}.weight`, j.weight) } : {}),
    };
  });
  const setups = v.setups === undefined ? undefined : arr('setups', v.setups).map((s, si) => {
    if (!isObj(s)) return fail(`setups[${si}]`, 'an object {machine, times}', s);
    return {
      machine: int(`setups[${si}].machine`, s.machine),
      times: arr(`setups[${si}].times`, s.times).map((row, a) => arr(`setups[${si}].times[${a}]`, row).map((x, b) => int(`setups[${si}].times[${a}][${b}]`, x))),
    };
  });
  const unavailability = v.unavailability === undefined ? undefined : arr('unavailability', v.unavailability).map((u, ui) => {
    if (!isObj(u)) return fail(`unavailability[${ui}]`, 'an object {machine, start, end}', u);
    return { machine: int(`unavailability[${ui}].machine`, u.machine), start: int(`unavailability[${ui}].start`, u.start), end: int(`unavailability[${ui}].end`, u.end) };
  });
  const ref = (path: string, x: unknown): { job: number; index: number } => {
    if (!isObj(x)) return fail(path, 'an object {job, index}', x);
    return { job: int(`${path}.job`, x.job), index: int(`${path}.index`, x.index) };
  };
  const precedences = v.precedences === undefined ? undefined : arr('precedences', v.precedences).map((pr, i) => {
    const pp = `precedences[${i}]`;
    if (!isObj(pr)) return fail(pp, 'an object {before: {job, index}, after: {job, index}, lag?}', pr);
    return { before: ref(`${pp}.before`, pr.before), after: ref(`${pp}.after`, pr.after), ...(pr.lag !== undefined ? { lag: int(`${pp}.lag`, pr.lag) } : {}) };
  });
  let objective: SchedulingInstance['objective'];
  if (v.objective !== undefined) {
    if (v.objective !== 'makespan' && v.objective !== 'weighted-tardiness') fail('objective', "'makespan' or 'weighted-tardiness'", v.objective);
    objective = v.objective as SchedulingInstance['objective'];
  }
  let machineNames: string[] | undefined;
  if (v.machineNames !== undefined) {
    machineNames = arr('machineNames', v.machineNames).map((x, i) => (typeof x === 'string' ? x : fail(`machineNames[${i}]`, 'a string', x)));
  }
  return {
    version: 1,
    name: typeof v.name === 'string' ? v.name : baseName(file),
    format: 'json',
    numMachines,
    ...(machineNames ? { machineNames } : {}),
    jobs,
    ...(setups ? { setups } : {}),
    ...(unavailability ? { unavailability } : {}),
    ...(precedences ? { precedences } : {}),
    ...(objective ? { objective } : {}),
  };
}
