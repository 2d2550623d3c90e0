/**
 * Locating the real datasets in ../shared/data (see its DATASETS.md). Never copy them into the repo.
 *
 * Outside CI a missing dataset skips the real-data tests (a user's fresh machine has no ../shared);
 * with CI=true it is a failure, not a skip.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Absolute path of ../shared/data beside the repository (override with SHOPFLOOR_DATA). */
export const SHARED_DATA = process.env.SHOPFLOOR_DATA
  ? path.resolve(process.env.SHOPFLOOR_DATA)
  : path.resolve(fileURLToPath(new URL('../../../shared/data', import.meta.url)));

/** True when CI=true: a missing dataset must fail, not skip. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Absolute path of a file under ../shared/data, e.g. dataPath('ai4i2020/ai4i2020.csv'). */
export function dataPath(rel: string): string {
  return path.join(SHARED_DATA, rel);
}

/**
 * Whether the real-data tests for `rel` should run. In CI a missing file throws (test failure);
 * elsewhere it returns false so the caller can `describe.skipIf(!hasData(...))`.
 */
export function hasData(rel: string): boolean {
  const p = dataPath(rel);
  if (existsSync(p)) return true;
  if (IN_CI) throw new Error(`Real dataset missing in CI: ${p} (expected ../shared/data beside the repository)`);
  return false;
}
