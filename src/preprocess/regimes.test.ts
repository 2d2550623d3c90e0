import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, NotFittedError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { numericColumn, Table } from '../core/table.js';
import { kMeans } from './kmeans.js';
import { RegimeNormalizer } from './regimes.js';

/** C-MAPSS-like operating conditions: (altitude kft, Mach, throttle) with small noise. */
const CONDITIONS = [
  [0, 0, 100],
  [20, 0.7, 100],
  [42, 0.84, 60],
] as const;

function fleet(n: number, seed: number): { table: Table; regime: number[] } {
  const rng = new Rng(seed);
  const regime: number[] = [];
  const cols: number[][] = [[], [], [], [], []];
  for (let i = 0; i < n; i++) {
    const r = rng.int(3);
    regime.push(r);
    const c = CONDITIONS[r] as readonly number[];
    cols[0]?.push((c[0] as number) + rng.normal(0, 0.003));
    cols[1]?.push((c[1] as number) + rng.normal(0, 0.0003));
    cols[2]?.push(c[2] as number);
    // Sensor level set by the regime (hundreds of units apart), spread differs per regime.
    cols[3]?.push(500 + 100 * r + rng.normal(0, 1 + r));
    cols[4]?.push(7);
  }
  const names = ['altitude', 'mach', 'tra', 'T24', 'constant'];
  return { table: new Table(cols.map((v, j) => numericColumn(names[j] as string, v))), regime };
}

const opts = { settings: ['altitude', 'mach', 'tra'], sensors: ['T24', 'constant'], seed: 3 };

describe('RegimeNormalizer', () => {
  it("finds the operating regimes ('auto' and fixed k) and standardises each sensor within its regime", () => {
    const { table, regime } = fleet(600, 1);
    for (const regimes of ['auto', 3] as const) {
      const norm = new RegimeNormalizer({ ...opts, regimes }).fit(table);
      expect(norm.nRegimes).toBe(3);
      const labels = norm.assign(table);
      // Same true regime ⇔ same label.
      const map = new Map<number, number>();
      regime.forEach((r, i) => {
        if (!map.has(r)) map.set(r, labels[i] as number);
        expect(labels[i]).toBe(map.get(r));
      });
      expect(new Set(map.values()).size).toBe(3);
      const z = norm.transform(table).numeric('T24');
      for (let r = 0; r < 3; r++) {
        const zs = [...z].filter((_, i) => regime[i] === r);
        const mu = zs.reduce((a, b) => a + b, 0) / zs.length;
        const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mu) ** 2, 0) / zs.length);
        expect(Math.abs(mu)).toBeLessThan(1e-9);
        expect(sd).toBeCloseTo(1, 9);
      }
      // A constant sensor maps to 0 rather than NaN.
      expect(norm.transform(table).numeric('constant').every((v) => v === 0)).toBe(true);
    }
  });

  it('normalises test rows with the training regimes and statistics', () => {
    const { table: train } = fleet(300, 2);
    const norm = new RegimeNormalizer(opts).fit(train);
    const centroids = norm.centroids;
    const test = new Table([
      numericColumn('altitude', [42.001, 0.002]),
      numericColumn('mach', [0.84, 0]),
      numericColumn('tra', [60, 100]),
      numericColumn('T24', [700, 500]),
      numericColumn('constant', [8, 7]),
    ]);
    const labels = norm.assign(test);
    expect(centroids[(labels[0] as number) * 3]).toBeCloseTo(42, 1);
    const z = norm.transform(test).numeric('T24');
    // The training mean of regime 2 is ≈ 700 and of regime 0 ≈ 500, so both map near 0.
    expect(Math.abs(z[0] as number)).toBeLessThan(0.5);
    expect(Math.abs(z[1] as number)).toBeLessThan(0.5);
    // The constant sensor keeps its training level: 8 − 7 = 1.
    expect(norm.transform(test).numeric('constant')[0]).toBe(1);
  });

  it('round-trips through JSON with identical output; same seed gives the same regimes', () => {
    const { table } = fleet(300, 4);
    const a = new RegimeNormalizer(opts).fit(table);
    const back = RegimeNormalizer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.transform(table).numeric('T24')).toEqual(a.transform(table).numeric('T24'));
    expect(new RegimeNormalizer(opts).fit(table).toJSON()).toEqual(a.toJSON());
  });

  it('does not mutate the input', () => {
    const { table } = fleet(100, 5);
    const before = table.numeric('T24').slice();
    new RegimeNormalizer(opts).fitTransform(table);
    expect(table.numeric('T24')).toEqual(before);
  });

  it('rejects invalid options, missing settings and use before fit', () => {
    expect(() => new RegimeNormalizer({ settings: [], sensors: ['T24'] })).toThrow(ConfigError);
    expect(() => new RegimeNormalizer({ settings: ['a'], sensors: ['a'] })).toThrow(/both a setting and a sensor/);
    expect(() => new RegimeNormalizer({ ...opts, regimes: 0 })).toThrow(/regimes/);
    expect(() => new RegimeNormalizer({ ...opts, roundDecimals: [0, 1] })).toThrow(/one per setting \(3\)/);
    expect(() => new RegimeNormalizer(opts).transform(fleet(5, 1).table)).toThrow(NotFittedError);
    const { table } = fleet(50, 6);
    const holed = table.withColumns([numericColumn('mach', [NaN, ...table.numeric('mach').subarray(1)])]);
    expect(() => new RegimeNormalizer(opts).fit(holed)).toThrow(/row 0 has no value for operating setting 'mach'/);
    expect(() => new RegimeNormalizer({ ...opts, regimes: 4 }).fit(fleet(50, 7).table.take([0, 0, 0, 0]))).toThrow(DataError);
  });
});

describe('kMeans', () => {
  it('separates well-separated clusters and is deterministic for a seed', () => {
    const pts = [0, 0, 0.1, 0, 0, 0.1, 10, 10, 10.1, 10, 10, 10.1];
    const a = kMeans(pts, 6, 2, { k: 2, seed: 1 });
    expect(a.labels[0]).toBe(a.labels[2]);
    expect(a.labels[3]).toBe(a.labels[5]);
    expect(a.labels[0]).not.toBe(a.labels[3]);
    expect(a.inertia).toBeCloseTo(4 * 0.1 * 0.1 * (2 / 3), 9);
    expect(kMeans(pts, 6, 2, { k: 2, seed: 1 })).toEqual(a);
  });
});
