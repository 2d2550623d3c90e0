import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../core/errors.js';
import { categoricalColumn, numericColumn, Table, type CategoricalColumn } from '../core/table.js';
import { Imputer } from './imputer.js';
import { matrix } from './matrix.js';

const train = new Table([
  numericColumn('a', [1, NaN, 3, 10]),
  numericColumn('b', [2, 2, NaN, 5]),
  categoricalColumn('type', ['L', 'M', null, 'M']),
  categoricalColumn('id', ['u1', null, 'u3', 'u4'], 'id'),
]);

function labels(c: CategoricalColumn): (string | null)[] {
  return [...c.codes].map((k) => (k < 0 ? null : (c.categories[k] as string)));
}

describe('Imputer', () => {
  it.each([
    ['mean', 14 / 3],
    ['median', 3],
    ['constant', 0],
  ] as const)('fills numeric columns with the training %s', (strategy, fill) => {
    const out = new Imputer({ strategy }).fit(train).transform(train);
    expect(out.numeric('a')[1]).toBeCloseTo(fill, 12);
  });

  it('most-frequent: ties go to the smallest value; categorical columns get the mode', () => {
    const imp = new Imputer({ strategy: 'most-frequent' }).fit(train);
    expect(imp.fillValues).toEqual([1, 2, 'M']);
    const out = imp.transform(train);
    expect(labels(out.column('type') as CategoricalColumn)).toEqual(['L', 'M', 'M', 'M']);
    // id columns are not imputed by default.
    expect((out.column('id') as CategoricalColumn).codes[1]).toBe(-1);
  });

  it('per-column strategies, including a new constant category', () => {
    const imp = new Imputer({
      strategy: 'median',
      perColumn: { b: { strategy: 'constant', fillValue: -1 }, type: { strategy: 'constant', fillValue: 'unknown' } },
    }).fit(train);
    const out = imp.transform(train);
    expect([...out.numeric('a')]).toEqual([1, 3, 3, 10]);
    expect([...out.numeric('b')]).toEqual([2, 2, -1, 5]);
    expect(labels(out.column('type') as CategoricalColumn)).toEqual(['L', 'M', 'unknown', 'M']);
  });

  it('fills test rows with training statistics, without mutating the input', () => {
    const test = new Table([numericColumn('a', [NaN, 100]), numericColumn('b', [NaN, NaN]), categoricalColumn('type', [null, 'H'])]);
    const before = test.numeric('a').slice();
    const out = new Imputer({ strategy: 'mean', columns: ['a', 'b', 'type'] }).fit(train).transform(test);
    expect(out.numeric('a')[0]).toBeCloseTo(14 / 3, 12);
    expect(out.numeric('b')[0]).toBe(3);
    expect(labels(out.column('type') as CategoricalColumn)).toEqual(['M', 'H']);
    expect(test.numeric('a')).toEqual(before);
  });

  it('works on matrices column by column', () => {
    const m = matrix([1, NaN, NaN, 4, 3, 8], 3, 2);
    const out = new Imputer({ strategy: 'mean' }).fitTransform(m);
    expect([...out.data]).toEqual([1, 6, 2, 4, 3, 8]);
  });

  it('round-trips through JSON with identical output', () => {
    const imp = new Imputer({ strategy: 'median' }).fit(train);
    const back = Imputer.fromJSON(JSON.parse(JSON.stringify(imp.toJSON())));
    const a = imp.transform(train);
    const b = back.transform(train);
    expect(b.numeric('a')).toEqual(a.numeric('a'));
    expect((b.column('type') as CategoricalColumn).codes).toEqual((a.column('type') as CategoricalColumn).codes);
    expect(() => Imputer.fromJSON({ ...imp.toJSON(), fills: 3 })).toThrow(ModelFormatError);
  });

  it('rejects bad options and impossible fits with clear errors', () => {
    expect(() => new Imputer({ strategy: 'avg' as 'mean' })).toThrow(/mean, median, most-frequent, constant/);
    expect(() => new Imputer({ fillValue: NaN })).toThrow(ConfigError);
    expect(() => new Imputer({ perColumn: { type: { strategy: 'mean' } } }).fit(train)).toThrow(/'type' is categorical/);
    expect(() => new Imputer({ perColumn: { nope: { strategy: 'mean' } } }).fit(train)).toThrow(/'nope'/);
    expect(() => new Imputer().fit(new Table([numericColumn('x', [NaN, NaN])]))).toThrow(DataError);
    expect(() => new Imputer().transform(train)).toThrow(NotFittedError);
  });
});
