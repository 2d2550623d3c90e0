/**
 * The anomaly model's self-contained HTML report: what was trained and calibrated, the score trace of
 * each machine with its threshold and alarms (and labelled anomalies when given), and the event-wise
 * evaluation table per anomaly kind. Charts are inline SVG (evaluation/charts.ts): no script, no network.
 */
import { lineChart } from '../../evaluation/charts.js';
import { escapeHtml, fmt, page, table } from '../../evaluation/html.js';
import type { MachineData } from './data.js';
import type { DetectionResult } from './detector.js';
import type { EventEvaluation, LabelSpan } from './evaluate.js';

/** Everything the report shows. */
export interface AnomalyReportInput {
  readonly title: string;
  readonly detector: string;
  readonly threshold: number;
  readonly falseAlarmRate: number;
  readonly sensors: readonly string[];
  readonly calibration: { readonly samples: number; readonly alarmRate: number };
  readonly trainFile: string;
  /** Data shown in the traces (the evaluation data when given, else the training data). */
  readonly traceFile: string;
  readonly machines: readonly MachineData[];
  readonly results: readonly DetectionResult[];
  readonly spans?: readonly LabelSpan[];
  readonly evaluation?: EventEvaluation;
  readonly createdAt: string;
  readonly version: string;
}

/** One line per scorer kind: what its per-sensor score is (docs/anomaly.md §2). */
const SCORER_NOTES: Readonly<Record<string, string>> = {
  'robust-z': 'Per-sensor score: the larger robust z-score of the AR prediction residual and of the rolling dispersion.',
  ewma: 'Per-sensor score: the EWMA chart of the residual and dispersion z-scores (λ = 0.2).',
  iforest: 'Per-sensor score: isolation-forest score of (residual z, dispersion z, EWMA of residual z).',
  autoencoder: 'Per-sensor score: squared reconstruction error of a dense autoencoder over all sensors at one step.',
  'window-autoencoder': "Per-sensor score: mean squared reconstruction error of a dense autoencoder over the sensor's last window.",
  'lstm-autoencoder': "Per-sensor score: mean squared reconstruction error of an LSTM encoder-decoder over the sensor's last window.",
  transformer:
    'Per-sensor score: the one-step forecast error of a Transformer encoder (reading the last window of all sensors), robust-standardised on the training errors, or the standardised log energy of those errors over the last steps, whichever is larger.',
};

/** Buckets of a trace: at most this many points per line keeps a week of minutes readable and small. */
const MAX_POINTS = 1200;

/** Max-pool a series into at most MAX_POINTS points (keeps every peak visible). */
function downsample(y: Float64Array): { x: number[]; y: number[] } {
  const step = Math.max(1, Math.ceil(y.length / MAX_POINTS));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < y.length; i += step) {
    let best = -Infinity;
    let arg = i;
    for (let j = i; j < Math.min(y.length, i + step); j++) {
      if ((y[j] as number) > best) {
        best = y[j] as number;
        arg = j;
      }
    }
    xs.push(arg);
    ys.push(Math.round(best * 1000) / 1000);
  }
  return { x: xs, y: ys };
}

/** Render the report (a complete HTML page). */
export function anomalyReportHtml(r: AnomalyReportInput): string {
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(r.title)}</h1>`);
  parts.push(
    `<p class="meta">detector <b>${escapeHtml(r.detector)}</b> · trained on ${escapeHtml(r.trainFile)} · sensors ${r.sensors.map(escapeHtml).join(', ')} · ${escapeHtml(r.createdAt)} · shopfloor ${escapeHtml(r.version)}</p>`,
  );
  const note = SCORER_NOTES[r.detector];
  if (note) parts.push(`<p class="note">${escapeHtml(note)}</p>`);
  const totalEvents = r.results.reduce((a, d) => a + d.events.length, 0);
  const totalSamples = r.results.reduce((a, d) => a + d.score.length, 0);
  const kpis: [string, string][] = [
    [fmt(r.threshold, 2), 'threshold (editable in detector.json)'],
    [String(r.falseAlarmRate), 'target false-alarm rate'],
    [fmt(r.calibration.alarmRate, 4), `rate on ${r.calibration.samples} calibration samples`],
    [String(totalEvents), `alarm events in ${totalSamples} samples`],
  ];
  if (r.evaluation) {
    kpis.push([fmt(r.evaluation.overall.precision), 'event precision'], [fmt(r.evaluation.overall.recall), 'event recall'], [fmt(r.evaluation.overall.f1), 'event F1']);
  }
  parts.push(`<div class="kpis">${kpis.map(([v, l]) => `<div class="kpi"><b>${v}</b><span>${escapeHtml(l)}</span></div>`).join('')}</div>`);
  parts.push(
    `<p class="note">The score is each sensor's anomaly score, normalised by its median and MAD on normal calibration data, and the maximum (or mean) over sensors. An alarm is a sample above the threshold, set at the ${fmt((1 - r.falseAlarmRate) * 100, 2)} % quantile of normal calibration scores. Alarms close together form one event.</p>`,
  );
  if (r.evaluation) {
    const e = r.evaluation;
    parts.push('<h2>Event-wise evaluation (no point-adjust)</h2>');
    parts.push(
      `<p>A labelled anomaly is detected when an alarm falls within it or up to ${e.toleranceSamples} samples after its end; an alarm event overlapping no label (with the same tolerance) is false. Delay = samples from the anomaly's first sample to the first alarm. ${e.alarmEvents} alarm events, ${e.overall.falseEvents} false (${fmt(e.falseEventsPer10k, 2)} per 10,000 samples).</p>`,
    );
    const rows = [...e.byKind, { kind: 'all', ...e.overall }].map((k) => [
      escapeHtml(k.kind),
      String(k.labels),
      String(k.detected),
      k.recall,
      k.precision,
      k.f1,
      fmt(k.meanDelay, 1),
      fmt(k.medianDelay, 1),
    ]);
    parts.push(table(['kind', 'labelled', 'detected', 'recall', 'precision', 'F1', 'mean delay', 'median delay'], rows));
  }
  parts.push(`<h2>Score traces — ${escapeHtml(r.traceFile)}</h2>`);
  const charts: string[] = [];
  r.machines.slice(0, 6).forEach((m, k) => {
    const d = r.results[k];
    if (!d) return;
    const tr = downsample(d.score);
    const alarmsX: number[] = [];
    const alarmsY: number[] = [];
    for (const ev of d.events) {
      alarmsX.push(ev.peakIndex);
      alarmsY.push(Math.round(ev.peak * 1000) / 1000);
    }
    const series = [
      { name: 'score', x: tr.x, y: tr.y },
      { name: 'threshold', x: [0, d.score.length - 1], y: [r.threshold, r.threshold], dashed: true },
      { name: 'alarm events (peak)', x: alarmsX, y: alarmsY, points: true },
    ];
    const spans = (r.spans ?? []).filter((s) => s.machine === m.id);
    if (spans.length) series.push({ name: 'labelled anomaly (start)', x: spans.map((s) => s.start), y: spans.map(() => r.threshold), points: true });
    charts.push(
      `<div>${lineChart(series, { title: `${m.id || 'series'}: ${d.events.length} alarm events`, xName: 'sample', yName: 'normalised score', width: 1000, height: 300, xMin: 0, xMax: Math.max(1, d.score.length - 1) })}</div>`,
    );
  });
  parts.push(`<div class="charts">${charts.join('\n')}</div>`);
  if (r.machines.length > 6) parts.push(`<p class="meta">First 6 of ${r.machines.length} machines shown.</p>`);
  return page(r.title, parts.join('\n'));
}
