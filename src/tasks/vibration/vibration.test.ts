import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { ConfigError, DataError } from '../../core/errors.js';
import { defectFrequencies, SKF_6205 } from './bearing.js';
import { fft, hilbertEnvelope, magnitudeSpectrum } from './fft.js';
import { envelopeSpectrum, featureNames, peakNear, resolveFeatureOptions, vibrationFeatures } from './features.js';
import { blocks, classesOf, labelFromFileName, loadRecordings, makeWindows, parseLabelMap, resolveDataFiles } from './data.js';
import { evaluateVibration, isVibrationModelDir, loadVibrationModel, trainVibration } from './vibration.js';
import { syntheticSignal, writeSyntheticCwru } from './test-signals.js';

function naiveDft(re: number[], im: number[]): [number[], number[]] {
  const n = re.length;
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      sr += (re[t] as number) * Math.cos(a) - (im[t] as number) * Math.sin(a);
      si += (re[t] as number) * Math.sin(a) + (im[t] as number) * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return [outRe, outIm];
}

describe('fft', () => {
  it('matches a naive DFT and inverts', () => {
    const rng = new Rng(3);
    for (const n of [2, 8, 64]) {
      const re = Array.from({ length: n }, () => rng.normal());
      const im = Array.from({ length: n }, () => rng.normal());
      const [er, ei] = naiveDft(re, im);
      const r = Float64Array.from(re);
      const i = Float64Array.from(im);
      fft(r, i);
      for (let k = 0; k < n; k++) {
        expect(r[k]).toBeCloseTo(er[k] as number, 9);
        expect(i[k]).toBeCloseTo(ei[k] as number, 9);
      }
      fft(r, i, true);
      for (let k = 0; k < n; k++) expect((r[k] as number) / n).toBeCloseTo(re[k] as number, 9);
    }
  });
  it('rejects a length that is not a power of two', () => {
    expect(() => fft(new Float64Array(6), new Float64Array(6))).toThrow(ConfigError);
  });
  it('puts a sine at its bin and recovers an AM envelope', () => {
    const n = 1024;
    const fs = 1024;
    const x = Float64Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * 100 * t) / fs));
    const s = magnitudeSpectrum(x);
    expect(s[100]).toBeCloseTo(0.5, 9);
    // 200 Hz carrier modulated at 10 Hz: the envelope is 1 + 0.5 cos(2π 10 t).
    const am = Float64Array.from({ length: n }, (_, t) => (1 + 0.5 * Math.cos((2 * Math.PI * 10 * t) / fs)) * Math.cos((2 * Math.PI * 200 * t) / fs));
    const env = hilbertEnvelope(am, fs);
    for (const t of [100, 300, 600]) expect(env[t]).toBeCloseTo(1 + 0.5 * Math.cos((2 * Math.PI * 10 * t) / fs), 6);
  });
});

describe('bearing defect frequencies', () => {
  it('give the CWRU multiples of shaft speed for the 6205', () => {
    const f = defectFrequencies(60, SKF_6205);
    expect(f.bpfiHz).toBeCloseTo(5.4152, 3);
    expect(f.bpfoHz).toBeCloseTo(3.5848, 3);
    expect(f.bsfHz).toBeCloseTo(4.7135, 3);
    expect(f.ftfHz).toBeCloseTo(0.3983, 3);
  });
});

