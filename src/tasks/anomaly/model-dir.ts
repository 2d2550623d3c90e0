/**
 * The anomaly model directory `shopfloor train --task anomaly` writes and `shopfloor detect` reads:
 *
 *   shopfloor-model.json   manifest: format version, task 'anomaly', detector kind, sensor/unit/time
 *                          columns, data hash, seed, library versions
 *   detector.json          the fitted detector (DetectorState): scorer state, channel normalisation and
 *                          the calibrated `threshold` — a plain number you may edit
 *   metrics.json           calibration and, with labels, the event-wise evaluation
 *   report.html            the self-contained report
 *
 * Written atomically through writeModelDir (temp directory + rename).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelFormatError, NotFoundError } from '../../core/errors.js';
import { AnomalyDetector, type DetectorState } from './detector.js';
import { NEURAL_SCORER_KINDS } from './scorers.js';

/** Version of the anomaly manifest. */
export const ANOMALY_MODEL_FORMAT_VERSION = 1;
/** Manifest file name (the same name every shopfloor model directory uses). */
export const ANOMALY_MANIFEST_FILE = 'shopfloor-model.json';
/** The detector file; its `threshold` is editable. */
export const DETECTOR_FILE = 'detector.json';

/** The manifest of an anomaly model directory. */
export interface AnomalyManifest {
  readonly formatVersion: number;
  readonly task: 'anomaly';
  readonly kind: 'anomaly-detector';
  readonly detector: string;
  readonly sensors: string[];
  /** Unit (machine) column, or null for one series. */
  readonly unit: string | null;
  /** Time column, or null for row order. */
  readonly time: string | null;
  readonly seed: number;
  readonly data: { readonly file: string; readonly sha256: string; readonly rows: number };
  readonly versions: Record<string, string>;
  readonly backend: string | null;
  readonly createdAt: string;
}

/** A loaded anomaly model directory. */
export interface LoadedAnomalyModel {
  readonly dir: string;
  readonly manifest: AnomalyManifest;
  readonly detector: AnomalyDetector;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ModelFormatError(`${file}: not valid JSON (${(e as Error).message}).`, { file });
  }
}

/** Read only the manifest (to decide whether the backend is needed before loading the detector). */
export function readAnomalyManifest(dir: string): AnomalyManifest {
  if (!existsSync(dir)) throw new NotFoundError(`Model directory not found: ${dir}.`, { dir });
  const mf = path.join(dir, ANOMALY_MANIFEST_FILE);
  if (!existsSync(mf)) {
    throw new NotFoundError(`${dir} is not a shopfloor model directory: ${ANOMALY_MANIFEST_FILE} is missing (train one with 'shopfloor train --task anomaly ... --out ${dir}').`, { dir });
  }
  const m = readJson(mf) as AnomalyManifest;
  if (m?.task !== 'anomaly') {
    throw new ModelFormatError(`${dir} holds a '${String(m?.task)}' model, not an anomaly detector; train one with 'shopfloor train --task anomaly'.`, { dir, task: m?.task });
  }
  if (m.formatVersion !== ANOMALY_MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(`${mf}: format version ${String(m.formatVersion)} is not supported (this shopfloor reads ${ANOMALY_MODEL_FORMAT_VERSION}).`, { file: mf });
  }
  return m;
}

/** Load a model directory. Neural detectors need `await initBackend()` first. */
export async function loadAnomalyModel(dir: string): Promise<LoadedAnomalyModel> {
  const manifest = readAnomalyManifest(dir);
  const df = path.join(dir, DETECTOR_FILE);
  if (!existsSync(df)) throw new NotFoundError(`${df} is missing: the model directory is incomplete.`, { file: df });
  const detector = await AnomalyDetector.fromJSON(readJson(df) as DetectorState, df);
  return { dir, manifest, detector };
}

/**
 * detector.json text for people as well as programs: one top-level field per line with `threshold`
 * near the top, so it is easy to find and edit; the bulky scorer state stays on one line.
 */
export function detectorJsonText(state: DetectorState): string {
  const { formatVersion, kind, detector, threshold, scorer, ...rest } = state;
  const fields: [string, unknown][] = [['formatVersion', formatVersion], ['kind', kind], ['detector', detector], ['threshold', threshold], ...Object.entries(rest), ['scorer', scorer]];
  return `{\n${fields.map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n}\n`;
}

/** True for detectors that need the TensorFlow.js backend. */
export function isNeuralDetector(kind: string): boolean {
  return (NEURAL_SCORER_KINDS as readonly string[]).includes(kind);
}
