import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ModelFormatError } from '../../core/errors.js';
import { initBackend, tf } from '../../models/tf/backend.js';
import { simulateAnomalyStreams } from '../../sim/index.js';
import { machinesFromTable } from './data.js';
import { AnomalyDetector } from './detector.js';
import { TransformerForecastScorer, type ForecasterOptions } from './forecaster.js';
import { isNeuralDetector } from './model-dir.js';

const SENSORS = ['temperature', 'current'];
const ROLES = { unit: 'machine', time: 'timestamp' };
const train = machinesFromTable(simulateAnomalyStreams({ seed: 61, machines: 2, samples: 1500 }).clean, ROLES, SENSORS, 'train').map((m) => m.series);
const clean = machinesFromTable(simulateAnomalyStreams({ seed: 62, machines: 1, samples: 700 }).clean, ROLES, SENSORS, 'test')[0]!.series;

/** The clean test machine with a spike at 300 and a stuck stretch 450–549 on temperature. */
function injected(): Float64Array[] {
  const x = clean.map((c) => c.slice());
  const t = x[0]!;
  t[300] = t[300]! + 3; // 10 noise sds
  for (let i = 450; i < 550; i++) t[i] = t[449]!;
  return x;
}

// A small network and few steps: these test the forecaster's plumbing and its two score parts; the
// accuracy at default size is measured on the full simulator stream in docs/anomaly.md.
const small: ForecasterOptions = { window: 16, dModel: 16, heads: 2, epochs: 3, maxSamples: 1024, seed: 9 };

beforeAll(async () => {
  await initBackend();
});

describe('TransformerForecastScorer', () => {
  it('is seeded, scores a spike and a stuck sensor above clean data, and saves → loads to identical scores without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const a = await new TransformerForecastScorer(small).fit(train);
    const b = await new TransformerForecastScorer(small).fit(train);
    const x = injected();
    const sa = a.score(x);
    expect(sa.map((c) => Array.from(c))).toEqual(b.score(x).map((c) => Array.from(c)));
    const other = await new TransformerForecastScorer({ ...small, seed: 10 }).fit(train);
    expect(Array.from(other.score(x)[0]!)).not.toEqual(Array.from(sa[0]!));
    expect(a.parameterCount).toBeGreaterThan(1000);

    const normal = a.score(clean)[0]!;
    const normalMax = Math.max(...normal.subarray(40));
    // Spike: the forecast error at the spike (and the step back after it).
    expect(Math.max(...sa[0]!.subarray(300, 302))).toBeGreaterThan(normalMax);
    // Stuck: the error energy collapses once the window of differences is all zeros.
    expect(Math.max(...sa[0]!.subarray(450 + 16, 550))).toBeGreaterThan(normalMax);
    // Nothing before the first full window.
    expect(Array.from(sa[0]!.subarray(0, 17)).every((v) => v === 0)).toBe(true);

    const re = TransformerForecastScorer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(re.score(x).map((c) => Array.from(c))).toEqual(sa.map((c) => Array.from(c)));
    for (const s of [a, b, other, re]) s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('round-trips through the detector JSON and refuses a damaged file', async () => {
    expect(isNeuralDetector('transformer')).toBe(true);
    const det = await AnomalyDetector.fit(train, SENSORS, { detector: 'transformer', falseAlarmRate: 0.01, seed: 4, scorer: { ...small, epochs: 1 } });
    const saved = JSON.parse(JSON.stringify(det.toJSON()));
    expect(saved.detector).toBe('transformer');
    expect(saved.scorer.options).toMatchObject({ window: 16, dModel: 16, heads: 2, layers: 1, seed: 9 });
    const x = injected();
    const a = det.detect(x);
    const b = (await AnomalyDetector.fromJSON(saved)).detect(x);
    expect(Array.from(b.score)).toEqual(Array.from(a.score));
    expect(b.events).toEqual(a.events);
    const w0 = saved.scorer.weights[0];
    await expect(AnomalyDetector.fromJSON({ ...saved, scorer: { ...saved.scorer, weights: saved.scorer.weights.slice(1) } }, 'd.json')).rejects.toThrow(
      /d.json: the saved transformer scorer is damaged \(weights missing or of the wrong architecture\)/,
    );
    await expect(
      AnomalyDetector.fromJSON({ ...saved, scorer: { ...saved.scorer, weights: [{ ...w0, values: w0.values.slice(1) }, ...saved.scorer.weights.slice(1)] } }, 'd.json'),
    ).rejects.toThrow(ModelFormatError);
    await expect(AnomalyDetector.fromJSON({ ...saved, scorer: { ...saved.scorer, errorNorm: [{ center: 0, scale: 0 }, { center: 0, scale: 1 }] } }, 'd.json')).rejects.toThrow(
      /'errorNorm' missing/,
    );
    await expect(AnomalyDetector.fromJSON({ ...saved, sensors: ['a', 'b', 'c'], norms: [...saved.norms, saved.norms[0]] }, 'd.json')).rejects.toThrow(
      /forecasts 2 sensors; 'sensors' lists 3/,
    );
  }, 120_000);

  it('rejects invalid options and too little data', async () => {
    expect(() => new TransformerForecastScorer({ dModel: 10, heads: 4 })).toThrow(/heads: dModel \(10\) must be a multiple of heads \(4\)/);
    expect(() => new TransformerForecastScorer({ window: 2 })).toThrow(ConfigError);
    expect(() => new TransformerForecastScorer({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new TransformerForecastScorer({ energyWindow: 1 })).toThrow(/energyWindow: expected an integer in \[2, 256\]/);
    await expect(new TransformerForecastScorer({ window: 32 }).fit([train[0]!.map((s) => s.subarray(0, 40))])).rejects.toThrow(/too little training data/);
    expect(() => new TransformerForecastScorer(small).score(clean)).toThrow(/before fit/);
  });
});
