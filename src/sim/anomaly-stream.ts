/**
 * Sensor streams with injected, labelled anomalies: several sensors per machine sampled at a fixed
 * rate, each a daily cycle plus a process cycle plus autocorrelated noise, with spikes, drifts, level
 * shifts, stuck values and noise bursts injected at seeded random times. The labels say exactly which
 * samples were changed. See docs/simulator.md.
 */
import { Rng } from '../core/random.js';
import { ConfigError, assertOneOf } from '../core/errors.js';
import { Table, categoricalColumn, numericColumn } from '../core/table.js';
import type { Column, TimestampColumn } from '../core/table.js';
import { DEFAULT_START_MS, assertFiniteInRange, assertIntegerInRange, stripUndefined, assertSeed } from './options.js';

/** The kinds of injected anomaly. */
export type AnomalyKind = 'spike' | 'drift' | 'level_shift' | 'stuck' | 'noise_burst';

/** Every anomaly kind, in the order used by the generator. */
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['spike', 'drift', 'level_shift', 'stuck', 'noise_burst'];

/** A sensor's normal behaviour. Amplitudes and noise are in the sensor's unit. */
export interface StreamSensorTemplate {
  readonly name: string;
  readonly unit: string;
  readonly level: number;
  /** Amplitude of the 24 h cycle (ambient temperature, shifts). */
  readonly dailyAmplitude: number;
  /** Amplitude of the process cycle (one machining cycle). */
  readonly processAmplitude: number;
  /** Stationary sd of the AR(1) measurement noise. */
  readonly noiseSd: number;
}

/** The sensors of every machine, in order; `sensorsPerMachine` takes the first N. */
export const STREAM_SENSORS: readonly StreamSensorTemplate[] = [
  { name: 'temperature', unit: '°C', level: 65, dailyAmplitude: 3, processAmplitude: 1.5, noiseSd: 0.3 },
  { name: 'vibration', unit: 'mm/s', level: 4.5, dailyAmplitude: 0.3, processAmplitude: 0.8, noiseSd: 0.15 },
  { name: 'current', unit: 'A', level: 32, dailyAmplitude: 4, processAmplitude: 6, noiseSd: 0.6 },
  { name: 'pressure', unit: 'bar', level: 6.2, dailyAmplitude: 0.15, processAmplitude: 0.3, noiseSd: 0.05 },
  { name: 'spindle_speed', unit: 'rpm', level: 1500, dailyAmplitude: 20, processAmplitude: 100, noiseSd: 8 },
  { name: 'coolant_flow', unit: 'L/min', level: 40, dailyAmplitude: 2, processAmplitude: 4, noiseSd: 0.5 },
];

/** Length in samples of each kind of anomaly, [min, max] (clamped to half the slot, see docs). */
export const ANOMALY_DURATION_SAMPLES: Readonly<Record<AnomalyKind, readonly [number, number]>> = {
  spike: [1, 1],
  drift: [60, 360],
  level_shift: [60, 360],
  stuck: [30, 240],
  noise_burst: [20, 120],
};

/** Options of {@link simulateAnomalyStreams}. Every field is optional. */
export interface AnomalyStreamOptions {
  /** Seed of the random stream (integer). Default 42. */
  seed?: number;
  /** Machines, 1 … 1,000. Default 3. */
  machines?: number;
  /** Sensors per machine, 1 … 6 (the first N of {@link STREAM_SENSORS}). Default 4. */
  sensorsPerMachine?: number;
  /** Samples per machine, 16 … 10,000,000 (machines × samples ≤ 20,000,000). Default 10,080 (a week at 1/min). */
  samples?: number;
  /** Sampling interval, ms (1 ms … 1 day). Default 60,000. */
  intervalMs?: number;
  /** Time of the first sample, epoch ms. Default 2024-01-01T00:00:00Z. */
  startMs?: number;
  /** Period of the process cycle, ms (> 0). Default 2,700,000 (45 min). */
  processPeriodMs?: number;
  /** Anomalies injected into each sensor of each machine, 0 … samples / 16. Default 4. */
  anomaliesPerSensor?: number;
  /** Kinds to draw from (uniformly); non-empty. Default all of {@link ANOMALY_KINDS}. */
  kinds?: readonly AnomalyKind[];
}

/** Result of {@link simulateAnomalyStreams}. */
export interface AnomalyStreamResult {
  /** Observed readings: `timestamp`, `machine`, then one column per sensor; machines one after another. */
  readonly table: Table;
  /** The same readings without anomalies (normal behaviour, noise included). */
  readonly clean: Table;
  /**
   * One row per injected anomaly: `machine`, `sensor`, `kind`, `start`, `end` (epoch ms of the first
   * and last changed sample, both inclusive), `samples` (how many). Sorted by machine, sensor, start.
   */
  readonly labels: Table;
  /** The options actually used (defaults filled in). */
  readonly options: Required<AnomalyStreamOptions>;
}

