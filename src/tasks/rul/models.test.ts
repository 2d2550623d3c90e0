import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { checkMembers, createMember, defaultMemberOptions, inputOf, meanPrediction, memberInput } from './models.js';

describe('RUL model zoo', () => {
  it('checks ensemble members (repeats allowed as a seeded bag)', () => {
    expect(checkMembers(['gbdt', 'gbdt', 'cnn1d'])).toEqual(['gbdt', 'gbdt', 'cnn1d']);
    expect(() => checkMembers(['gbdt', 'ensemble'])).toThrow(ConfigError);
    expect(() => checkMembers([])).toThrow(ConfigError);
  });
  it('averages predictions', () => {
    expect(Array.from(meanPrediction([Float64Array.from([1, 2]), Float64Array.from([3, 6])]))).toEqual([2, 4]);
  });
  it('gives trees window features and nets raw windows', () => {
    const w = { x: new Float32Array(2 * 3 * 4), n: 2, shape: [3, 4] };
    expect(inputOf('gbdt')).toBe('window-features');
    expect(memberInput('window-features', w).shape).toEqual([20]);
    expect(memberInput('windows', w)).toBe(w);
  });
  it('builds every single model with its defaults', () => {
    for (const name of ['gbdt', 'cnn1d', 'lstm', 'gru', 'transformer'] as const) {
      const m = createMember(name, defaultMemberOptions(name, { seed: 1 }));
      expect(m.task).toBe('regression');
    }
    expect(createMember('transformer', defaultMemberOptions('transformer', { seed: 1, dModel: 64, heads: 8, layers: 3 })).kind).toBe('transformer');
  });
});
