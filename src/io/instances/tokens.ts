/**
 * Line-aware integer tokenizer shared by the instance readers, so every error names file:line, what was
 * expected and what was found (../shared/GUIDE.md, "Errors and bad input").
 */
import { DataError } from '../../core/errors.js';

/** One non-empty, non-comment line split into whitespace-separated tokens. */
export interface TokenLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly tokens: readonly string[];
}

/** Split text into non-empty lines of tokens, dropping `#` comment lines. */
export function tokenLines(text: string, commentPrefix = '#'): TokenLine[] {
  const out: TokenLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith(commentPrefix)) continue;
    out.push({ line: i + 1, tokens: raw.split(/\s+/) });
  }
  return out;
}

/** Throw an `SF_INSTANCE` DataError located at `file:line`. */
export function instanceError(file: string, line: number | null, message: string, details: Record<string, unknown> = {}): DataError {
  const where = line === null ? file : `${file}:${line}`;
  return new DataError('SF_INSTANCE', `${where}: ${message}`, { file, line, ...details });
}

/** Parse a non-negative integer token or throw a located error naming `what`. */
export function parseNonNegInt(file: string, line: number, token: string | undefined, what: string): number {
  if (token === undefined) throw instanceError(file, line, `expected ${what} (a non-negative integer), got end of line.`);
  if (!/^\d+$/.test(token)) throw instanceError(file, line, `expected ${what} (a non-negative integer), got '${token}'.`);
  return Number(token);
}
