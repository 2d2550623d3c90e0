/**
 * The failure-prediction report: one self-contained HTML page (charts are inline SVG rendered on the
 * server; no script, no network) and the metrics.json beside it.
 */
import type { Table } from '../core/table.js';
import { isCategorical } from '../core/table.js';
import type { FailureTrainResult } from '../tasks/maintenance/failure.js';
import { barChart, lineChart } from './charts.js';
import { escapeHtml, fmt, page, table } from './html.js';
import { calibrationBins, prCurve, rocCurve } from './metrics.js';

export interface ReportContext {
  readonly dataFile: string;
  readonly dataSha256: string;
  readonly backend: string | null;
  readonly seed: number;
  readonly createdAt: string;
  readonly version: string;
}

/** The numbers of a training run as plain JSON (metrics.json). */
export function failureMetricsJson(r: FailureTrainResult, ctx: ReportContext): Record<string, unknown> {
  const binary = r.target.classes.length === 2;
  const pos = binary ? r.test.perClass[1] : undefined;
  return {
    task: 'failure',
    target: r.target.name,
    classes: r.target.classes,
    model: r.model,
    backend: ctx.backend,
    seed: ctx.seed,
    data: { file: ctx.dataFile, sha256: ctx.dataSha256 },
    split: r.split,
    threshold: r.threshold,
    test: {
      ...(pos ? { failureF1: pos.f1, failurePrecision: pos.precision, failureRecall: pos.recall } : {}),
      accuracy: r.test.accuracy,
      balancedAccuracy: r.test.balancedAccuracy,
      macroF1: r.test.macroF1,
      rocAuc: r.test.rocAuc ?? r.test.rocAucOvr ?? null,
      prAuc: r.test.prAuc ?? null,
      brier: r.test.brier ?? null,
      perClass: r.test.perClass,
      confusion: { labels: r.target.classes, counts: r.test.confusion.counts },
    },
    cv: r.cv,
    comparison: r.comparison,
    baseline: r.baseline,
    importance: r.importance,
    dropped: r.dropped,
    leakage: r.leakage,
    features: r.features.map((f) => f.name),
    history: r.history,
    foldHistories: r.foldHistories,
    trainSeconds: r.seconds,
  };
}

