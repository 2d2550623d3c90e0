/**
 * Option validation shared by the simulators. Every check throws a ConfigError that names the
 * option, the allowed range and the value found (../shared/GUIDE.md, "Errors and bad input").
 */
import { ConfigError, assertNumberInRange } from '../core/errors.js';

/** Throw a ConfigError unless `value` is an integer in [min, max]; returns it. */
export function assertIntegerInRange(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${option}: expected an integer in [${min}, ${max}]; got ${String(value)}.`, {
      option,
      value,
      min,
      max,
    });
  }
  return value;
}

/** Throw a ConfigError unless `value` is a finite number in [min, max]; returns it. */
export function assertFiniteInRange(option: string, value: number, min: number, max: number): number {
  return assertNumberInRange(option, value, min, max);
}

/** Throw a ConfigError unless `lo <= hi` (both already range-checked). */
export function assertOrdered(option: string, lo: number, hi: number): void {
  if (lo > hi) {
    throw new ConfigError(`${option}: expected [min, max] with min <= max; got [${lo}, ${hi}].`, {
      option,
      value: [lo, hi],
    });
  }
}

/** Default start of every simulated clock: 2024-01-01T00:00:00Z in epoch milliseconds. */
export const DEFAULT_START_MS = Date.UTC(2024, 0, 1);

/** Largest seed accepted (seeds are 32-bit integers, negatives allowed). */
export const MAX_SEED = 2 ** 31 - 1;

/** Validate a seed: an integer in [-(2^31), 2^31 - 1]. */
export function assertSeed(value: number): number {
  return assertIntegerInRange('seed', value, -(2 ** 31), MAX_SEED);
}

/** Round to `digits` decimals (half away from zero), as the published datasets do. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.sign(x) * Math.round(Math.abs(x) * f) / f;
}

/** Drop keys whose value is undefined so they do not override defaults. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
