/**
 * Synthetic bearing signals for tests: white noise plus, for a fault, a train of decaying 3 kHz
 * resonance bursts repeating at the defect frequency (the textbook model of a localised defect;
 * Randall & Antoni 2011), written as CWRU-named MAT-files.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../../core/random.js';
import { formatMat } from '../../io/mat.js';
import { defectFrequencies } from './bearing.js';

export type SyntheticFault = 'normal' | 'inner_race' | 'outer_race' | 'ball';

/** A synthetic signal of `n` samples at 12 kHz. */
export function syntheticSignal(fault: SyntheticFault, n: number, rpm: number, seed: number): Float64Array {
  const fs = 12000;
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal(0, 0.05);
  if (fault === 'normal') return x;
  const f = defectFrequencies(rpm);
  const rate = fault === 'inner_race' ? f.bpfiHz : fault === 'outer_race' ? f.bpfoHz : f.bsfHz;
  const period = fs / rate;
  for (let t0 = rng.uniform(0, period); t0 < n; t0 += period) {
    const start = Math.floor(t0);
    for (let j = 0; j < 200 && start + j < n; j++) x[start + j] = (x[start + j] as number) + 0.5 * Math.exp(-j / 30) * Math.sin((2 * Math.PI * 3000 * j) / fs);
  }
  return x;
}

const NAMES: Record<SyntheticFault, [string, number]> = {
  normal: ['normal_0_97.mat', 97],
  inner_race: ['12k_Drive_End_IR007_0_105.mat', 105],
  ball: ['12k_Drive_End_B007_0_118.mat', 118],
  outer_race: ['12k_Drive_End_OR007@6_0_130.mat', 130],
};

/** Write four CWRU-named synthetic recordings into `dir`; returns their paths. */
export function writeSyntheticCwru(dir: string, n = 30000, rpm = 1797): string[] {
  return (Object.keys(NAMES) as SyntheticFault[]).map((fault, k) => {
    const [file, id] = NAMES[fault];
    const tag = `X${String(id).padStart(3, '0')}`;
    const p = path.join(dir, file);
    writeFileSync(p, formatMat([{ name: `${tag}_DE_time`, data: syntheticSignal(fault, n, rpm, 100 + k) }, { name: `${tag}RPM`, data: [rpm], dims: [1, 1] }]));
    return p;
  });
}
