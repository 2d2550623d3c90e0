import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { CROSS_FIT_FOLDS, crossFitOf, makeEstimator } from './candidates.js';

describe('failure-model candidates', () => {
  it('gbdt cross-fits with 5 folds by default, the other models train once; crossFitFolds overrides and is not passed to the model', () => {
    expect(CROSS_FIT_FOLDS.gbdt).toBe(5);
    expect(crossFitOf('gbdt')).toEqual({ crossFitFolds: 5, estimatorOptions: {} });
    expect(crossFitOf('mlp')).toEqual({ crossFitFolds: 0, estimatorOptions: {} });
    expect(crossFitOf('gbdt', { crossFitFolds: 0, maxLeaves: 7 })).toEqual({ crossFitFolds: 0, estimatorOptions: { maxLeaves: 7 } });
    expect(crossFitOf('gbdt', { crossFitFolds: 10 }).crossFitFolds).toBe(10);
    // the remaining options construct the model (an unknown option would throw there)
    expect(() => makeEstimator('gbdt', 2, 1, crossFitOf('gbdt', { crossFitFolds: 3, maxLeaves: 7 }).estimatorOptions)).not.toThrow();
  });

  it('rejects bad crossFitFolds values, and cross-fitting a neural model', () => {
    for (const v of [1, 21, 2.5, -1, '5']) expect(() => crossFitOf('gbdt', { crossFitFolds: v })).toThrow(/'crossFitFolds'.*0 .*\[2, 20\]/);
    expect(() => crossFitOf('mlp', { crossFitFolds: 5 })).toThrow(ConfigError);
    expect(crossFitOf('mlp', { crossFitFolds: 0 }).crossFitFolds).toBe(0);
  });
});
