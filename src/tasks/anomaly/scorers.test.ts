import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { simulateAnomalyStreams } from '../../sim/index.js';
import { SensorBaseline } from './baseline.js';
import { machinesFromTable } from './data.js';
import { EwmaScorer, IForestScorer, RobustZScorer, classicalScorerFromJSON, type Scorer } from './scorers.js';
import { robustLocationScale } from './stats.js';

const SENSORS = ['temperature', 'current'];
const ROLES = { unit: 'machine', time: 'timestamp' };
const train = machinesFromTable(simulateAnomalyStreams({ seed: 21, machines: 2, samples: 3000 }).clean, ROLES, SENSORS, 'train').map((m) => m.series);

/** One clean machine with a hand-made spike, level shift and stuck period on sensor 0. */
function injected(): { series: Float64Array[]; clean: Float64Array[] } {
  const clean = machinesFromTable(simulateAnomalyStreams({ seed: 22, machines: 1, samples: 2000 }).clean, ROLES, SENSORS, 'test')[0]!.series;
  const x = clean.map((c) => c.slice());
  const t = x[0]!;
  t[500] = t[500]! + 3; // 10 noise sds (temperature noise sd 0.3)
  for (let i = 1000; i < 1200; i++) t[i] = t[i]! + 2.4; // 8 sds
  for (let i = 1500; i < 1600; i++) t[i] = t[1499]!;
  return { series: x, clean };
}

describe('SensorBaseline', () => {
  it('standardises normal residuals to median 0 and robust sd 1 on unseen normal data', () => {
    const b = new SensorBaseline().fit(train.map((m) => m[0]!));
    const { residual, dispersion } = b.transform(injected().clean[0]!);
    const r = robustLocationScale(residual.subarray(20));
    expect(Math.abs(r.center)).toBeLessThan(0.15);
    expect(r.scale).toBeGreaterThan(0.8);
    expect(r.scale).toBeLessThan(1.25);
    expect(Math.abs(robustLocationScale(dispersion.subarray(20)).center)).toBeLessThan(0.3);
  });
  it('rejects bad options and too little data', () => {
    expect(() => new SensorBaseline({ arOrder: 0 })).toThrow(ConfigError);
    expect(() => new SensorBaseline({ dispersionWindow: 2 })).toThrow(/dispersionWindow/);
    expect(() => new SensorBaseline().fit([new Float64Array(10)])).toThrow(/Too little training data/);
  });
});

describe('classical scorers', () => {
  // What each scorer must catch (measured; the misses are real properties, documented in docs/anomaly.md):
  // EWMA smooths a one-sample step residual below the noise quantile; an isolation forest cannot score
  // a point far beyond the training range higher than one just beyond it, so the stuck sensor's extreme
  // dispersion z ties with the edge of normal.
  const cases: [string, () => Scorer, ('spike' | 'shift' | 'stuck')[]][] = [
    ['robust-z', () => new RobustZScorer(), ['spike', 'shift', 'stuck']],
    ['ewma', () => new EwmaScorer({ lambda: 0.3 }), ['spike', 'stuck']],
    ['iforest', () => new IForestScorer({ trees: 30, seed: 3 }), ['spike', 'shift']],
  ];
  for (const [name, make, must] of cases) {
    it(`${name}: the injected ${must.join(', ')} outscore 99.5 % of normal samples; save → load is identical`, async () => {
      const s = await make().fit(train);
      const { series, clean } = injected();
      const sc = s.score(series)[0]!;
      const normal = Float64Array.from(s.score(clean)[0]!).sort();
      const q = normal[Math.floor(normal.length * 0.995)]!;
      const maxIn = (a: number, b: number): number => Math.max(...sc.subarray(a, b));
      const spans = { spike: [500, 503], shift: [1000, 1010], stuck: [1500, 1600] } as const;
      for (const k of must) expect(maxIn(spans[k][0], spans[k][1]), k).toBeGreaterThan(q);
      // The untouched sensor is unaffected: its scores equal those on clean data.
      expect(Array.from(s.score(series)[1]!)).toEqual(Array.from(s.score(clean)[1]!));
      const re = classicalScorerFromJSON(JSON.parse(JSON.stringify(s.toJSON())), 'x.json');
      expect(Array.from(re.score(series)[0]!)).toEqual(Array.from(sc));
    });
  }
  it('rejects an invalid EWMA λ', () => {
    expect(() => new EwmaScorer({ lambda: 0 })).toThrow(/lambda: expected a number in \(0, 1\]/);
  });
});