const DEFAULTS: Required<AnomalyStreamOptions> = {
  seed: 42,
  machines: 3,
  sensorsPerMachine: 4,
  samples: 10_080,
  intervalMs: 60_000,
  startMs: DEFAULT_START_MS,
  processPeriodMs: 2_700_000,
  anomaliesPerSensor: 4,
  kinds: ANOMALY_KINDS,
};

const DAY_MS = 86_400_000;
const NOISE_PHI = 0.3;

function resolveOptions(opts: AnomalyStreamOptions): Required<AnomalyStreamOptions> {
  const o: Required<AnomalyStreamOptions> = { ...DEFAULTS, ...stripUndefined(opts) };
  assertSeed(o.seed);
  assertIntegerInRange('machines', o.machines, 1, 1000);
  assertIntegerInRange('sensorsPerMachine', o.sensorsPerMachine, 1, STREAM_SENSORS.length);
  assertIntegerInRange('samples', o.samples, 16, 10_000_000);
  if (o.machines * o.samples > 20_000_000) {
    throw new ConfigError(
      `machines × samples: expected at most 20,000,000 rows; got ${o.machines} × ${o.samples} = ${o.machines * o.samples}.`,
      { option: 'samples', machines: o.machines, samples: o.samples },
    );
  }
  assertFiniteInRange('intervalMs', o.intervalMs, 1, DAY_MS);
  assertFiniteInRange('startMs', o.startMs, -8.64e15, 8.64e15);
  assertFiniteInRange('processPeriodMs', o.processPeriodMs, 1, 365 * DAY_MS);
  assertIntegerInRange('anomaliesPerSensor', o.anomaliesPerSensor, 0, Math.floor(o.samples / 16));
  if (!Array.isArray(o.kinds) || o.kinds.length === 0) {
    throw new ConfigError(`kinds: expected a non-empty list of ${ANOMALY_KINDS.join(', ')}; got ${JSON.stringify(o.kinds)}.`, {
      option: 'kinds',
      allowed: [...ANOMALY_KINDS],
    });
  }
  for (const k of o.kinds) assertOneOf('kinds', k, ANOMALY_KINDS);
  return o;
}

interface Injected {
  kind: AnomalyKind;
  start: number;
  length: number;
}

/**
 * Simulate multi-sensor streams for a fleet of machines with injected, labelled anomalies.
 *
 * Clean signal of each sensor: `level·(1 + machine jitter) + daily·sin(2πt/24h + φ₁) +
 * process·sin(2πt/P + φ₂) + AR(1) noise (φ = 0.3)`. Each sensor's series is cut into
 * `anomaliesPerSensor` equal slots and one anomaly of a uniformly drawn kind is placed at a random
 * position inside each slot, so anomalies never overlap and never start at sample 0:
 *
 * - `spike`: one sample, ± U(6, 10) noise sds;
 * - `drift`: a ramp from 1/len to 1 of ± U(4, 8) noise sds;
 * - `level_shift`: a constant ± U(3, 6) noise sds;
 * - `stuck`: the value of the sample before the start, repeated;
 * - `noise_burst`: extra Gaussian noise with sd U(3, 5) noise sds (each draw at least 0.1 of that).
 *
 * Outside the labelled spans `table` equals `clean` exactly; inside every sample differs, except that
 * a stuck value may by chance coincide with the clean value at a sample (documented rate in
 * docs/simulator.md).
 *
 * @throws ConfigError for an invalid option (names the option, the allowed range and the value).
 * @example
 * const { table, labels } = simulateAnomalyStreams({ seed: 3, machines: 2, samples: 1440 });
 */
