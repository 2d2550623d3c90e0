/**
 * Recordings and windows for vibration diagnosis (protocol of ../shared/data/DATASETS.md, section 3):
 *
 * - one recording per MAT-file: the drive-end accelerometer (`X<id>_DE_time`, or another channel),
 *   its shaft speed (`X<id>RPM`) and a class label from the file name (CWRU naming: `normal_…`,
 *   `…_IR007_…` inner race, `…_B007_…` ball, `…_OR007@6_…` outer race) or from `--labels`;
 * - each recording is split into contiguous time blocks: the first `1 − testFraction` is the train
 *   block, the rest the test block; the last `valFraction` of the train block is held out for early
 *   stopping. No window crosses a block boundary;
 * - training windows overlap (`hop` < window); validation and test windows do not.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, DataError, NotFoundError } from '../../core/errors.js';
import { readMat } from '../../io/mat.js';

/** Labels of the four CWRU health states, in the order used for class indices. */
export const CWRU_CLASSES = ['normal', 'inner_race', 'ball', 'outer_race'] as const;

/** Default window length in samples (≈ 0.17 s at 12 kHz, ≈ 5 shaft revolutions). */
export const DEFAULT_WINDOW = 2048;
/** Default hop between training windows (75 % overlap). */
export const DEFAULT_HOP = 512;
export const DEFAULT_TEST_FRACTION = 0.3;
export const DEFAULT_VAL_FRACTION = 0.2;

/** One vibration recording. */
export interface Recording {
  readonly file: string;
  readonly label: string;
  /** Variable the signal came from, e.g. X105_DE_time. */
  readonly variable: string;
  readonly signal: Float64Array;
  /** Shaft speed (from the file's RPM variable, or the --rpm option). */
  readonly rpm: number;
}

/**
 * CWRU class of a file name, or undefined: `normal`, `IR` (inner race), `B` (ball), `OR` (outer race)
 * followed by the fault diameter in mils (e.g. `12k_Drive_End_IR007_0_105.mat`).
 */
export function labelFromFileName(file: string): string | undefined {
  const base = path.basename(file);
  if (/normal/i.test(base)) return 'normal';
  if (/(^|[_\-.])IR\d/i.test(base)) return 'inner_race';
  if (/(^|[_\-.])OR\d/i.test(base)) return 'outer_race';
  if (/(^|[_\-.])B\d/i.test(base)) return 'ball';
  return undefined;
}

/**
 * Parse `--labels`: comma-separated `PATTERN=LABEL` pairs; a file takes the label of the first pattern
 * that occurs in its base name (e.g. `97=normal,105=inner_race`).
 * @throws ConfigError on a malformed pair.
 */
export function parseLabelMap(spec: string): [string, string][] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((pair) => {
      const i = pair.lastIndexOf('=');
      if (i <= 0 || i === pair.length - 1) {
        throw new ConfigError(`--labels: expected PATTERN=LABEL pairs separated by commas; got '${pair}'.`, { option: 'labels', value: pair });
      }
      return [pair.slice(0, i), pair.slice(i + 1)] as [string, string];
    });
}

/** The MAT-files named by `data`: a directory (every *.mat in it, sorted), a file, or a comma-separated list. */
export function resolveDataFiles(data: string | readonly string[]): string[] {
  const items = (typeof data === 'string' ? data.split(',') : [...data]).map((s) => s.trim()).filter((s) => s.length > 0);
  const files: string[] = [];
  for (const item of items) {
    let st;
    try {
      st = statSync(item);
    } catch {
      throw new NotFoundError(`--data: '${item}' does not exist.`, { path: item });
    }
    if (st.isDirectory()) {
      const mats = readdirSync(item)
        .filter((f) => f.toLowerCase().endsWith('.mat'))
        .sort()
        .map((f) => path.join(item, f));
      if (mats.length === 0) throw new DataError('SF_DATA_EMPTY', `--data: the directory '${item}' holds no .mat files.`, { path: item });
      files.push(...mats);
    } else {
      files.push(item);
    }
  }
  if (files.length === 0) throw new ConfigError('--data: give a directory of .mat files or a comma-separated list of files.', { option: 'data' });
  return files;
}

/** Options of {@link loadRecordings}. */
export interface LoadOptions {
  /** `PATTERN=LABEL` pairs (see parseLabelMap); default: labels from CWRU file names. */
  readonly labels?: readonly [string, string][];
  /** Channel suffix (`DE`, `FE`, `BA`: the variable ending in `_<channel>_time`) or a full variable name ['DE']. */
  readonly channel?: string;
  /** Shaft speed for files without an RPM variable. */
  readonly rpm?: number;
  /** Require labels (training/evaluation) [true]. */
  readonly requireLabels?: boolean;
}

/**
 * Read the recordings of `files`.
 * @throws DataError when a file has no such channel, no RPM (and no `rpm` option) or no label.
 */