describe('features', () => {
  const o = resolveFeatureOptions();
  it('has one value per name and finite values', () => {
    const x = syntheticSignal('inner_race', 2048, 1797, 1);
    const v = vibrationFeatures(x, 1797, o);
    expect(v.length).toBe(featureNames(o).length);
    expect(v.every(Number.isFinite)).toBe(true);
  });
  it('the envelope spectrum peaks at the defect frequency of the simulated fault', () => {
    const f = defectFrequencies(1797);
    const binHz = 12000 / 8192;
    for (const [fault, hz, others] of [
      ['inner_race', f.bpfiHz, [f.bpfoHz, f.bsfHz]],
      ['outer_race', f.bpfoHz, [f.bpfiHz, f.bsfHz]],
    ] as const) {
      const env = envelopeSpectrum(syntheticSignal(fault, 8192, 1797, 5), o);
      const at = peakNear(env, hz, binHz, 0.02);
      expect(Math.abs(at.freqHz - hz)).toBeLessThan(2 * binHz);
      for (const other of others) expect(at.value).toBeGreaterThan(3 * peakNear(env, other, binHz, 0.02).value);
    }
  });
  it('rejects windows that are not a power of two', () => {
    expect(() => vibrationFeatures(new Float64Array(1000), 1797, o)).toThrow(/power of two/);
  });
  it('validates options', () => {
    expect(() => resolveFeatureOptions({ bands: 0 })).toThrow(ConfigError);
    expect(() => resolveFeatureOptions({ envelopeBandHz: [5000, 100] })).toThrow(ConfigError);
  });
});

describe('recordings and windows', () => {
  it('labels CWRU file names', () => {
    expect(labelFromFileName('normal_0_97.mat')).toBe('normal');
    expect(labelFromFileName('/d/12k_Drive_End_IR007_0_105.mat')).toBe('inner_race');
    expect(labelFromFileName('12k_Drive_End_B007_0_118.mat')).toBe('ball');
    expect(labelFromFileName('12k_Drive_End_OR007@6_0_130.mat')).toBe('outer_race');
    expect(labelFromFileName('pump.mat')).toBeUndefined();
    expect(parseLabelMap('97=normal, pump=bad')).toEqual([
      ['97', 'normal'],
      ['pump', 'bad'],
    ]);
    expect(() => parseLabelMap('97normal')).toThrow(/PATTERN=LABEL/);
  });

  it('splits each recording into fit / val / test blocks with no window crossing a boundary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vib-'));
    const files = writeSyntheticCwru(dir, 20000);
    const recs = await loadRecordings(resolveDataFiles(dir));
    expect(recs.map((r) => r.label).sort()).toEqual(['ball', 'inner_race', 'normal', 'outer_race']);
    expect(recs.every((r) => r.rpm === 1797 && r.variable.endsWith('_DE_time'))).toBe(true);
    const classes = classesOf(recs);
    expect(classes).toEqual(['normal', 'inner_race', 'ball', 'outer_race']);
    const o = { window: 1024, hop: 256, testFraction: 0.3, valFraction: 0.2 };
    const { valStart, testStart } = blocks(20000, 0.3, 0.2);
    expect(testStart).toBe(14000);
    expect(valStart).toBe(11200);
    const fit = makeWindows(recs, classes, 'fit', o);
    const val = makeWindows(recs, classes, 'val', o);
    const test = makeWindows(recs, classes, 'test', o);
    for (let i = 0; i < fit.n; i++) expect((fit.start[i] as number) + 1024).toBeLessThanOrEqual(valStart);
    for (let i = 0; i < val.n; i++) {
      expect(val.start[i]).toBeGreaterThanOrEqual(valStart);
      expect((val.start[i] as number) + 1024).toBeLessThanOrEqual(testStart);
    }
    for (let i = 0; i < test.n; i++) expect(test.start[i]).toBeGreaterThanOrEqual(testStart);
    // Test windows do not overlap: 6000 samples → 5 windows of 1024 per recording.
    expect(test.n).toBe(4 * 5);
    expect(fit.n).toBe(4 * (Math.floor((valStart - 1024) / 256) + 1));
    // A window holds the recording's samples.
    const r0 = recs[test.recording[0] as number]!;
    expect(test.x[1]).toBeCloseTo(r0.signal[(test.start[0] as number) + 1] as number, 5);
    expect(() => makeWindows(recs, classes, 'val', { ...o, window: 4096 })).toThrow(DataError);
    // Explicit labels; a file with no label.
    const lab = await loadRecordings([files[0] as string], { labels: [['97', 'healthy']] });
    expect(lab[0]?.label).toBe('healthy');
    await expect(loadRecordings([files[0] as string], { labels: [['zzz', 'x']] })).rejects.toThrow(/--labels/);
    await expect(loadRecordings([files[0] as string], { channel: 'BA' })).rejects.toThrow(/no variable for channel 'BA'/);
  });
});

