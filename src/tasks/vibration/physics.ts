/**
 * The physics check of envelope analysis (Randall & Antoni 2011): average the envelope spectra of
 * non-overlapping segments of a recording and look for peaks at the bearing defect frequencies.
 * A localised inner-race fault should show BPFI (and harmonics, with shaft-rate sidebands), an
 * outer-race fault BPFO, a ball fault BSF (often weak: the ball rolls in and out of the load zone).
 */
import { defectFrequencies, type BearingGeometry, SKF_6205 } from './bearing.js';
import { envelopeSpectrum, peakNear, resolveFeatureOptions } from './features.js';

/** One defect frequency in an averaged envelope spectrum. */
export interface DefectPeak {
  readonly name: 'BPFI' | 'BPFO' | 'BSF' | 'FTF' | 'shaft';
  /** Expected frequency from rpm and geometry. */
  readonly expectedHz: number;
  /** Frequency of the largest bin within ±3 % (at least ±2 bins). */
  readonly foundHz: number;
  /** Its amplitude over the median level of the 10–600 Hz envelope spectrum. */
  readonly snr: number;
}

/** Result of {@link envelopeCheck}. */
export interface EnvelopeCheck {
  readonly segments: number;
  readonly binHz: number;
  readonly peaks: DefectPeak[];
  /** The strongest envelope-spectrum line between 20 and 600 Hz. */
  readonly dominantHz: number;
  readonly dominantSnr: number;
  /** The averaged envelope spectrum (bin k at k·binHz). */
  readonly spectrum: Float64Array;
}

/** Options of {@link envelopeCheck}. */
export interface EnvelopeCheckOptions {
  /** Segment length (power of two) [8192 → 1.46 Hz bins at 12 kHz]. */
  readonly segment?: number;
  readonly sampleRateHz?: number;
  /** Band-pass before the Hilbert transform [500, 5500] Hz. */
  readonly envelopeBandHz?: readonly [number, number];
  readonly bearing?: BearingGeometry;
}

function medianOf(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  return s.length ? (s[s.length >> 1] as number) : 0;
}

/** Averaged envelope spectrum of `signal` and the peaks at the defect frequencies for `rpm`. */
export function envelopeCheck(signal: Float64Array, rpm: number, o: EnvelopeCheckOptions = {}): EnvelopeCheck {
  const seg = o.segment ?? 8192;
  const fo = resolveFeatureOptions({ sampleRateHz: o.sampleRateHz ?? 12000, ...(o.envelopeBandHz ? { envelopeBandHz: o.envelopeBandHz } : {}) });
  const binHz = fo.sampleRateHz / seg;
  const avg = new Float64Array(seg / 2 + 1);
  let segments = 0;
  for (let s = 0; s + seg <= signal.length; s += seg) {
    const e = envelopeSpectrum(signal.subarray(s, s + seg), fo);
    for (let k = 0; k < avg.length; k++) avg[k] = (avg[k] as number) + (e[k] as number);
    segments++;
  }
  for (let k = 0; k < avg.length; k++) avg[k] = (avg[k] as number) / Math.max(1, segments);
  const floor = medianOf(avg.subarray(Math.ceil(10 / binHz), Math.floor(600 / binHz) + 1)) + 1e-15;
  const f = defectFrequencies(rpm, o.bearing ?? SKF_6205);
  const peaks = (
    [
      ['BPFI', f.bpfiHz],
      ['BPFO', f.bpfoHz],
      ['BSF', f.bsfHz],
      ['FTF', f.ftfHz],
      ['shaft', f.shaftHz],
    ] as const
  ).map(([name, hz]) => {
    const p = peakNear(avg, hz, binHz, 0.03);
    return { name, expectedHz: hz, foundHz: p.freqHz, snr: p.value / floor };
  });
  let dom = Math.ceil(20 / binHz);
  for (let k = dom; k <= Math.floor(600 / binHz); k++) if ((avg[k] as number) > (avg[dom] as number)) dom = k;
  return { segments, binHz, peaks, dominantHz: dom * binHz, dominantSnr: (avg[dom] as number) / floor, spectrum: avg };
}
