import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { numericColumn, Table } from '../core/table.js';
import { PairwiseCrosses } from './interactions.js';

describe('PairwiseCrosses', () => {
  const t = new Table([numericColumn('a', [1, 2, NaN]), numericColumn('b', [3, 4, 5]), numericColumn('c', [0, 1, 2])]);
  it('adds products and differences of every pair, NaN in → NaN out', () => {
    const x = new PairwiseCrosses({ columns: ['a', 'b', 'c'] });
    const out = x.apply(t);
    expect(x.outputNames).toEqual(['a*b', 'a-b', 'a*c', 'a-c', 'b*c', 'b-c']);
    expect(Array.from(out.numeric('a*b'))).toEqual([3, 8, NaN]);
    expect(Array.from(out.numeric('b-c'))).toEqual([3, 3, 3]);
    expect(out.names.slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect(t.names).toEqual(['a', 'b', 'c']); // input untouched
  });
  it('round-trips through JSON and rejects bad options', () => {
    const x = new PairwiseCrosses({ columns: ['a', 'c'], ops: ['ratio'] });
    const y = PairwiseCrosses.fromJSON(JSON.parse(JSON.stringify(x.toJSON())));
    expect(Array.from(y.apply(t).numeric('a/c'))).toEqual([NaN, 2, NaN]);
    expect(() => new PairwiseCrosses({ columns: ['a'] })).toThrow(ConfigError);
    expect(() => new PairwiseCrosses({ columns: ['a', 'b'], ops: ['sum' as 'product'] })).toThrow(ConfigError);
  });
});
