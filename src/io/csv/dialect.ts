/**
 * Dialect sniffing: delimiter, header, decimal separator — from the first bytes of a file, the way a
 * person would look at it. Every guess can be overridden by an option, and the guesses are returned
 * so the CLI can say what it assumed.
 */
import type { Delimiter } from './tokenizer.js';
import { NOT_A_NUMBER } from './number.js';

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|'];

/** Split sample text into non-empty lines (any line ending), dropping a trailing partial line. */
export function sampleLines(text: string, complete: boolean, max = 50): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (!complete && lines.length > 1) lines.pop();
  return lines.filter((l) => l.trim().length > 0).slice(0, max);
}

function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQ = !inQ;
    else if (!inQ && c === ch) n++;
  }
  return n;
}

/**
 * Guess the delimiter: the candidate that appears the same non-zero number of times on every sample
 * line (most occurrences wins); else runs of whitespace when every line splits into the same number
 * of tokens (C-MAPSS style); else a comma (single-column file).
 */
export function sniffDelimiter(lines: readonly string[]): Delimiter {
  let best: Delimiter | undefined;
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const first = counts[0] ?? 0;
    if (first > 0 && counts.every((c) => c === first) && first > bestCount) {
      best = d;
      bestCount = first;
    }
  }
  if (best) return best;
  const tokenCounts = lines.map((l) => l.trim().split(/[ \t]+/).length);
  const t0 = tokenCounts[0] ?? 0;
  if (t0 > 1 && tokenCounts.every((c) => c === t0)) return 'whitespace';
  // Inconsistent counts (ragged rows, quoted newlines): take the most frequent candidate overall.
  for (const d of CANDIDATES) {
    const total = lines.reduce((s, l) => s + countOutsideQuotes(l, d), 0);
    if (total > bestCount) {
      best = d;
      bestCount = total;
    }
  }
  return best ?? ',';
}

const NUM_POINT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const NUM_COMMA = /^\s*[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?\s*$/;
const INF = /^\s*[+-]?inf(inity)?\s*$/i;

/**
 * The number in `text` (with the given decimal separator), or NOT_A_NUMBER. Accepts exactly what
 * `parseNumberBytes` accepts and returns the same value (both are correctly rounded).
 */
export function parseNumberText(text: string, decimal: '.' | ','): number | typeof NOT_A_NUMBER {
  if ((decimal === ',' ? NUM_COMMA : NUM_POINT).test(text)) return Number(decimal === ',' ? text.replace(',', '.') : text);
  if (INF.test(text)) return text.includes('-') ? -Infinity : Infinity;
  return NOT_A_NUMBER;
}

/** True when the text is a number (with the given decimal separator). */
export function isNumberText(text: string, decimal: '.' | ','): boolean {
  return parseNumberText(text, decimal) !== NOT_A_NUMBER;
}

/** Split a header name into name and unit: `Torque [Nm]` → {Torque, Nm}; `CO2(tCO2)` → {CO2, tCO2}. */
export function splitUnit(raw: string): { name: string; unit?: string } {
  const t = raw.trim();
  const m = /^(.*?\S)\s*(?:\[([^\]]+)\]|\(([^()]+)\))$/.exec(t);
  if (m) {
    const unit = (m[2] ?? m[3] ?? '').trim();
    if (unit.length > 0) return { name: m[1] as string, unit };
  }
  return { name: t };
}
