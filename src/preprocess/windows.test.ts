import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../core/errors.js';
import { categoricalColumn, numericColumn, Table } from '../core/table.js';
import { lastWindows, seriesFromTable, slidingWindows, type SeriesData } from './windows.js';

/**
 * Units 'a' (4 rows) and 'b' (2 rows), interleaved and out of time order. Feature 0 encodes
 * unit·100 + time so that each step can be traced back.
 */
const data: SeriesData = {
  values: [102, 1, 201, 2, 101, 1, 103, 1, 104, 1, 202, 2],
  nFeatures: 2,
  units: ['a', 'b', 'a', 'a', 'a', 'b'],
  time: [2, 1, 1, 3, 4, 2],
  targets: [2, 1, 3, 1, 0, 0],
};

function steps(x: Float32Array, k: number, w: number, d: number): number[] {
  return Array.from({ length: w }, (_, t) => x[k * w * d + t * d] as number);
}

describe('slidingWindows', () => {
  it('windows within each unit in time order, target at the window end', () => {
    const r = slidingWindows(data, { windowSize: 2 });
    expect(r.samples.shape).toEqual([2, 2]);
    expect(r.samples.n).toBe(4);
    expect([0, 1, 2, 3].map((k) => steps(r.samples.x, k, 2, 2))).toEqual([
      [101, 102],
      [102, 103],
      [103, 104],
      [201, 202],
    ]);
    expect([...r.y]).toEqual([2, 1, 0, 0]);
    expect(r.units).toEqual(['a', 'a', 'a', 'b']);
    expect([...r.endRows]).toEqual([0, 3, 4, 5]);
  });

  it('stride anchored at the end keeps the last row; anchored at the start keeps the first', () => {
    const end = slidingWindows(data, { windowSize: 2, stride: 2 });
    expect(end.units).toEqual(['a', 'a', 'b']);
    expect(steps(end.samples.x, 0, 2, 2)).toEqual([101, 102]);
    expect(steps(end.samples.x, 1, 2, 2)).toEqual([103, 104]);
    const end3 = slidingWindows(data, { windowSize: 3, stride: 2 });
    expect(end3.units).toEqual(['a']);
    expect(steps(end3.samples.x, 0, 3, 2)).toEqual([102, 103, 104]);
    const start = slidingWindows(data, { windowSize: 3, stride: 2, anchor: 'start' });
    expect(steps(start.samples.x, 0, 3, 2)).toEqual([101, 102, 103]);
  });

  it('skips short units, or left-pads them (edge or zero)', () => {
    const none = slidingWindows(data, { windowSize: 3 });
    expect(none.units).toEqual(['a', 'a']);
    expect(none.skippedUnits).toEqual(['b']);
    const edge = slidingWindows(data, { windowSize: 3, padding: 'edge' });
    expect(edge.units).toEqual(['a', 'a', 'b']);
    expect(steps(edge.samples.x, 2, 3, 2)).toEqual([201, 201, 202]);
    expect([...edge.padded]).toEqual([0, 0, 1]);
    const zero = slidingWindows(data, { windowSize: 3, padding: 'zero' });
    expect(steps(zero.samples.x, 2, 3, 2)).toEqual([0, 201, 202]);
  });

  it('never crosses units and gives ⌊(L − w)/s⌋ + 1 windows per unit (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        (units, w, stride) => {
          // Feature = unit id, so a window mixing units would hold two different values.
          const series: SeriesData = { values: units, nFeatures: 1, units, targets: units.map((_, i) => i) };
          const r = slidingWindows(series, { windowSize: w, stride });
          let expected = 0;
          for (const u of new Set(units)) {
            const L = units.filter((v) => v === u).length;
            if (L >= w) expected += Math.floor((L - w) / stride) + 1;
          }
          expect(r.samples.n).toBe(expected);
          for (let k = 0; k < r.samples.n; k++) {
            const win = r.samples.x.subarray(k * w, (k + 1) * w);
            expect(win.every((v) => v === r.units[k])).toBe(true);
            expect(units[r.endRows[k] as number]).toBe(r.units[k]);
            expect(r.y[k]).toBe(r.endRows[k]);
          }
        },
      ),
      { seed: 31, numRuns: 200 },
    );
  });

  it('rejects bad options and inconsistent data', () => {
    expect(() => slidingWindows(data, { windowSize: 0 })).toThrow(ConfigError);
    expect(() => slidingWindows(data, { windowSize: 2, stride: 1.5 })).toThrow(/stride/);
    expect(() => slidingWindows(data, { windowSize: 2, padding: 'left' as 'edge' })).toThrow(/padding/);
    expect(() => slidingWindows({ ...data, nFeatures: 3 }, { windowSize: 2 })).toThrow(DataError);
    expect(() => slidingWindows({ ...data, time: [1, 1, 1, 2, 3, 2] }, { windowSize: 2 })).toThrow(/unit 'a' has two rows .* at time 1/);
  });
});

describe('lastWindows', () => {
  it('one window per unit ending at its last row', () => {
    const r = lastWindows(data, { windowSize: 2 });
    expect(r.units).toEqual(['a', 'b']);
    expect([...r.endRows]).toEqual([4, 5]);
    expect(steps(r.samples.x, 0, 2, 2)).toEqual([103, 104]);
  });

  it('pads short units or names them', () => {
    expect(() => lastWindows(data, { windowSize: 3 })).toThrow(/unit 'b' has 2 rows, fewer than windowSize 3/);
    expect(steps(lastWindows(data, { windowSize: 3, padding: 'edge' }).samples.x, 1, 3, 2)).toEqual([201, 201, 202]);
  });
});

describe('seriesFromTable', () => {
  it('gathers features, units, time and target from columns', () => {
    const t = new Table([
      categoricalColumn('unit', ['e1', 'e1', 'e2'], 'id'),
      numericColumn('cycle', [2, 1, 1]),
      numericColumn('s1', [20, 10, 30]),
      numericColumn('rul', [0, 1, 0]),
    ]);
    const r = slidingWindows(seriesFromTable(t, { unit: 'unit', time: 'cycle', features: ['s1'], target: 'rul' }), { windowSize: 1 });
    expect([...r.samples.x]).toEqual([10, 20, 30]);
    expect(r.units).toEqual(['e1', 'e1', 'e2']);
    expect([...r.y]).toEqual([1, 0, 0]);
  });
});
