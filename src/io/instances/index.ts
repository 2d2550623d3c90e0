/**
 * Scheduling instance readers: OR-Library/JSPLIB job-shop, Taillard flow-shop (job-major, as in
 * ../shared/data/flowshop), Brandimarte/Hurink `.fjs` flexible job-shop, and JSON.
 */
import { readFileSync } from 'node:fs';
import { NotFoundError } from '../../core/errors.js';
import type { InstanceFormat, SchedulingInstance } from './types.js';
import { readJsplib } from './jsplib.js';
import { readFjs } from './fjs.js';
import { readJsonInstance } from './json.js';

export type * from './types.js';
export { readJsplib, baseName } from './jsplib.js';
export type { ReadJsplibOptions } from './jsplib.js';
export { readFjs } from './fjs.js';
export { readJsonInstance } from './json.js';

/** All formats accepted by {@link readInstanceFile}. */
export const INSTANCE_FORMATS: readonly InstanceFormat[] = ['jsplib', 'taillard', 'fjs', 'json'];

/**
 * Guess a file's format from its name: `.fjs` → fjs, `.json` → json, `tfs*`/`tai*_*` → taillard,
 * anything else → jsplib.
 */
export function guessInstanceFormat(file: string): InstanceFormat {
  const b = (file.split(/[\\/]/).pop() ?? file).toLowerCase();
  if (b.endsWith('.fjs')) return 'fjs';
  if (b.endsWith('.json')) return 'json';
  if (/^tfs\d+/.test(b)) return 'taillard';
  return 'jsplib';
}

/** Parse instance text in the given format. See the individual readers for the errors thrown. */
export function parseInstance(text: string, file: string, format: InstanceFormat): SchedulingInstance {
  switch (format) {
    case 'jsplib':
      return readJsplib(text, file);
    case 'taillard':
      return readJsplib(text, file, { flowShop: true });
    case 'fjs':
      return readFjs(text, file);
    case 'json':
      return readJsonInstance(text, file);
  }
}

/**
 * Read an instance file; the format is guessed from the name unless given.
 * @throws NotFoundError when the file does not exist; DataError `SF_INSTANCE` when it is malformed.
 * @example readInstanceFile('../shared/data/jsplib/instances/ft06')
 */
export function readInstanceFile(file: string, format?: InstanceFormat): SchedulingInstance {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NotFoundError(`Instance file not found or unreadable: ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, { file });
  }
  return parseInstance(text, file, format ?? guessInstanceFormat(file));
}
export { readKnownBounds, findKnownBound, knownBoundFor } from './known-bounds.js';
export type { KnownBound } from './known-bounds.js';
