/**
 * AI4I 2020 feature matrices shared by the GBDT benchmark (bench/gbdt.bench.ts) and its real-data test
 * (test/real/gbdt.real.test.ts), so that both measure exactly the same inputs.
 *
 * - `raw`: Type (L/M/H as the ordinal 0/1/2) and the five sensor columns;
 * - `raw+physics`: plus the three quantities the AI4I generator's failure rules are written in
 *   (Matzka 2020): power P = τ·ω [W] (ω = 2π·rpm/60), temperature difference ΔT = process − air [K],
 *   overstrain = tool wear × torque [min·Nm].
 *
 * UDI, Product ID and the five failure-mode flags (TWF, HDF, PWF, OSF, RNF: they define the label)
 * are never features. Rows are row-major Float32 (`x[i * d + f]`).
 */
import type { CategoricalColumn, Table } from '../../src/core/table.js';

export type Ai4iFeatureSetName = 'raw' | 'raw+physics';

export interface Ai4iFeatureSet {
  readonly name: Ai4iFeatureSetName;
  readonly names: string[];
  readonly x: Float32Array;
  readonly d: number;
}

const RAW_NAMES = ['Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]'];
const PHYSICS_NAMES = ['Power [W]', 'Temperature difference [K]', 'Overstrain [min·Nm]'];

/** Both feature sets and the 0/1 'Machine failure' target of a table read with `loadAi4i`. */
export function ai4iFeatureSets(t: Table): { y: Float64Array; sets: Ai4iFeatureSet[] } {
  const n = t.nRows;
  const type = t.column('Type') as CategoricalColumn;
  const order: Record<string, number> = { L: 0, M: 1, H: 2 };
  const typeOrd = Float64Array.from(type.codes, (c) => order[type.categories[c] as string] ?? NaN);
  const air = t.numeric('Air temperature');
  const proc = t.numeric('Process temperature');
  const rpm = t.numeric('Rotational speed');
  const torque = t.numeric('Torque');
  const wear = t.numeric('Tool wear');
  const raw = [typeOrd, air, proc, rpm, torque, wear];
  const power = Float64Array.from(torque, (tq, i) => (tq * (rpm[i] as number) * 2 * Math.PI) / 60);
  const dT = Float64Array.from(proc, (p, i) => p - (air[i] as number));
  const strain = Float64Array.from(wear, (w, i) => w * (torque[i] as number));
  const pack = (cols: Float64Array[]): Float32Array => {
    const d = cols.length;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) x[i * d + f] = (cols[f] as Float64Array)[i] as number;
    return x;
  };
  return {
    y: Float64Array.from(t.numeric('Machine failure')),
    sets: [
      { name: 'raw', names: [...RAW_NAMES], x: pack(raw), d: raw.length },
      { name: 'raw+physics', names: [...RAW_NAMES, ...PHYSICS_NAMES], x: pack([...raw, power, dT, strain]), d: raw.length + 3 },
    ],
  };
}
