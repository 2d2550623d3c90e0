import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../core/errors.js';
import { categoricalColumn, numericColumn, Table } from '../core/table.js';
import { matrix, type Matrix } from './matrix.js';
import { MinMaxScaler, StandardScaler } from './scalers.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
/** A random n × m matrix with n ≥ 1. */
const matrices = fc
  .record({ n: fc.integer({ min: 1, max: 20 }), m: fc.integer({ min: 1, max: 5 }) })
  .chain(({ n, m }) => fc.array(finite, { minLength: n * m, maxLength: n * m }).map((xs) => matrix(xs, n, m)));

/** Every |a − b| within tol relative to max(1, |b|); one assertion with the worst index. */
function closeTo(a: Float64Array, b: Float64Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = -1;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs((a[i] as number) - (b[i] as number)) <= tol * Math.max(1, Math.abs(b[i] as number)))) worst = i;
  }
  expect(worst === -1 ? 'all close' : `index ${worst}: ${a[worst]} vs ${b[worst]}`).toBe('all close');
}

describe('StandardScaler', () => {
  it('scales each feature with its own mean and std (not one global pair)', () => {
    const m = matrix([1, 100, 2, 200, 3, 300], 3, 2);
    const s = new StandardScaler().fit(m);
    expect([...s.mean]).toEqual([2, 200]);
    closeTo(s.scale, new Float64Array([Math.sqrt(2 / 3), 100 * Math.sqrt(2 / 3)]), 1e-12);
    const z = s.transform(m).data;
    // Both columns become the same standardised vector.
    closeTo(z, new Float64Array([-1.224744871391589, -1.224744871391589, 0, 0, 1.224744871391589, 1.224744871391589]), 1e-12);
  });

  it('maps a constant feature to 0 without dividing by zero', () => {
    const z = new StandardScaler().fitTransform(matrix([5, 1, 5, 2, 5, 3], 3, 2));
    expect([z.data[0], z.data[2], z.data[4]]).toEqual([0, 0, 0]);
    expect(z.data.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('transforms test rows with the training statistics', () => {
    const train = new Table([numericColumn('a', [0, 10])]);
    const test = new Table([numericColumn('a', [5, 20, 1000])]);
    const s = new StandardScaler().fit(train);
    expect([...s.transform(test).numeric('a')]).toEqual([0, 3, 199]);
  });

  it('ignores NaN when fitting and keeps it through transform', () => {
    const s = new StandardScaler().fit(matrix([1, NaN, 3], 3, 1));
    expect(s.mean[0]).toBe(2);
    expect(Number.isNaN(s.transform(matrix([NaN], 1, 1)).data[0])).toBe(true);
  });

  it('inverseTransform(transform(x)) ≈ x (property)', () => {
    fc.assert(
      fc.property(matrices, (m) => {
        const s = new StandardScaler().fit(m);
        closeTo(s.inverseTransform(s.transform(m)).data, m.data, 1e-9);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it('transformed training features have mean 0 and std 1 or 0 (property)', () => {
    fc.assert(
      fc.property(matrices, (m) => {
        const z = new StandardScaler().fitTransform(m);
        for (let j = 0; j < m.nCols; j++) {
          let mu = 0;
          for (let i = 0; i < m.nRows; i++) mu += z.data[i * m.nCols + j] as number;
          mu /= m.nRows;
          let v = 0;
          for (let i = 0; i < m.nRows; i++) v += ((z.data[i * m.nCols + j] as number) - mu) ** 2;
          const sd = Math.sqrt(v / m.nRows);
          expect(Math.abs(mu)).toBeLessThan(1e-6);
          expect(Math.abs(sd - 1) < 1e-6 || sd < 1e-6).toBe(true);
        }
      }),
      { seed: 2, numRuns: 200 },
    );
  });

  it('replaces only the chosen table columns and leaves the input untouched', () => {
    const a = Float64Array.from([1, 2, 3]);
    const t = new Table([numericColumn('a', a, 'K'), numericColumn('b', [4, 5, 6]), categoricalColumn('c', ['x', 'y', 'x'])]);
    const out = new StandardScaler({ columns: ['a'] }).fitTransform(t);
    expect([...a]).toEqual([1, 2, 3]);
    expect(out.names).toEqual(['a', 'b', 'c']);
    expect(out.column('a').unit).toBe('K');
    expect([...out.numeric('b')]).toEqual([4, 5, 6]);
    expect(out.numeric('a')[1]).toBe(0);
  });

  it('round-trips through JSON with identical output', () => {
    const m = matrix([1, 4, 2, 8, 7, 1], 3, 2);
    const s = new StandardScaler({ withMean: false }).fit(m);
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.transform(m).data).toEqual(s.transform(m).data);
    expect(s.toJSON().formatVersion).toBe(1);
  });

  it('rejects misuse: transform before fit, wrong width, all-missing column, bad saved state', () => {
    expect(() => new StandardScaler().transform(matrix([1], 1, 1))).toThrow(NotFittedError);
    const s = new StandardScaler().fit(matrix([1, 2], 1, 2));
    expect(() => s.transform(matrix([1], 1, 1))).toThrow(/2 columns/);
    expect(() => new StandardScaler().fit(new Table([numericColumn('t', [NaN, NaN])]))).toThrow(/'t' has no non-missing/);
    expect(() => new StandardScaler().fit(new Table([numericColumn('t', [NaN])]))).toThrow(DataError);
    expect(() => StandardScaler.fromJSON({ ...s.toJSON(), formatVersion: 99 })).toThrow(ModelFormatError);
    expect(() => StandardScaler.fromJSON({ ...s.toJSON(), scale: [1, 0] })).toThrow(ModelFormatError);
    expect(() => StandardScaler.fromJSON({ ...s.toJSON(), kind: 'minmax-scaler' })).toThrow(/expected kind 'standard-scaler'/);
    expect(() => new StandardScaler({ columns: ['a', 'a'] })).toThrow(ConfigError);
  });
});

describe('MinMaxScaler', () => {
  it('maps each feature to the range with its own min and max', () => {
    const s = new MinMaxScaler().fit(matrix([0, 10, 5, 30, 10, 20], 3, 2));
    expect([...s.transform(matrix([5, 20, 20, 40], 2, 2)).data]).toEqual([0.5, 0.5, 2, 1.5]);
  });

  it('clips when asked, maps constant features to the lower bound', () => {
    const s = new MinMaxScaler({ featureRange: [-1, 1], clip: true }).fit(matrix([0, 3, 10, 3], 2, 2));
    expect([...s.transform(matrix([20, 3, -5, 3], 2, 2)).data]).toEqual([1, -1, -1, -1]);
  });

  it('inverseTransform(transform(x)) ≈ x (property)', () => {
    fc.assert(
      fc.property(matrices, fc.double({ min: -5, max: 5, noNaN: true }), (m: Matrix, lo: number) => {
        const s = new MinMaxScaler({ featureRange: [lo, lo + 2] }).fit(m);
        const y = s.transform(m);
        expect(y.data.every((v) => v >= lo - 1e-9)).toBe(true);
        closeTo(s.inverseTransform(y).data, m.data, 1e-9);
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  it('round-trips through JSON with identical output', () => {
    const m = matrix([1, 4, 2, 8, 7, 1], 3, 2);
    const s = new MinMaxScaler({ featureRange: [2, 3] }).fit(m);
    const back = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.transform(m).data).toEqual(s.transform(m).data);
  });

  it('rejects invalid options and use before fit', () => {
    expect(() => new MinMaxScaler({ featureRange: [1, 1] })).toThrow(/featureRange/);
    expect(() => new MinMaxScaler({ featureRange: [0, NaN] })).toThrow(ConfigError);
    expect(() => new MinMaxScaler().inverseTransform(matrix([1], 1, 1))).toThrow(NotFittedError);
  });
});
