import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../core/errors.js';
import { categoricalColumn, numericColumn, Table } from '../core/table.js';
import { Imputer } from './imputer.js';
import { OneHotEncoder } from './one-hot.js';
import { TabularPipeline } from './pipeline.js';
import { MinMaxScaler, StandardScaler } from './scalers.js';
import { transformerFromJSON } from './saved.js';

const t = new Table([numericColumn('a', [1, NaN, 3]), categoricalColumn('c', ['x', 'y', 'x'])]);

describe('transformerFromJSON', () => {
  it('reads each kind back as its own class', () => {
    const steps = [
      new Imputer().fit(t),
      new StandardScaler().fit(t),
      new MinMaxScaler().fit(t),
      new OneHotEncoder().fit(t),
      new TabularPipeline({ features: ['a', 'c'] }).fit(t),
    ];
    for (const s of steps) {
      const back = transformerFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
      expect(back.constructor).toBe(s.constructor);
      expect(back.toJSON()).toEqual(s.toJSON());
    }
  });

  it('names the known kinds for an unknown one', () => {
    expect(() => transformerFromJSON({ kind: 'robust-scaler' })).toThrow(ModelFormatError);
    expect(() => transformerFromJSON(null)).toThrow(/known kinds: imputer, standard-scaler/);
  });
});