export function simulateAnomalyStreams(opts: AnomalyStreamOptions = {}): AnomalyStreamResult {
  const o = resolveOptions(opts);
  const root = new Rng(o.seed);
  const n = o.samples;
  const total = o.machines * n;
  const sensors = STREAM_SENSORS.slice(0, o.sensorsPerMachine);
  const ts = new Float64Array(total);
  const machineIds: string[] = new Array<string>(total);
  const observed = sensors.map(() => new Float64Array(total));
  const clean = sensors.map(() => new Float64Array(total));
  const lab = { machine: [] as string[], sensor: [] as string[], kind: [] as string[], start: [] as number[], end: [] as number[], samples: [] as number[] };

  for (let m = 0; m < o.machines; m++) {
    const machine = `M${String(m + 1).padStart(3, '0')}`;
    const off = m * n;
    for (let i = 0; i < n; i++) {
      ts[off + i] = o.startMs + i * o.intervalMs;
      machineIds[off + i] = machine;
    }
    for (let j = 0; j < sensors.length; j++) {
      const s = sensors[j] as StreamSensorTemplate;
      const r = root.fork(m * 64 + j + 1);
      const level = s.level * (1 + r.uniform(-0.05, 0.05));
      const phDay = r.uniform(0, 2 * Math.PI);
      const phProc = r.uniform(0, 2 * Math.PI);
      const c = clean[j] as Float64Array;
      const x = observed[j] as Float64Array;
      const innovSd = s.noiseSd * Math.sqrt(1 - NOISE_PHI * NOISE_PHI);
      let noise = r.normal(0, s.noiseSd);
      const clean64 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (i > 0) noise = NOISE_PHI * noise + r.normal(0, innovSd);
        const tMs = i * o.intervalMs;
        clean64[i] =
          level +
          s.dailyAmplitude * Math.sin((2 * Math.PI * tMs) / DAY_MS + phDay) +
          s.processAmplitude * Math.sin((2 * Math.PI * tMs) / o.processPeriodMs + phProc) +
          noise;
      }
      const delta = new Float64Array(n);
      const changed = new Uint8Array(n);
      const stuckAt = new Float64Array(n).fill(Number.NaN);
      const injected = placeAnomalies(r, n, o.anomaliesPerSensor, o.kinds);
      for (const a of injected) {
        const sign = r.bernoulli(0.5) ? 1 : -1;
        const sd = s.noiseSd;
        switch (a.kind) {
          case 'spike':
            delta[a.start] = sign * r.uniform(6, 10) * sd;
            break;
          case 'drift': {
            const amp = sign * r.uniform(4, 8) * sd;
            for (let k = 0; k < a.length; k++) delta[a.start + k] = (amp * (k + 1)) / a.length;
            break;
          }
          case 'level_shift': {
            const amp = sign * r.uniform(3, 6) * sd;
            for (let k = 0; k < a.length; k++) delta[a.start + k] = amp;
            break;
          }
          case 'stuck': {
            const held = round4(clean64[a.start - 1] as number);
            for (let k = 0; k < a.length; k++) stuckAt[a.start + k] = held;
            break;
          }
          case 'noise_burst': {
            const burstSd = r.uniform(3, 5) * sd;
            for (let k = 0; k < a.length; k++) {
              let z = r.normal();
              while (Math.abs(z) < 0.1) z = r.normal();
              delta[a.start + k] = burstSd * z;
            }
            break;
          }
        }
        for (let k = 0; k < a.length; k++) changed[a.start + k] = 1;
        lab.machine.push(machine);
        lab.sensor.push(s.name);
        lab.kind.push(a.kind);
        lab.start.push(o.startMs + a.start * o.intervalMs);
        lab.end.push(o.startMs + (a.start + a.length - 1) * o.intervalMs);
        lab.samples.push(a.length);
      }
      for (let i = 0; i < n; i++) {
        const cv = round4(clean64[i] as number);
        c[off + i] = cv;
        if (!changed[i]) x[off + i] = cv;
        else if (!Number.isNaN(stuckAt[i] as number)) x[off + i] = stuckAt[i] as number;
        else x[off + i] = round4((clean64[i] as number) + (delta[i] as number));
      }
    }
  }

  const build = (values: Float64Array[]): Table => {
    const timestamp: TimestampColumn = { name: 'timestamp', kind: 'timestamp', values: ts };
    const cols: Column[] = [timestamp, categoricalColumn('machine', machineIds, 'id')];
    sensors.forEach((s, j) => cols.push(numericColumn(s.name, values[j] as Float64Array, s.unit)));
    return new Table(cols);
  };
  const labels = new Table([
    categoricalColumn('machine', lab.machine, 'id'),
    categoricalColumn('sensor', lab.sensor),
    categoricalColumn('kind', lab.kind),
    { name: 'start', kind: 'timestamp', values: Float64Array.from(lab.start) },
    { name: 'end', kind: 'timestamp', values: Float64Array.from(lab.end) },
    numericColumn('samples', lab.samples),
  ]);
  return { table: build(observed), clean: build(clean), labels, options: o };
}

/** Place `count` non-overlapping anomalies: one per equal slot, never at sample 0. */
function placeAnomalies(r: Rng, n: number, count: number, kinds: readonly AnomalyKind[]): Injected[] {
  const out: Injected[] = [];
  if (count === 0) return out;
  const slot = Math.floor(n / count);
  for (let s = 0; s < count; s++) {
    const kind = r.pick(kinds);
    const [lo, hi] = ANOMALY_DURATION_SAMPLES[kind];
    const maxLen = Math.max(1, Math.floor(slot / 2));
    const length = Math.min(maxLen, lo + r.int(hi - lo + 1));
    // start in [slot·s + 1, slot·s + slot − length]; slot ≥ 16 so the range is non-empty.
    const start = s * slot + 1 + r.int(slot - length);
    out.push({ kind, start, length });
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
