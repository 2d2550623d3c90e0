/**
 * Run-to-failure multivariate trajectories in the layout of NASA C-MAPSS (Saxena, Goebel, Simon,
 * Eklund, "Damage Propagation Modeling for Aircraft Engine Run-to-Failure Simulation", PHM08, 2008):
 * units that run from a healthy state through degradation to failure, under several operating
 * conditions that shift the sensor levels, with sensor noise. A test set truncated at random cycles
 * comes with the true remaining useful life (RUL). See docs/simulator.md.
 */
import { Rng } from '../core/random.js';
import { Table, numericColumn } from '../core/table.js';
import type { Column, TimestampColumn } from '../core/table.js';
import { ConfigError, assertOneOf } from '../core/errors.js';
import { DEFAULT_START_MS, assertFiniteInRange, assertIntegerInRange, stripUndefined, assertOrdered, assertSeed } from './options.js';

/** How a sensor responds to degradation: rises, falls, or ignores it (noise only). */
export type SensorRole = 'up' | 'down' | 'flat';

/** Shape of the damage curve after onset. */
export type DegradationShape = 'exponential' | 'power';

/** The degradation shapes accepted by {@link RunToFailureOptions.shape}. */
export const DEGRADATION_SHAPES: readonly DegradationShape[] = ['exponential', 'power'];

/** Options of {@link simulateRunToFailure}. Every field is optional. */
export interface RunToFailureOptions {
  /** Seed of the random stream (integer). Default 42. */
  seed?: number;
  /** Training units (run to failure), 1 … 10,000. Default 100 (C-MAPSS FD001 has 100). */
  units?: number;
  /** Test units (truncated before failure), 0 … 10,000. Default 100. */
  testUnits?: number;
  /** Sensors s1..sN, 3 … 100. Default 21 (as C-MAPSS). */
  sensors?: number;
  /** Operating conditions (regimes), 1 … 20. Default 6 (as C-MAPSS FD002/FD004). Condition 1 is sea level. */
  conditions?: number;
  /** Healthy period: degradation starts at a cycle drawn uniformly from [min, max]. Default [30, 150]. */
  onsetCycles?: readonly [number, number];
  /** Cycles from onset to failure, drawn uniformly from [min, max]. Default [60, 200]. */
  degradationCycles?: readonly [number, number];
  /** Damage curve after onset: `exponential` (default) or `power`. */
  shape?: DegradationShape;
  /** Multiplies every sensor's noise sd, 0 … 10. Default 1. */
  noiseScale?: number;
  /** Time of cycle 1 of every unit, epoch ms. Default 2024-01-01T00:00:00Z. */
  startMs?: number;
  /** Time between cycles, ms (1 ms … 30 days). Default 3,600,000 (one cycle an hour). */
  cycleMs?: number;
}

/** How one sensor was generated; enough to undo regime shifts and check trends. */
export interface SensorSpec {
  readonly name: string;
  readonly role: SensorRole;
  /** Level at condition 1, healthy. */
  readonly baseline: number;
  /** Additive shift of the level in each condition (index 0 = condition 1, always 0). */
  readonly conditionOffsets: readonly number[];
  /** Standard deviation of the Gaussian measurement noise (after `noiseScale`). */
  readonly noiseSd: number;
  /** Signed change of the level between healthy and failure (0 for `flat`). */
  readonly changeAtFailure: number;
}

/** Result of {@link simulateRunToFailure}. */
export interface RunToFailureResult {
  /**
   * Training trajectories, one row per unit and cycle: `unit, cycle, op_setting_1..3, s1..sN` (the
   * C-MAPSS layout), then `timestamp` (epoch ms), `condition` (1-based regime), and the ground truth
   * `health_index` (1 healthy → 0 at failure, non-increasing) and `rul` (cycles left; 0 at the last
   * cycle). Drop `condition`, `health_index` and `rul` before training on sensors only.
   */
  readonly train: Table;
  /** Test trajectories, truncated: same columns as `train` up to `condition` (no truth columns). */
  readonly test: Table;
  /** True RUL at the last test cycle of each unit: columns `unit`, `rul` (the C-MAPSS RUL file). */
  readonly testRul: Table;
  /** How each sensor was generated. */
  readonly sensors: readonly SensorSpec[];
  /** Operating settings of each condition: [altitude (kft), Mach, TRA]. */
  readonly conditionSettings: readonly (readonly [number, number, number])[];
  /** The options actually used (defaults filled in). */
  readonly options: Required<RunToFailureOptions>;
}

const DEFAULTS: Required<RunToFailureOptions> = {
  seed: 42,
  units: 100,
  testUnits: 100,
  sensors: 21,
  conditions: 6,
  onsetCycles: [30, 150],
  degradationCycles: [60, 200],
  shape: 'exponential',
  noiseScale: 1,
  startMs: DEFAULT_START_MS,
  cycleMs: 3_600_000,
};

