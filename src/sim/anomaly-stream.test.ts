import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { isCategorical } from '../core/table.js';
import type { Table } from '../core/table.js';
import { ANOMALY_DURATION_SAMPLES, ANOMALY_KINDS, STREAM_SENSORS, simulateAnomalyStreams } from './anomaly-stream.js';
import type { AnomalyKind, AnomalyStreamOptions } from './anomaly-stream.js';
import { sameTable } from './test-helpers.js';

function strings(t: Table, name: string): string[] {
  const c = t.column(name);
  if (!isCategorical(c)) throw new Error(`${name} not categorical`);
  return Array.from(c.codes, (k) => c.categories[k] as string);
}

describe('simulateAnomalyStreams', () => {
  const opts = { seed: 21, machines: 4, sensorsPerMachine: 6, samples: 20_000, anomaliesPerSensor: 20 };
  const sim = simulateAnomalyStreams(opts);
  const { table, clean, labels } = sim;
  const n = opts.samples;
  const machineOf = strings(table, 'machine');
  const lMachine = strings(labels, 'machine');
  const lSensor = strings(labels, 'sensor');
  const lKind = strings(labels, 'kind') as AnomalyKind[];
  const lStart = labels.numeric('start');
  const lEnd = labels.numeric('end');
  const lSamples = labels.numeric('samples');
  const ts = table.numeric('timestamp');
  const interval = sim.options.intervalMs;

  /** Row range [a, b] (inclusive) of label k in the wide table. */
  function rowsOf(k: number): [number, number] {
    const m = Number((lMachine[k] as string).slice(1)) - 1;
    const a = m * n + ((lStart[k] as number) - sim.options.startMs) / interval;
    const b = m * n + ((lEnd[k] as number) - sim.options.startMs) / interval;
    return [a, b];
  }

  it('has timestamp, machine and one column per sensor; labels have the documented columns', () => {
    expect(table.names).toEqual(['timestamp', 'machine', ...STREAM_SENSORS.map((s) => s.name)]);
    expect(clean.names).toEqual(table.names);
    expect(table.nRows).toBe(4 * n);
    expect(labels.names).toEqual(['machine', 'sensor', 'kind', 'start', 'end', 'samples']);
    expect(labels.nRows).toBe(4 * 6 * 20);
    expect(new Set(lKind)).toEqual(new Set(ANOMALY_KINDS));
    expect(ts[1]! - ts[0]!).toBe(60_000);
    expect(machineOf[n]).toBe('M002');
  });

  it('outside labelled spans the readings equal the clean signal; inside they differ', () => {
    const inSpan = STREAM_SENSORS.map(() => new Uint8Array(table.nRows));
    for (let k = 0; k < labels.nRows; k++) {
      const j = STREAM_SENSORS.findIndex((s) => s.name === lSensor[k]);
      const [a, b] = rowsOf(k);
      expect(b - a + 1).toBe(lSamples[k]);
      expect(machineOf[a]).toBe(lMachine[k]);
      expect(machineOf[b]).toBe(lMachine[k]);
      for (let i = a; i <= b; i++) {
        if (inSpan[j]![i]) throw new Error(`label ${k} overlaps another on ${lSensor[k]}`);
        inSpan[j]![i] = 1;
      }
    }
    let stuckRows = 0;
    let stuckEqual = 0;
    STREAM_SENSORS.forEach((s, j) => {
      const x = table.numeric(s.name);
      const c = clean.numeric(s.name);
      const stuck = new Uint8Array(table.nRows);
      for (let k = 0; k < labels.nRows; k++) {
        if (lSensor[k] !== s.name || lKind[k] !== 'stuck') continue;
        const [a, b] = rowsOf(k);
        for (let i = a; i <= b; i++) stuck[i] = 1;
      }
      for (let i = 0; i < table.nRows; i++) {
        if (!inSpan[j]![i]) {
          if (x[i] !== c[i]) throw new Error(`${s.name} row ${i}: unlabelled change ${x[i]} vs ${c[i]}`);
        } else if (stuck[i]) {
          stuckRows++;
          if (x[i] === c[i]) stuckEqual++;
        } else if (x[i] === c[i]) {
          throw new Error(`${s.name} row ${i}: labelled but equal to the clean signal`);
        }
      }
    });
    expect(stuckRows).toBeGreaterThan(0);
    expect(stuckEqual / stuckRows).toBeLessThan(0.01);
  });

  it('each kind has its documented shape', () => {
    for (let k = 0; k < labels.nRows; k++) {
      const s = STREAM_SENSORS.find((t) => t.name === lSensor[k])!;
      const x = table.numeric(s.name);
      const c = clean.numeric(s.name);
      const [a, b] = rowsOf(k);
      const d = (i: number): number => x[i]! - c[i]!;
      const len = b - a + 1;
      const [lo, hi] = ANOMALY_DURATION_SAMPLES[lKind[k]!];
      expect(len).toBeGreaterThanOrEqual(lo);
      expect(len).toBeLessThanOrEqual(hi);
      const sd = s.noiseSd;
      switch (lKind[k]) {
        case 'spike':
          expect(Math.abs(d(a)) / sd).toBeGreaterThan(6 - 0.01);
          break;
        case 'drift':
          for (let i = a + 1; i <= b; i++) if (Math.abs(d(i)) < Math.abs(d(i - 1)) - 2e-4) throw new Error(`label ${k}: drift not growing at row ${i}`);
          expect(Math.abs(d(b)) / sd).toBeGreaterThan(4 - 0.01);
          break;
        case 'level_shift':
          for (let i = a; i <= b; i++) if (Math.abs(d(i) - d(a)) >= 2e-4) throw new Error(`label ${k}: level not constant at row ${i}`);
          expect(Math.abs(d(a)) / sd).toBeGreaterThan(3 - 0.01);
          break;
        case 'stuck':
          for (let i = a; i <= b; i++) if (x[i] !== x[a - 1]) throw new Error(`label ${k}: not stuck at row ${i}`);
          break;
        case 'noise_burst': {
          let ss = 0;
          for (let i = a; i <= b; i++) ss += d(i) ** 2;
          expect(Math.sqrt(ss / len) / sd).toBeGreaterThan(1.5);
          break;
        }
      }
    }
  });

  it('the clean signal has a daily cycle and noise at the documented level', () => {
    const one = simulateAnomalyStreams({ seed: 2, machines: 1, sensorsPerMachine: 1, samples: 2880, anomaliesPerSensor: 0 });
    const v = one.table.numeric('temperature');
    expect(one.labels.nRows).toBe(0);
    // hourly means swing by about twice the daily amplitude (3 °C) over a day
    const hourly: number[] = [];
    for (let h = 0; h < 24; h++) {
      let s = 0;
      for (let d = 0; d < 2; d++) for (let i = 0; i < 60; i++) s += v[d * 1440 + h * 60 + i]!;
      hourly.push(s / 120);
    }
    const swing = Math.max(...hourly) - Math.min(...hourly);
    expect(swing).toBeGreaterThan(4);
    expect(swing).toBeLessThan(8);
    // first differences: noise and cycles only, no jumps beyond a few noise sds
    let maxStep = 0;
    for (let i = 1; i < v.length; i++) maxStep = Math.max(maxStep, Math.abs(v[i]! - v[i - 1]!));
    expect(maxStep).toBeLessThan(6 * 0.3);
  });

  it('restricting kinds injects only those kinds', () => {
    const r = simulateAnomalyStreams({ seed: 5, machines: 1, samples: 2000, anomaliesPerSensor: 10, kinds: ['stuck'] });
    expect(new Set(strings(r.labels, 'kind'))).toEqual(new Set(['stuck']));
  });

  it('is deterministic per seed and differs between seeds', () => {
    const o: AnomalyStreamOptions = { seed: 8, machines: 2, samples: 1000 };
    const a = simulateAnomalyStreams(o);
    const b = simulateAnomalyStreams(o);
    expect(sameTable(a.table, b.table)).toBe(true);
    expect(sameTable(a.labels, b.labels)).toBe(true);
    const c = simulateAnomalyStreams({ ...o, seed: 9 });
    expect(sameTable(a.table, c.table)).toBe(false);
    expect(sameTable(a.labels, c.labels)).toBe(false);
  });

  it('rejects invalid options with a ConfigError naming the option', () => {
    const bad: [AnomalyStreamOptions, string][] = [
      [{ machines: 0 }, 'machines'],
      [{ sensorsPerMachine: 7 }, 'sensorsPerMachine'],
      [{ samples: 10 }, 'samples'],
      [{ machines: 1000, samples: 100_000 }, 'machines × samples'],
      [{ samples: 160, anomaliesPerSensor: 11 }, 'anomaliesPerSensor'],
      [{ kinds: [] }, 'kinds'],
      [{ kinds: ['spike', 'glitch' as AnomalyKind] }, 'kinds'],
      [{ intervalMs: -1 }, 'intervalMs'],
    ];
    for (const [o, name] of bad) {
      expect(() => simulateAnomalyStreams(o)).toThrow(ConfigError);
      expect(() => simulateAnomalyStreams(o)).toThrow(new RegExp(`^${name}:`));
    }
  });
});
