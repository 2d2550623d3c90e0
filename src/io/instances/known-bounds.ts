/**
 * Best-known bounds for benchmark instances, read from either
 * - ScheduleOpt's `bks.json` (`bks_scheduleopt.json`: `[{instance, lower_bound, upper_bound, status}]`), or
 * - JSPLIB's `instances.json` (`[{name, optimum, bounds?: {upper, lower}}]`), or
 * - a plain map `{"upper": {"tfs001": 1278, ...}, "lower"?: {...}}` (e.g. bench/flowshop-bks.json).
 * Names are matched as given, then with ScheduleOpt's `js` suffix for Taillard job-shop instances.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { instanceError } from './tokens.js';

/** A best-known upper bound (and lower bound when known) for one instance. */
export interface KnownBound {
  readonly instance: string;
  readonly upper: number;
  readonly lower: number | null;
  /** True when upper = lower (proven optimum). */
  readonly closed: boolean;
  /** The file it came from. */
  readonly source: string;
}

/**
 * Read a bounds file into a map keyed by instance name.
 * @throws DataError `SF_INSTANCE` when the file is not one of the two formats.
 */
export function readKnownBounds(file: string): Map<string, KnownBound> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw instanceError(file, null, `expected a JSON bounds file (bks_scheduleopt.json or instances.json): ${(e as Error).message}`);
  }
  const out = new Map<string, KnownBound>();
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && typeof (data as { upper?: unknown }).upper === 'object') {
    const { upper, lower } = data as { upper: Record<string, unknown>; lower?: Record<string, unknown> };
    for (const [name, ub] of Object.entries(upper)) {
      if (typeof ub !== 'number') throw instanceError(file, null, `upper.${name}: expected a number, got ${JSON.stringify(ub)}.`);
      const lb = lower?.[name];
      const lo = typeof lb === 'number' ? lb : null;
      out.set(name, { instance: name, upper: ub, lower: lo, closed: lo === ub, source: file });
    }
    return out;
  }
  if (!Array.isArray(data)) throw instanceError(file, null, 'expected a JSON array of bound records or an object {upper: {instance: value}}.');
  data.forEach((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) throw instanceError(file, null, `record ${i}: expected an object.`);
    const rec = r as Record<string, unknown>;
    if (typeof rec.instance === 'string' && typeof rec.upper_bound === 'number') {
      const lower = typeof rec.lower_bound === 'number' ? rec.lower_bound : null;
      out.set(rec.instance, { instance: rec.instance, upper: rec.upper_bound, lower, closed: lower === rec.upper_bound, source: file });
    } else if (typeof rec.name === 'string') {
      const bounds = rec.bounds as { upper?: unknown; lower?: unknown } | undefined;
      if (typeof rec.optimum === 'number') out.set(rec.name, { instance: rec.name, upper: rec.optimum, lower: rec.optimum, closed: true, source: file });
      else if (bounds && typeof bounds.upper === 'number') {
        out.set(rec.name, { instance: rec.name, upper: bounds.upper, lower: typeof bounds.lower === 'number' ? bounds.lower : null, closed: false, source: file });
      }
    } else {
      throw instanceError(file, null, `record ${i}: expected {instance, upper_bound, lower_bound} (ScheduleOpt) or {name, optimum, bounds} (JSPLIB).`);
    }
  });
  return out;
}

/** Look up an instance by name (also tries the `js` suffix ScheduleOpt uses for ta01..ta80). */
export function findKnownBound(bounds: ReadonlyMap<string, KnownBound>, name: string): KnownBound | null {
  return bounds.get(name) ?? bounds.get(`${name}js`) ?? null;
}

/**
 * Bounds for an instance file: from `bksFile` when given, else from an `instances.json` beside the
 * file or its parent folder (the JSPLIB layout). Returns null when nothing is known.
 */
export function knownBoundFor(instanceFile: string, name: string, bksFile?: string): KnownBound | null {
  if (bksFile) return findKnownBound(readKnownBounds(bksFile), name);
  const dir = path.dirname(path.resolve(instanceFile));
  for (const cand of [path.join(dir, 'instances.json'), path.join(dir, '..', 'instances.json')]) {
    try {
      return findKnownBound(readKnownBounds(cand), name);
    } catch {
      // No (readable) sibling file: try the next place.
    }
  }
  return null;
}
