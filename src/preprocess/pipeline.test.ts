import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, NotFittedError } from '../core/errors.js';
import { categoricalColumn, numericColumn, Table } from '../core/table.js';
import { TabularPipeline } from './pipeline.js';

const table = new Table([
  numericColumn('temp', [300, 302, NaN, 310, 1000]),
  numericColumn('torque', [40, 50, 60, NaN, 0]),
  categoricalColumn('type', ['L', 'M', 'L', null, 'H']),
  categoricalColumn('uid', ['a', 'b', 'c', 'd', 'e'], 'id'),
]);
const trainRows = [0, 1, 2, 3];

describe('TabularPipeline', () => {
  it('imputes, scales and one-hot encodes, in feature order', () => {
    const p = new TabularPipeline({ features: ['temp', 'type', 'torque'], handleUnknown: 'ignore' });
    const s = p.fit(table, trainRows).transform(table, trainRows);
    expect(p.featureNames).toEqual(['temp', 'type=L', 'type=M', 'torque']);
    expect(s.n).toBe(4);
    expect(s.shape).toEqual([4]);
    expect(s.x).toBeInstanceOf(Float32Array);
    // Row 1: temp (302 − 304) / std, type=M, torque (50 − 50) / std = 0.
    const tempMean = (300 + 302 + 310) / 3;
    const tempVals = [300, 302, tempMean, 310];
    const tempStd = Math.sqrt(tempVals.reduce((a, v) => a + (v - tempMean) ** 2, 0) / 4);
    expect(s.x[4]).toBeCloseTo((302 - tempMean) / tempStd, 5);
    expect([...s.x.subarray(4, 8)].slice(1)).toEqual([0, 1, 0]);
    // Row 3: missing type → zeros.
    expect([...s.x.subarray(13, 15)]).toEqual([0, 0]);
    expect(s.x.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('transforms test rows with training statistics (fit on train only)', () => {
    const p = new TabularPipeline({ features: ['temp'], scaler: 'minmax' }).fit(table, trainRows);
    const test = p.transform(table, [4]);
    // Training min 300, max 310 → 1000 maps far above 1 rather than to 1.
    expect(test.x[0]).toBeCloseTo(70, 5);
    const refit = new TabularPipeline({ features: ['temp'], scaler: 'minmax' }).fit(table);
    expect(refit.transform(table, [4]).x[0]).toBe(1);
  });

  it("unseen category: 'error' names column and value; 'ignore' gives zeros", () => {
    const strict = new TabularPipeline({ features: ['type'] }).fit(table, trainRows);
    expect(() => strict.transform(table, [4])).toThrow(DataError);
    expect(() => strict.transform(table, [4])).toThrow(/'type' has category 'H'/);
    const lax = new TabularPipeline({ features: ['type'], handleUnknown: 'ignore', handleMissing: 'indicator' }).fit(table, trainRows);
    expect([...lax.transform(table, [4, 3]).x]).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('gives identical output after toJSON → fromJSON (property over row subsets)', () => {
    const p = new TabularPipeline({ features: ['temp', 'torque', 'type'], numericImpute: 'median', categoricalImpute: 'most-frequent', handleUnknown: 'ignore' });
    p.fit(table, trainRows);
    const back = TabularPipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(back.featureNames).toEqual(p.featureNames);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 10 }), (rows) => {
        expect(back.transform(table, rows).x).toEqual(p.transform(table, rows).x);
      }),
      { seed: 21, numRuns: 50 },
    );
  });

  it('does not mutate the input table', () => {
    const before = table.numeric('temp').slice();
    new TabularPipeline({ features: ['temp', 'type'], handleUnknown: 'ignore' }).fitTransform(table);
    expect(table.numeric('temp')).toEqual(before);
  });

  it('rejects invalid options and misuse', () => {
    expect(() => new TabularPipeline({ features: [] })).toThrow(ConfigError);
    expect(() => new TabularPipeline({ features: ['a', 'a'] })).toThrow(/listed twice/);
    expect(() => new TabularPipeline({ features: ['a'], scaler: 'robust' as 'none' })).toThrow(/standard, minmax, none/);
    expect(() => new TabularPipeline({ features: ['a'], scaler: 'minmax', featureRange: [1, 0] })).toThrow(/featureRange/);
    expect(() => new TabularPipeline({ features: [{ name: 'temp', kind: 'categorical' }] }).fit(table)).toThrow(/declared categorical/);
    expect(() => new TabularPipeline({ features: ['tmp'] }).fit(table)).toThrow(/Did you mean 'temp'/);
    expect(() => new TabularPipeline({ features: ['temp'] }).transform(table)).toThrow(NotFittedError);
  });
});
