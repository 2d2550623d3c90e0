import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `name` by edit distance (case-insensitive), or undefined when nothing is
 * reasonably close (distance above half the name's length) — a bad suggestion is worse than none.
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let d = distance(lower, cl);
    if (cl.startsWith(lower) || lower.startsWith(cl)) d = Math.min(d, 1);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.ceil(name.length / 2)) ? best : undefined;
}