describe('trainVibration / evaluateVibration', () => {
  it('trains GBDT on features, saves atomically, loads and evaluates the same test block', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vib-'));
    writeSyntheticCwru(dir, 30000);
    const out = path.join(dir, 'model');
    const r = await trainVibration({ data: dir, out, model: 'gbdt', window: 1024, hop: 512, epochs: 40, seed: 3 });
    expect(r.manifest.test.accuracy).toBeGreaterThan(0.9);
    expect(r.manifest.recordings).toHaveLength(4);
    expect(isVibrationModelDir(out)).toBe(true);
    expect(existsSync(path.join(out, 'estimator', 'model.json'))).toBe(true);
    const ev = await evaluateVibration({ model: out, data: dir });
    expect(ev.accuracy).toBe(r.manifest.test.accuracy);
    expect(ev.windows).toBe(r.manifest.windows.test);
    expect(ev.confusion.counts.flat().reduce((a, b) => a + b, 0)).toBe(ev.windows);
    const saved = JSON.parse(readFileSync(path.join(out, 'shopfloor-model.json'), 'utf8')) as { task: string; featureNames: string[] };
    expect(saved.task).toBe('vibration');
    expect(saved.featureNames).toContain('env_bpfi_1x');
    const all = await evaluateVibration({ model: out, data: dir, segment: 'all' });
    expect(all.windows).toBeGreaterThan(ev.windows);
  }, 60_000);

  it('trains the WDCNN on raw windows, seeded', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vib-'));
    writeSyntheticCwru(dir, 20000);
    const a = await trainVibration({ data: dir, model: 'wdcnn', window: 1024, hop: 512, epochs: 3, seed: 9 });
    const b = await trainVibration({ data: dir, model: 'wdcnn', window: 1024, hop: 512, epochs: 3, seed: 9 });
    expect(a.manifest.validation.accuracy).toBe(b.manifest.validation.accuracy);
    expect(a.estimator.history.loss).toEqual(b.estimator.history.loss);
    expect(a.manifest.parameters).toBeGreaterThan(1000);
    const out = path.join(dir, 'cnn');
    await trainVibration({ data: dir, out, model: 'wdcnn', window: 1024, hop: 512, epochs: 2, seed: 9 });
    const vm = await loadVibrationModel(out);
    expect(vm.estimator.kind).toBe('wdcnn');
  }, 120_000);

  it('rejects bad options', async () => {
    await expect(trainVibration({ data: '/nonexistent-dir-x', model: 'gbdt' })).rejects.toThrow(/does not exist/);
    const dir = mkdtempSync(path.join(tmpdir(), 'vib-'));
    writeSyntheticCwru(dir, 20000);
    await expect(trainVibration({ data: dir, model: 'gbdt', window: 1000 })).rejects.toThrow(/power of two/);
    await expect(trainVibration({ data: dir, model: 'svm' as 'gbdt' })).rejects.toThrow(/--model/);
  });
});

describe('envelopeCheck', () => {
  it('finds the simulated outer-race defect as the dominant envelope line', async () => {
    const { envelopeCheck } = await import('./physics.js');
    const c = envelopeCheck(syntheticSignal('outer_race', 8192 * 4, 1797, 2), 1797);
    expect(c.segments).toBe(4);
    const bpfo = c.peaks.find((p) => p.name === 'BPFO')!;
    expect(Math.abs(c.dominantHz - bpfo.expectedHz)).toBeLessThanOrEqual(2 * c.binHz);
    expect(bpfo.snr).toBeGreaterThan(10);
    const quiet = envelopeCheck(syntheticSignal('normal', 8192 * 4, 1797, 2), 1797);
    expect(quiet.peaks.find((p) => p.name === 'BPFO')!.snr).toBeLessThan(5);
  });
});