/** Role of sensor j (0-based): a fixed pattern, so the same sensors are informative for every seed. */
export function sensorRole(j: number): SensorRole {
  // One in three sensors is uninformative, as in C-MAPSS FD001 (7 of 21 are flat).
  const r = j % 3;
  return r === 0 ? 'up' : r === 1 ? 'down' : 'flat';
}

function resolveOptions(opts: RunToFailureOptions): Required<RunToFailureOptions> {
  const o: Required<RunToFailureOptions> = { ...DEFAULTS, ...stripUndefined(opts) };
  assertSeed(o.seed);
  assertIntegerInRange('units', o.units, 1, 10_000);
  assertIntegerInRange('testUnits', o.testUnits, 0, 10_000);
  assertIntegerInRange('sensors', o.sensors, 3, 100);
  assertIntegerInRange('conditions', o.conditions, 1, 20);
  assertRange('onsetCycles', o.onsetCycles, 0, 10_000);
  assertRange('degradationCycles', o.degradationCycles, 2, 10_000);
  assertOneOf('shape', o.shape, DEGRADATION_SHAPES);
  assertFiniteInRange('noiseScale', o.noiseScale, 0, 10);
  assertFiniteInRange('startMs', o.startMs, -8.64e15, 8.64e15);
  assertFiniteInRange('cycleMs', o.cycleMs, 1, 30 * 86_400_000);
  return o;
}

function assertRange(option: string, r: readonly [number, number], min: number, max: number): void {
  if (!Array.isArray(r) || r.length !== 2) {
    throw new ConfigError(`${option}: expected [min, max], two integers in [${min}, ${max}]; got ${JSON.stringify(r)}.`, {
      option,
      value: r as unknown,
    });
  }
  assertIntegerInRange(`${option}[0]`, r[0], min, max);
  assertIntegerInRange(`${option}[1]`, r[1], min, max);
  assertOrdered(option, r[0], r[1]);
}

/** One unit's life: onset cycle, failure cycle and the damage curve parameter. */
interface Life {
  onset: number;
  failure: number;
  k: number;
}

/** Damage in [0, 1] at `cycle`: 0 up to onset, rising to 1 at failure. */
function damage(life: Life, cycle: number, shape: DegradationShape): number {
  if (cycle <= life.onset) return 0;
  const x = Math.min(1, (cycle - life.onset) / (life.failure - life.onset));
  // Exponential: (e^{kx} − 1)/(e^k − 1), the shape of Saxena et al.'s flow/efficiency loss; power: x^k.
  return shape === 'exponential' ? Math.expm1(life.k * x) / Math.expm1(life.k) : Math.pow(x, life.k);
}

/**
 * Simulate run-to-failure trajectories (C-MAPSS layout) with several operating conditions.
 *
 * Every unit has a healthy period, then damage d(t) rises from 0 at the onset cycle to 1 at failure,
 * exponentially (rate k ~ U(2, 5)) or as a power law (exponent k ~ U(1.5, 3)). Health index = 1 − d.
 * Sensor j reads `baseline + conditionOffset[c] + unitOffset + changeAtFailure·d(t) + noise`, where
 * the condition c of each cycle is drawn uniformly, |`changeAtFailure`| = U(4, 10) · 0.00125 · baseline
 * while the noise sd is U(0.0005, 0.002) · baseline, i.e. 2.5–20 noise sds (positive for `up`,
 * negative for `down`, 0 for `flat` sensors) and the unit offset (sd 0.5 noise sds) models
 * manufacturing variation. Test units come from the same process and are cut at a cycle drawn
 * uniformly from 10 %–90 % of their life.
 *
 * @throws ConfigError for an invalid option (names the option, the allowed range and the value).
 * @example
 * const { train, test, testRul } = simulateRunToFailure({ seed: 1, units: 50, conditions: 1 });
 */
export function simulateRunToFailure(opts: RunToFailureOptions = {}): RunToFailureResult {
  const o = resolveOptions(opts);
  const root = new Rng(o.seed);
  const rSetup = root.fork(1);

  // Operating conditions: condition 1 is sea level at full throttle (C-MAPSS FD001's only one).
  const conditionSettings: [number, number, number][] = [[0, 0, 100]];
  for (let c = 1; c < o.conditions; c++) {
    conditionSettings.push([
      Math.round(rSetup.uniform(5, 42)),
      Math.round(rSetup.uniform(0.2, 0.84) * 100) / 100,
      rSetup.bernoulli(0.5) ? 100 : 60,
    ]);
  }

  const sensors: SensorSpec[] = [];
  for (let j = 0; j < o.sensors; j++) {
    const role = sensorRole(j);
    const baseline = rSetup.uniform(10, 2500);
    const noiseSd = baseline * rSetup.uniform(0.0005, 0.002) * o.noiseScale;
    // Independent of noiseScale, so more noise means a harder problem, not a rescaled one.
    const amplitude = rSetup.uniform(4, 10) * 0.00125 * baseline;
    const changeAtFailure = role === 'up' ? amplitude : role === 'down' ? -amplitude : 0;
    const conditionOffsets = [0];
    for (let c = 1; c < o.conditions; c++) conditionOffsets.push(baseline * rSetup.uniform(-0.25, 0.25));
    sensors.push({ name: `s${j + 1}`, role, baseline, conditionOffsets, noiseSd, changeAtFailure });
  }

  const train = simulateFleet(o, root.fork(2), sensors, conditionSettings, o.units, false);
  const test = simulateFleet(o, root.fork(3), sensors, conditionSettings, o.testUnits, true);
  return {
    train: train.table,
    test: test.table,
    testRul: new Table([numericColumn('unit', test.units), numericColumn('rul', test.ruls, 'cycles')]),
    sensors,
    conditionSettings,
    options: o,
  };
}

