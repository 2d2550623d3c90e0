/**
 * Option validation shared by the neural estimators: every bad value throws a ConfigError naming the
 * option, the allowed range and the value received (../../../../shared/GUIDE.md, "Errors").
 */
import { ConfigError, assertNumberInRange, assertOneOf } from '../../core/errors.js';

/** An integer option within [min, max]. */
export function intOption(owner: string, name: string, value: number | undefined, dflt: number, min: number, max: number): number {
  const v = value ?? dflt;
  const option = `${owner}.${name}`;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${option}: expected an integer in [${min}, ${max}]; got ${String(v)}.`, { option, value: v, min, max });
  }
  return v;
}

/** A number option within [min, max] (inclusive). */
export function numOption(owner: string, name: string, value: number | undefined, dflt: number, min: number, max: number): number {
  return assertNumberInRange(`${owner}.${name}`, value ?? dflt, min, max);
}

/** A number option within (min, max]: the lower bound is excluded (learning rates, …). */
export function positiveOption(owner: string, name: string, value: number | undefined, dflt: number, max: number): number {
  const v = value ?? dflt;
  const option = `${owner}.${name}`;
  if (!Number.isFinite(v) || v <= 0 || v > max) {
    throw new ConfigError(`${option}: expected a number in (0, ${max}]; got ${String(v)}.`, { option, value: v, min: 0, max });
  }
  return v;
}

/** One of a list of strings. */
export function enumOption<T extends string>(owner: string, name: string, value: string | undefined, dflt: T, allowed: readonly T[]): T {
  return assertOneOf(`${owner}.${name}`, value ?? dflt, allowed);
}

/** A boolean option. */
export function boolOption(owner: string, name: string, value: unknown, dflt: boolean): boolean {
  const v = value ?? dflt;
  if (typeof v !== 'boolean') {
    throw new ConfigError(`${owner}.${name}: expected true or false; got ${String(v)}.`, { option: `${owner}.${name}`, value: String(v) });
  }
  return v;
}

/** A non-empty list of integers within [min, max] (layer sizes). */
export function intListOption(
  owner: string,
  name: string,
  value: readonly number[] | undefined,
  dflt: readonly number[],
  min: number,
  max: number,
  minLength = 1,
): number[] {
  const v = value ?? dflt;
  const option = `${owner}.${name}`;
  if (!Array.isArray(v) || v.length < minLength || v.length > 16 || v.some((u) => !Number.isInteger(u) || u < min || u > max)) {
    throw new ConfigError(
      `${option}: expected ${minLength}–16 integers each in [${min}, ${max}]; got ${JSON.stringify(v)}.`,
      { option, value: v as unknown, min, max },
    );
  }
  return [...v];
}
