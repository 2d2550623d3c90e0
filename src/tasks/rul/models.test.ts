import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { checkMembers, createMember, parseMembers, defaultMemberOptions, defaultMemberWindow, inputOf, meanPrediction, memberInput } from './models.js';

describe('RUL model zoo', () => {
  it('checks ensemble members (repeats allowed as a seeded bag)', () => {
    expect(checkMembers(['gbdt', 'gbdt', 'cnn1d'])).toEqual(['gbdt', 'gbdt', 'cnn1d']);
    expect(() => checkMembers(['gbdt', 'ensemble'])).toThrow(ConfigError);
    expect(() => checkMembers([])).toThrow(ConfigError);
  });
  it('parses members with a channel suffix for networks only', () => {
    expect(parseMembers(['gbdt', 'cnn1d:all', 'cnn1d:sensors', 'lstm'])).toEqual([{ name: 'gbdt' }, { name: 'cnn1d', channels: 'all' }, { name: 'cnn1d', channels: 'sensors' }, { name: 'lstm' }]);
    expect(checkMembers(['gbdt', 'cnn1d:all'])).toEqual(['gbdt', 'cnn1d']);
    expect(() => parseMembers(['gbdt:all'])).toThrow(/gbdt takes no channel suffix/);
    expect(() => parseMembers(['cnn1d:history'])).toThrow(/expected cnn1d:sensors or cnn1d:all/);
    expect(() => parseMembers(['cnn1d:all:x'])).toThrow(ConfigError);
    expect(() => parseMembers(['svm:all'])).toThrow(/is not a model/);
  });
  it('averages predictions', () => {
    expect(Array.from(meanPrediction([Float64Array.from([1, 2]), Float64Array.from([3, 6])]))).toEqual([2, 4]);
  });
  it('gives trees window features and nets raw windows', () => {
    const w = { x: new Float32Array(2 * 3 * 4), n: 2, shape: [3, 4] };
    expect(inputOf('gbdt')).toBe('window-features');
    expect(inputOf('gbdt', 'stats')).toBe('window-stats');
    expect(inputOf('cnn1d')).toBe('windows');
    expect(memberInput('window-stats', w).shape).toEqual([14 * 4]);
    expect(memberInput('window-features', w).shape).toEqual([20]);
    expect(memberInput('windows', w)).toBe(w);
    expect(defaultMemberWindow('gbdt')).toBe(30);
    expect(defaultMemberWindow('cnn1d')).toBe(30);
  });
  it('lets a member read the last steps of a longer shared window', () => {
    // 1 window of 3 steps × 2 features: rows [0,1], [2,3], [4,5].
    const w = { x: Float32Array.from([0, 1, 2, 3, 4, 5]), n: 1, shape: [3, 2] };
    const s = memberInput('windows', w, 2);
    expect(s.shape).toEqual([2, 2]);
    expect(Array.from(s.x)).toEqual([2, 3, 4, 5]);
    expect(memberInput('windows', w, 3)).toBe(w);
  });
  it('builds every single model with its defaults', () => {
    for (const name of ['gbdt', 'cnn1d', 'lstm', 'gru', 'transformer'] as const) {
      const m = createMember(name, defaultMemberOptions(name, { seed: 1 }));
      expect(m.task).toBe('regression');
    }
    expect(defaultMemberOptions('lstm', { seed: 1, init: 'torch' }).init).toBe('torch');
    expect(defaultMemberOptions('transformer', { seed: 1, init: 'torch' }).init).toBeUndefined();
    expect(createMember('transformer', defaultMemberOptions('transformer', { seed: 1, dModel: 64, heads: 8, layers: 3 })).kind).toBe('transformer');
  });
});

describe('memberInput with history channels', () => {
  it('trees read sensor statistics plus the last value of each history channel; nets read the sensors', () => {
    // 1 window, 3 steps, 2 sensors + 1 history channel.
    const w = { x: Float32Array.from([1, 2, 100, 3, 4, 101, 5, 6, 102]), n: 1, shape: [3, 3] };
    const f = memberInput('window-features', w, undefined, 2);
    expect(f.shape).toEqual([11]);
    expect(Array.from(f.x.subarray(0, 5))).toEqual([5, 3, 2, 1, 5]); // sensor 1: last, mean, slope, min, max
    expect(f.x[10]).toBe(102);
    const n = memberInput('windows', w, 2, 2);
    expect(n.shape).toEqual([2, 2]);
    expect(Array.from(n.x)).toEqual([3, 4, 5, 6]);
  });
});

describe("memberInput with --net-inputs 'all'", () => {
  it('nets read every channel (sensors, then history) of the last steps; trees are unaffected', () => {
    // 1 window, 3 steps, 2 sensors + 1 history channel.
    const w = { x: Float32Array.from([1, 2, 100, 3, 4, 101, 5, 6, 102]), n: 1, shape: [3, 3] };
    const a = memberInput('windows', w, 2, 2, 'all');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.x)).toEqual([3, 4, 101, 5, 6, 102]);
    expect(memberInput('windows', w, undefined, 2, 'all')).toBe(w);
    expect(memberInput('windows', w, 2, 2, 'sensors').shape).toEqual([2, 2]);
    expect(Array.from(memberInput('window-features', w, undefined, 2, 'all').x)).toEqual(Array.from(memberInput('window-features', w, undefined, 2).x));
  });
});
