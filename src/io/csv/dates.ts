/**
 * Timestamp parsing for plant exports: ISO 8601 (`2018-01-01`, `2018-01-01T00:15:00Z`,
 * `2018-01-01 00:15:00.250+01:00`) and day-first or month-first numeric dates (`01/02/2018 00:15`,
 * `1.2.2018`, `01-02-2018 00:15:30`). Times without an offset are taken as UTC: exports rarely say
 * their zone, and guessing the reader's local zone would make results depend on the machine.
 */

export type DateOrder = 'dmy' | 'mdy';

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;

/** True when text looks like a date in one of the supported forms (ignores validity of values). */
export function looksLikeDate(text: string): boolean {
  return ISO.test(text) || NUMERIC.test(text);
}

/**
 * Which order numeric dates in `samples` use: 'dmy' when a first part exceeds 12, 'mdy' when a second
 * part does, undefined when no sample decides it (the caller picks a default and says so).
 */
export function detectDateOrder(samples: readonly string[]): DateOrder | undefined {
  let dmy = false;
  let mdy = false;
  for (const s of samples) {
    const m = NUMERIC.exec(s);
    if (!m) continue;
    if (Number(m[1]) > 12) dmy = true;
    if (Number(m[3]) > 12) mdy = true;
  }
  if (dmy && !mdy) return 'dmy';
  if (mdy && !dmy) return 'mdy';
  return undefined;
}

/** Parse a timestamp to epoch milliseconds; NaN when the text is not a valid date. */
export function parseDate(text: string, order: DateOrder = 'dmy'): number {
  let m = ISO.exec(text);
  if (m) {
    return build(+m[1]!, +m[2]!, +m[3]!, m[4], m[5], m[6], m[7], m[8]);
  }
  m = NUMERIC.exec(text);
  if (m) {
    const a = +m[1]!;
    const b = +m[3]!;
    const [day, month] = order === 'dmy' ? [a, b] : [b, a];
    return build(+m[4]!, month, day, m[5], m[6], m[7], m[8], undefined);
  }
  return NaN;
}

function build(
  y: number,
  mo: number,
  d: number,
  hh: string | undefined,
  mi: string | undefined,
  ss: string | undefined,
  frac: string | undefined,
  tz: string | undefined,
): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  const h = hh ? +hh : 0;
  const min = mi ? +mi : 0;
  const s = ss ? +ss : 0;
  if (h > 24 || min > 59 || s > 60) return NaN;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(y, mo - 1, d, h, min, s, ms);
  // Reject 31/02 etc.: Date.UTC rolls over silently.
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return NaN;
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    t -= sign * offMin * 60000;
  }
  return t;
}

/** Epoch ms → ISO 8601 UTC text (for writing files and reports). */
export function formatDate(ms: number): string {
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}