function simulateFleet(
  o: Required<RunToFailureOptions>,
  rng: Rng,
  sensors: readonly SensorSpec[],
  settings: readonly (readonly [number, number, number])[],
  nUnits: number,
  truncate: boolean,
): { table: Table; units: Float64Array; ruls: Float64Array } {
  const lives: Life[] = [];
  const lastCycle: number[] = [];
  const unitRng: Rng[] = [];
  for (let u = 0; u < nUnits; u++) {
    const r = rng.fork(u + 1);
    unitRng.push(r);
    const onset = Math.round(r.uniform(o.onsetCycles[0], o.onsetCycles[1]));
    const failure = onset + Math.round(r.uniform(o.degradationCycles[0], o.degradationCycles[1]));
    const k = o.shape === 'exponential' ? r.uniform(2, 5) : r.uniform(1.5, 3);
    lives.push({ onset, failure, k });
    lastCycle.push(truncate ? Math.max(1, Math.round(r.uniform(0.1, 0.9) * failure)) : failure);
  }
  const total = lastCycle.reduce((a, b) => a + b, 0);
  const unit = new Float64Array(total);
  const cycle = new Float64Array(total);
  const ops = [new Float64Array(total), new Float64Array(total), new Float64Array(total)];
  const sv = sensors.map(() => new Float64Array(total));
  const ts = new Float64Array(total);
  const cond = new Float64Array(total);
  const health = new Float64Array(total);
  const rul = new Float64Array(total);
  let row = 0;
  for (let u = 0; u < nUnits; u++) {
    const r = unitRng[u] as Rng;
    const life = lives[u] as Life;
    const unitOffsets = sensors.map((s) => r.normal(0, 0.5 * s.noiseSd));
    const end = lastCycle[u] as number;
    for (let t = 1; t <= end; t++, row++) {
      unit[row] = u + 1;
      cycle[row] = t;
      ts[row] = o.startMs + (t - 1) * o.cycleMs;
      const c = o.conditions === 1 ? 0 : r.int(o.conditions);
      cond[row] = c + 1;
      const set = settings[c] as readonly [number, number, number];
      // Small jitter on the settings, as in C-MAPSS (sd ≈ 0.002 on altitude, 0.0003 on Mach).
      (ops[0] as Float64Array)[row] = Math.round((set[0] + r.normal(0, 0.002)) * 1e4) / 1e4;
      (ops[1] as Float64Array)[row] = Math.round((set[1] + r.normal(0, 0.0003)) * 1e4) / 1e4;
      (ops[2] as Float64Array)[row] = set[2];
      const d = damage(life, t, o.shape);
      health[row] = 1 - d;
      rul[row] = life.failure - t;
      for (let j = 0; j < sensors.length; j++) {
        const s = sensors[j] as SensorSpec;
        const clean = s.baseline + (s.conditionOffsets[c] as number) + (unitOffsets[j] as number) + s.changeAtFailure * d;
        (sv[j] as Float64Array)[row] = Math.round((clean + r.normal(0, s.noiseSd)) * 1e4) / 1e4;
      }
    }
  }
  const timestamp: TimestampColumn = { name: 'timestamp', kind: 'timestamp', values: ts };
  const cols: Column[] = [
    numericColumn('unit', unit),
    numericColumn('cycle', cycle, 'cycles'),
    numericColumn('op_setting_1', ops[0] as Float64Array),
    numericColumn('op_setting_2', ops[1] as Float64Array),
    numericColumn('op_setting_3', ops[2] as Float64Array),
    ...sensors.map((s, j) => numericColumn(s.name, sv[j] as Float64Array)),
    timestamp,
    numericColumn('condition', cond),
  ];
  if (!truncate) cols.push(numericColumn('health_index', health), numericColumn('rul', rul, 'cycles'));
  const units = new Float64Array(nUnits);
  const ruls = new Float64Array(nUnits);
  for (let u = 0; u < nUnits; u++) {
    units[u] = u + 1;
    ruls[u] = (lives[u] as Life).failure - (lastCycle[u] as number);
  }
  return { table: new Table(cols), units, ruls };
}