function dataSummary(t: Table, features: FailureTrainResult['features']): string {
  const rows = features.map((f) => {
    const c = t.column(f.name);
    if (isCategorical(c)) {
      const counts = new Map<number, number>();
      let missing = 0;
      for (const code of c.codes) {
        if (code < 0) missing++;
        else counts.set(code, (counts.get(code) ?? 0) + 1);
      }
      const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${escapeHtml(c.categories[k] as string)} ${n}`).join(', ');
      return [escapeHtml(f.name), '', 'categorical', String(missing), top, '', ''];
    }
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let n = 0;
    let missing = 0;
    for (const v of c.values) {
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      n++;
    }
    return [escapeHtml(f.name), escapeHtml(f.unit ?? ''), 'numeric', String(missing), fmt(sum / n, 2), fmt(min, 2), fmt(max, 2)];
  });
  return table(['feature', 'unit', 'kind', 'missing', 'mean / top values', 'min', 'max'], rows);
}

/** Render the report page. `data` is the full table the model was trained on (for the summary). */
export function failureReportHtml(r: FailureTrainResult, data: Table, ctx: ReportContext): string {
  const k = r.target.classes.length;
  const binary = k === 2;
  const pos = binary ? r.test.perClass[1] : undefined;
  const posLabel = binary ? r.target.classes[1] : undefined;
  const parts: string[] = [];
  parts.push(`<h1>Failure prediction: ${escapeHtml(r.target.name)}</h1>`);
  parts.push(
    `<p class="meta">Model <b>${r.model}</b> · backend ${escapeHtml(ctx.backend ?? 'none (no neural network)')} · data ${escapeHtml(ctx.dataFile)} (${data.nRows} rows, sha256 ${ctx.dataSha256.slice(0, 12)}…) · seed ${ctx.seed} · split ${escapeHtml(r.split.kind)}: ${r.split.train} train (of which ${r.split.val} validation) / ${r.split.test} test · shopfloor ${escapeHtml(ctx.version)} · ${escapeHtml(ctx.createdAt)}</p>`,
  );
  const kpis: [string, string][] = binary
    ? [
        [fmt(pos?.f1), `F1 of '${posLabel}' (test)`],
        [fmt(pos?.precision), 'precision (test)'],
        [fmt(pos?.recall), 'recall (test)'],
        [fmt(r.test.rocAuc), 'ROC-AUC (test)'],
        [fmt(r.test.prAuc), 'PR-AUC (test)'],
        [r.cv ? `${fmt(r.cv.f1.mean)} ± ${fmt(r.cv.f1.std)}` : '—', `F1, ${r.cv?.folds ?? 0}-fold CV`],
      ]
    : [
        [fmt(r.test.macroF1), 'macro-F1 (test)'],
        [fmt(r.test.balancedAccuracy), 'balanced accuracy (test)'],
        [fmt(r.test.rocAucOvr), 'ROC-AUC one-vs-rest (test)'],
        [r.cv ? `${fmt(r.cv.f1.mean)} ± ${fmt(r.cv.f1.std)}` : '—', `macro-F1, ${r.cv?.folds ?? 0}-fold CV`],
      ];
  parts.push(`<div class="kpis">${kpis.map(([v, l]) => `<div class="kpi"><b>${v}</b><span>${escapeHtml(l)}</span></div>`).join('')}</div>`);

  const acc = r.test.accuracy;
  parts.push(
    `<div class="note"><b>Why not accuracy?</b> On this test set, always answering “${escapeHtml(r.baseline.majorityClass)}” scores <b>${(100 * r.baseline.majorityAccuracy).toFixed(1)} %</b> accuracy and finds no failure at all; this model's accuracy is ${(100 * acc).toFixed(1)} %. When only a few % of rows are failures, accuracy mostly counts the easy “no failure” rows. What matters is how many failures are caught (recall), how many alarms are real (precision), and their balance (F1), plus threshold-free ranking quality (ROC-AUC, and PR-AUC, which is honest under imbalance).${binary ? ` The decision threshold ${fmt(r.threshold)} on P(${escapeHtml(posLabel ?? '')}) was tuned for F1 on the validation part of the training data, never on the test set.` : ''}</div>`,
  );

  parts.push('<h2>Data</h2>');
  parts.push(dataSummary(data, r.features));
  if (r.dropped.length) parts.push(`<p>Dropped as uninformative: ${r.dropped.map((d) => `<b>${escapeHtml(d.name)}</b> (${d.reason})`).join(', ')}.</p>`);
  if (r.leakage.length) {
    parts.push(
      `<div class="warn"><b>Leakage guard.</b> ${r.leakage.map((l) => `<b>${escapeHtml(l.column)}</b>: ${escapeHtml(l.reason)} — ${l.excluded ? 'excluded' : 'kept by --allow-leakage'}`).join('; ')}. Features that are only known once the failure has happened make a model look perfect on paper and useless in the plant.</div>`,
    );
  }

  if (r.comparison.length) {
    parts.push('<h2>Model comparison</h2>');
    parts.push(`<p>${r.comparison[0]?.folds}-fold cross-validation on the training part only; the best mean PR-AUC was kept.</p>`);
    parts.push(
      table(
        ['model', binary ? 'F1 (failure)' : 'macro-F1', 'ROC-AUC', 'PR-AUC'],
        r.comparison.map((c) => [c.model === r.model ? `<b>${c.model}</b>` : c.model, `${fmt(c.f1.mean)} ± ${fmt(c.f1.std)}`, `${fmt(c.rocAuc.mean)} ± ${fmt(c.rocAuc.std)}`, `${fmt(c.prAuc.mean)} ± ${fmt(c.prAuc.std)}`]),
      ),
    );
  }
  if (r.cv) {
    parts.push(
      `<p>Cross-validation of <b>${r.model}</b> over all rows (${r.cv.folds} folds; in each fold the preprocessing, model and threshold are fitted on the other folds): F1 ${fmt(r.cv.f1.mean)} ± ${fmt(r.cv.f1.std)}, ROC-AUC ${fmt(r.cv.rocAuc.mean)} ± ${fmt(r.cv.rocAuc.std)}, PR-AUC ${fmt(r.cv.prAuc.mean)} ± ${fmt(r.cv.prAuc.std)}.</p>`,
    );
  }

  parts.push('<h2>Held-out test set</h2>');
  const cm = r.test.confusion;
  const cmRows = r.target.classes.map((t, i) => [
    `true ${escapeHtml(t)}`,
    ...r.target.classes.map((_, j) => `<span>${cm.counts[i * k + j]}</span>`),
  ]);
  parts.push(
    `<table class="cm"><thead><tr><th></th>${r.target.classes.map((c) => `<th>predicted ${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${cmRows
      .map((row, i) => `<tr>${row.map((c, j) => (j === 0 ? `<td>${c}</td>` : `<td class="${j - 1 === i ? 'hit' : 'miss'}">${c}</td>`)).join('')}</tr>`)
      .join('')}</tbody></table>`,
  );
  parts.push(table(['class', 'precision', 'recall', 'F1', 'support'], r.test.perClass.map((c) => [escapeHtml(c.label), c.precision, c.recall, c.f1, String(c.support)])));

  const charts: string[] = [];
  if (binary) {
    const y = r.testScores.y;
    const p1 = Float64Array.from({ length: y.length }, (_, i) => r.testScores.prob[i * 2 + 1] as number);
    const roc = rocCurve(y, p1);
    charts.push(lineChart([{ name: `ROC (AUC ${fmt(r.test.rocAuc)})`, x: roc.x, y: roc.y }, { name: 'chance', x: [0, 1], y: [0, 1], dashed: true }], { title: 'ROC curve (test)', xName: 'false positive rate', yName: 'true positive rate', xMin: 0, xMax: 1, yMin: 0, yMax: 1 }));
    const pr = prCurve(y, p1);
    const prevalence = y.reduce((s, v) => s + v, 0) / y.length;
    charts.push(lineChart([{ name: `PR (AP ${fmt(r.test.prAuc)})`, x: [0, ...pr.x], y: [1, ...pr.y] }, { name: `chance (${fmt(prevalence)})`, x: [0, 1], y: [prevalence, prevalence], dashed: true }], { title: 'Precision–recall curve (test)', xName: 'recall', yName: 'precision', xMin: 0, xMax: 1, yMin: 0, yMax: 1 }));
    const cal = calibrationBins(y, p1, 10);
    charts.push(lineChart([{ name: 'model', x: cal.map((b) => b.meanPredicted), y: cal.map((b) => b.fractionPositive) }, { name: 'perfect', x: [0, 1], y: [0, 1], dashed: true }], { title: `Calibration (Brier ${fmt(r.test.brier, 4)})`, xName: 'mean predicted probability', yName: 'observed failure rate', xMin: 0, xMax: 1, yMin: 0, yMax: 1 }));
  }
  if (r.foldHistories.length > 1) {
    // A cross-fit: one validation curve per booster (each early-stopped on its own fold).
    const series = r.foldHistories.map((h, j) => ({ name: `fold ${j + 1} validation`, x: h.valLoss.map((_, i) => i + 1), y: h.valLoss }));
    const kept = r.foldHistories.map((h) => h.bestEpoch + 1).join(', ');
    charts.push(lineChart(series, { title: `Cross-fit: ${r.foldHistories.length} boosters (kept rounds ${kept})`, xName: 'boosting round', yName: 'validation loss' }));
  } else if (r.history.loss.length > 1) {
    const ep = r.history.loss.map((_, i) => i + 1);
    const series = [{ name: 'train loss', x: ep, y: r.history.loss }];
    if (r.history.valLoss.length) series.push({ name: 'validation loss', x: r.history.valLoss.map((_, i) => i + 1), y: r.history.valLoss });
    charts.push(lineChart(series, { title: `Training curve (kept ${r.model === 'gbdt' ? 'round' : 'epoch'} ${r.history.bestEpoch + 1})`, xName: r.model === 'gbdt' ? 'boosting round' : 'epoch', yName: 'loss' }));
  }
  parts.push(`<div class="charts">${charts.map((c) => `<div>${c}</div>`).join('')}</div>`);

  if (r.importance.length) {
    parts.push('<h2>Permutation feature importance</h2>');
    parts.push(`<p>Drop in ${binary ? 'PR-AUC' : 'macro-F1'} on the test set when one column is shuffled (mean of repeats; larger = the model relies on it more).</p>`);
    parts.push(`<div class="charts"><div>${barChart(r.importance.map((i) => i.feature), r.importance.map((i) => i.drop), { title: 'Permutation importance', xName: `drop in ${binary ? 'PR-AUC' : 'macro-F1'}`, yName: '' })}</div></div>`);
  }
  parts.push(`<p class="meta">Generated by shopfloor ${escapeHtml(ctx.version)}. Every number on this page was measured on the data above; none is estimated or copied.</p>`);
  return page(`shopfloor report — ${r.target.name}`, parts.join('\n'));
}
