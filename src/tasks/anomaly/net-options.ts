/** Option checks shared by the anomaly scorers' networks (autoencoders and the Transformer forecaster). */
import { ConfigError } from '../../core/errors.js';

/**
 * Each named option must be an integer in its inclusive range.
 * @throws ConfigError naming the first option out of range.
 */
export function assertIntRanges<T extends object>(r: T, ranges: readonly (readonly [keyof T & string, number, number])[]): void {
  for (const [k, lo, hi] of ranges) {
    const v = r[k] as unknown as number;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`${k}: expected an integer in [${lo}, ${hi}]; got ${v}.`, { option: k, value: v });
  }
}

/** @throws ConfigError unless 0 < learningRate < 1. */
export function assertLearningRate(learningRate: number): void {
  if (!(learningRate > 0 && learningRate < 1)) {
    throw new ConfigError(`learningRate: expected a number in (0, 1); got ${learningRate}.`, { option: 'learningRate', value: learningRate });
  }
}
