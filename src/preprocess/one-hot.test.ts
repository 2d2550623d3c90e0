import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, NotFittedError } from '../core/errors.js';
import { categoricalColumn, numericColumn, Table } from '../core/table.js';
import { OneHotEncoder } from './one-hot.js';

const train = new Table([numericColumn('x', [1, 2, 3, 4]), categoricalColumn('type', ['M', 'L', 'H', 'L'])]);

describe('OneHotEncoder', () => {
  it('learns sorted training categories and replaces the column in place', () => {
    const enc = new OneHotEncoder().fit(train);
    expect(enc.featureNames).toEqual(['type=H', 'type=L', 'type=M']);
    const out = enc.transform(train);
    expect(out.names).toEqual(['x', 'type=H', 'type=L', 'type=M']);
    expect([...out.numeric('type=L')]).toEqual([0, 1, 0, 1]);
    expect([...enc.encode(train).data]).toEqual([0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
  });

  it('only uses categories present in the training rows, matched by string', () => {
    // The dictionary holds 'H' but no training row has it.
    const full = new Table([categoricalColumn('type', ['H', 'L', 'M', 'L'])]);
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(full.take([1, 2]));
    expect(enc.featureNames).toEqual(['type=L', 'type=M']);
    // A separately read table with a different dictionary order encodes the same way.
    const test = new Table([categoricalColumn('type', ['M', 'H', 'L'])]);
    expect([...enc.encode(test).data]).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it("handleUnknown 'error' names the column and the value", () => {
    const enc = new OneHotEncoder().fit(train);
    const test = new Table([numericColumn('x', [1]), categoricalColumn('type', ['XL'])]);
    expect(() => enc.transform(test)).toThrow(DataError);
    expect(() => enc.transform(test)).toThrow(/column 'type' has category 'XL'/);
  });

  it('handles missing values as zeros, an indicator column, or an error', () => {
    const t = new Table([categoricalColumn('type', ['L', null, 'M'])]);
    expect([...new OneHotEncoder().fit(t).encode(t).data]).toEqual([1, 0, 0, 0, 0, 1]);
    const ind = new OneHotEncoder({ handleMissing: 'indicator' }).fit(t);
    expect(ind.featureNames).toEqual(['type=L', 'type=M', 'type=<missing>']);
    expect([...ind.encode(t).data]).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(() => new OneHotEncoder({ handleMissing: 'error' }).fit(t)).toThrow(/missing value/);
  });

  it('round-trips through JSON with identical output', () => {
    const enc = new OneHotEncoder({ handleUnknown: 'ignore', handleMissing: 'indicator' }).fit(train);
    const back = OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(back.featureNames).toEqual(enc.featureNames);
    expect(back.encode(train).data).toEqual(enc.encode(train).data);
  });

  it('rejects bad options, numeric columns and use before fit', () => {
    expect(() => new OneHotEncoder({ handleUnknown: 'skip' as 'ignore' })).toThrow(ConfigError);
    expect(() => new OneHotEncoder({ columns: ['x'] }).fit(train)).toThrow(/'x' is numeric/);
    expect(() => new OneHotEncoder().transform(train)).toThrow(NotFittedError);
  });
});