export async function loadRecordings(files: readonly string[], o: LoadOptions = {}): Promise<Recording[]> {
  const channel = o.channel ?? 'DE';
  const out: Recording[] = [];
  for (const file of files) {
    const mat = await readMat(file);
    const v =
      mat.find(channel) ?? mat.variables.find((x) => x.name.toUpperCase().endsWith(`_${channel.toUpperCase()}_TIME`));
    if (!v) {
      throw new DataError('SF_DATA_SCHEMA', `${file}: no variable for channel '${channel}' (variables: ${mat.variables.map((x) => x.name).join(', ')}). Use --channel DE|FE|BA or a variable name.`, {
        file,
        channel,
      });
    }
    const rpmVar = mat.variables.find((x) => /RPM$/i.test(x.name) && x.data.length === 1);
    const rpm = rpmVar ? (rpmVar.data[0] as number) : o.rpm;
    if (rpm === undefined || !(rpm > 0)) {
      throw new DataError('SF_DATA_SCHEMA', `${file}: no RPM variable; give the shaft speed with --rpm.`, { file });
    }
    const base = path.basename(file);
    const label = o.labels ? o.labels.find(([p]) => base.includes(p))?.[1] : labelFromFileName(file);
    if (label === undefined && (o.requireLabels ?? true)) {
      throw new DataError(
        'SF_DATA_TARGET',
        `${file}: cannot tell the class from the file name (CWRU names contain normal, IR007, B007 or OR007); give --labels PATTERN=LABEL,…`,
        { file },
      );
    }
    for (let i = 0; i < v.data.length; i++) {
      if (!Number.isFinite(v.data[i])) {
        throw new DataError('SF_DATA_PARSE', `${file}: ${v.name}[${i}] is not a finite number (${v.data[i]}).`, { file, variable: v.name, index: i });
      }
    }
    out.push({ file, label: label ?? '', variable: v.name, signal: v.data, rpm });
  }
  return out;
}

/** Class labels of recordings: the CWRU order when every label is a CWRU class, else sorted. */
export function classesOf(recs: readonly Recording[]): string[] {
  const set = new Set(recs.map((r) => r.label));
  if ([...set].every((l) => (CWRU_CLASSES as readonly string[]).includes(l))) return CWRU_CLASSES.filter((c) => set.has(c));
  return [...set].sort();
}

/** Which part of each recording. `train` = fit + val. */
export type Segment = 'fit' | 'val' | 'train' | 'test' | 'all';

/** Options of {@link makeWindows}. */
export interface WindowOptions {
  readonly window: number;
  /** Hop of the overlapping windows (fit/train/all); val and test windows never overlap. */
  readonly hop: number;
  readonly testFraction: number;
  readonly valFraction: number;
}

/** Block boundaries of a recording of n samples: fit [0, valStart), val [valStart, testStart), test [testStart, n). */
export function blocks(n: number, testFraction: number, valFraction: number): { valStart: number; testStart: number } {
  const testStart = Math.floor(n * (1 - testFraction));
  const valStart = Math.floor(testStart * (1 - valFraction));
  return { valStart, testStart };
}

/** Windows cut from recordings. Row-major `x` of n × window samples. */
export interface WindowSet {
  readonly x: Float32Array;
  readonly n: number;
  readonly window: number;
  /** Class index per window (-1 when the recording has no known class). */
  readonly y: Float64Array;
  /** Index of the recording per window. */
  readonly recording: Int32Array;
  /** First sample of each window in its recording. */
  readonly start: Int32Array;
  /** Shaft speed per window. */
  readonly rpm: Float64Array;
}

/**
 * Cut windows from `segment` of every recording.
 * @throws DataError when a recording's segment is shorter than one window.
 */
export function makeWindows(recs: readonly Recording[], classes: readonly string[], segment: Segment, o: WindowOptions): WindowSet {
  const starts: [number, number][] = [];
  recs.forEach((r, ri) => {
    const n = r.signal.length;
    const { valStart, testStart } = blocks(n, o.testFraction, o.valFraction);
    const [lo, hi, hop] =
      segment === 'fit' ? [0, valStart, o.hop] : segment === 'val' ? [valStart, testStart, o.window] : segment === 'train' ? [0, testStart, o.hop] : segment === 'test' ? [testStart, n, o.window] : [0, n, o.hop];
    if (hi - lo < o.window) {
      throw new DataError('SF_DATA_SCHEMA', `${r.file}: the ${segment} block has ${hi - lo} samples, fewer than one window of ${o.window}; use a shorter --window.`, {
        file: r.file,
        segment,
        samples: hi - lo,
        window: o.window,
      });
    }
    for (let s = lo; s + o.window <= hi; s += hop) starts.push([ri, s]);
  });
  const n = starts.length;
  const x = new Float32Array(n * o.window);
  const y = new Float64Array(n);
  const recording = new Int32Array(n);
  const start = new Int32Array(n);
  const rpm = new Float64Array(n);
  starts.forEach(([ri, s], i) => {
    const r = recs[ri] as Recording;
    for (let j = 0; j < o.window; j++) x[i * o.window + j] = r.signal[s + j] as number;
    y[i] = classes.indexOf(r.label);
    recording[i] = ri;
    start[i] = s;
    rpm[i] = r.rpm;
  });
  return { x, n, window: o.window, y, recording, start, rpm };
}
