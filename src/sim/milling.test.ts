import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { isCategorical } from '../core/table.js';
import type { Table } from '../core/table.js';
import { MILLING_COLUMNS, MILLING_RULES, simulateMilling } from './milling.js';
import { sameTable } from './test-helpers.js';

function types(t: Table): string[] {
  const c = t.column('Type');
  if (!isCategorical(c)) throw new Error('Type not categorical');
  return Array.from(c.codes, (k) => c.categories[k] as string);
}

describe('simulateMilling', () => {
  // One large seeded sample shared by the rate and rule tests (~1 s).
  const big = simulateMilling({ seed: 2020, rows: 200_000 });
  const t = big.table;
  const n = t.nRows;
  const air = t.numeric('Air temperature');
  const proc = t.numeric('Process temperature');
  const rpm = t.numeric('Rotational speed');
  const tq = t.numeric('Torque');
  const wear = t.numeric('Tool wear');
  const ty = types(t);

  it('has the AI4I 2020 columns and the requested size', () => {
    expect(t.names).toEqual([...MILLING_COLUMNS]);
    expect(n).toBe(200_000);
    expect(simulateMilling({ rows: 17 }).table.nRows).toBe(17);
  });

  it('failure rates per mechanism are within tolerance of the documented values', () => {
    // Documented in docs/simulator.md ("Measured rates"), percent of rows.
    const documented = { machineFailure: 3.8, TWF: 0.45, HDF: 1.15, PWF: 1.0, OSF: 1.3, RNF: 0.1 };
    const tol = { machineFailure: 0.4, TWF: 0.1, HDF: 0.3, PWF: 0.2, OSF: 0.25, RNF: 0.04 };
    for (const k of Object.keys(documented) as (keyof typeof documented)[]) {
      const pct = (100 * big.counts[k]) / n;
      expect(Math.abs(pct - documented[k]), `${k}: ${pct.toFixed(3)} %`).toBeLessThan(tol[k]);
    }
  });

  it('counts agree with the flag columns and Machine failure is the OR of the modes', () => {
    const f = t.numeric('Machine failure');
    const cols = (['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const).map((m) => t.numeric(m));
    let failures = 0;
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const any = cols.some((c) => c[i] === 1) ? 1 : 0;
      if (f[i] !== any) mismatches++;
      failures += any;
    }
    expect(mismatches).toBe(0);
    expect(failures).toBe(big.counts.machineFailure);
    for (const m of ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const) {
      expect(t.numeric(m).reduce((a, b) => a + b, 0)).toBe(big.counts[m]);
    }
  });

  it('every HDF, PWF and OSF flag is set exactly when its rule holds', () => {
    const hdf = t.numeric('HDF');
    const pwf = t.numeric('PWF');
    const osf = t.numeric('OSF');
    for (let i = 0; i < n; i++) {
      const diff = (proc[i] as number) - (air[i] as number);
      const hdfRule = diff < MILLING_RULES.hdfTempDiffK - 1e-9 && (rpm[i] as number) < MILLING_RULES.hdfSpeedRpm;
      const power = (tq[i] as number) * (rpm[i] as number) * ((2 * Math.PI) / 60);
      const pwfRule = power < MILLING_RULES.pwfMinW || power > MILLING_RULES.pwfMaxW;
      const limit = MILLING_RULES.osfLimitMinNm[ty[i] as 'L' | 'M' | 'H'];
      const osfRule = (wear[i] as number) * (tq[i] as number) > limit + 1e-6;
      if ((hdf[i] === 1) !== hdfRule) throw new Error(`row ${i}: HDF=${hdf[i]} but diff=${diff}, rpm=${rpm[i]}`);
      if ((pwf[i] === 1) !== pwfRule) throw new Error(`row ${i}: PWF=${pwf[i]} but power=${power}`);
      if ((osf[i] === 1) !== osfRule) throw new Error(`row ${i}: OSF=${osf[i]} but wear×torque=${(wear[i] as number) * (tq[i] as number)}`);
    }
  });

  it('TWF happens only at end of tool life (wear in [200, 245]) and the tool is then replaced', () => {
    const twf = t.numeric('TWF');
    let seen = 0;
    for (let i = 0; i < n; i++) {
      if (twf[i] !== 1) continue;
      seen++;
      const w = wear[i] as number;
      if (w < MILLING_RULES.twfWearMin || w >= MILLING_RULES.twfWearMax + 5) throw new Error(`row ${i}: TWF at wear ${w}`);
      if (i + 1 < n && (wear[i + 1] as number) > 5) throw new Error(`row ${i + 1}: tool not replaced after TWF`);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('tool wear grows by 5/3/2 min per H/M/L part between tool changes', () => {
    let bad = 0;
    for (let i = 1; i < n; i++) {
      const step = MILLING_RULES.toolWearPerPartMin[ty[i] as 'L' | 'M' | 'H'];
      const w = wear[i] as number;
      if (!(w === (wear[i - 1] as number) + step || w === step)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('reproduces the AI4I marginals: type shares, temperatures, torque, speed', () => {
    const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / v.length;
    const sd = (v: Float64Array): number => {
      const m = mean(v);
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    expect(ty.filter((x) => x === 'L').length / n).toBeCloseTo(0.6, 2);
    expect(ty.filter((x) => x === 'H').length / n).toBeCloseTo(0.1, 2);
    expect(Math.abs(mean(air) - 300)).toBeLessThan(0.5);
    expect(Math.abs(sd(air) - 2)).toBeLessThan(0.4);
    const diff = proc.map((p, i) => p - (air[i] as number));
    expect(Math.abs(mean(diff) - 10)).toBeLessThan(0.1);
    expect(Math.abs(sd(diff) - 1)).toBeLessThan(0.1);
    expect(Math.abs(mean(tq) - 40)).toBeLessThan(0.2);
    expect(Math.abs(sd(tq) - 10)).toBeLessThan(0.2);
    expect(Math.abs(mean(rpm) - 1539)).toBeLessThan(15); // AI4I: 1538.8
    expect(tq.reduce((a, b) => Math.min(a, b), Infinity)).toBeGreaterThanOrEqual(3);
  });

  it('timestamps are epoch ms at the requested interval', () => {
    const r = simulateMilling({ rows: 3, startMs: 1_000, intervalMs: 500 });
    expect(Array.from(r.table.numeric('timestamp'))).toEqual([1000, 1500, 2000]);
    expect(r.table.column('timestamp').kind).toBe('timestamp');
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = simulateMilling({ seed: 5, rows: 2000 }).table;
    const b = simulateMilling({ seed: 5, rows: 2000 }).table;
    const c = simulateMilling({ seed: 6, rows: 2000 }).table;
    expect(sameTable(a, b)).toBe(true);
    expect(sameTable(a, c)).toBe(false);
  });

  it('rnfRate and twfFailureProbability control their modes', () => {
    const none = simulateMilling({ seed: 1, rows: 20_000, rnfRate: 0, twfFailureProbability: 0 }).counts;
    expect(none.RNF).toBe(0);
    expect(none.TWF).toBe(0);
    const all = simulateMilling({ seed: 1, rows: 20_000, twfFailureProbability: 1 }).counts;
    expect(all.TWF).toBeGreaterThan(150); // one tool life ≈ 85 parts
  });

  it('rejects invalid options with a ConfigError naming the option', () => {
    const bad: [object, string][] = [
      [{ rows: 0 }, 'rows'],
      [{ rows: 1.5 }, 'rows'],
      [{ seed: 0.5 }, 'seed'],
      [{ intervalMs: 0 }, 'intervalMs'],
      [{ rnfRate: 2 }, 'rnfRate'],
      [{ twfFailureProbability: -0.1 }, 'twfFailureProbability'],
      [{ typeShares: { L: 0.5, M: 0.3, H: 0.1 } }, 'typeShares'],
      [{ typeShares: { L: 1.2, M: -0.1, H: -0.1 } }, 'typeShares.L'],
      [{ airTemperatureMeanK: Number.NaN }, 'airTemperatureMeanK'],
    ];
    for (const [opts, name] of bad) {
      let err: unknown;
      try {
        simulateMilling(opts);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(opts)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message.startsWith(`${name}:`)).toBe(true);
    }
  });
});
