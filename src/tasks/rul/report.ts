/**
 * The self-contained HTML report of a RUL model: headline metrics, predicted vs true RUL per unit
 * (scatter against the diagonal, and a table), and the RUL trajectory of a few sample units
 * (prediction at every cycle against the piece-wise linear truth).
 */
import { lineChart } from '../../evaluation/charts.js';
import { escapeHtml, fmt, page, table } from '../../evaluation/html.js';
import type { RulManifest } from './rul.js';

/** Prediction and truth at the last cycle of one unit. */
export interface RulUnitResult {
  readonly unit: number | string;
  readonly predicted: number;
  readonly true: number;
}

/** Predicted (and, when known, true) RUL at each cycle of one unit. */
export interface RulTrajectory {
  readonly unit: number | string;
  readonly cycle: readonly number[];
  readonly predicted: readonly number[];
  /** Empty when the truth is unknown. */
  readonly true: readonly number[];
}

/** Inputs of {@link rulReportHtml}. */
export interface RulReportInput {
  readonly title: string;
  readonly manifest: RulManifest;
  readonly perUnit: readonly RulUnitResult[];
  readonly trajectories: readonly RulTrajectory[];
  readonly metrics: { readonly rmse: number | null; readonly score: number | null; readonly units: number };
  /** 'validation' (train-time, held-out training units) or 'test'. */
  readonly scope: 'validation' | 'test';
}

/** Render the report page. */
export function rulReportHtml(r: RulReportInput): string {
  const m = r.manifest;
  const p = m.preprocessor;
  const kpi = (label: string, value: string): string => `<div class="kpi"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
  const cap = m.cap;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(r.title)}</h1>`);
  parts.push(
    `<p class="meta">model ${escapeHtml(m.model)} (${m.members.map((x) => escapeHtml(x.name)).join(' + ')}); window ${m.window} cycles; RUL cap ${cap}; ` +
      `${p.nRegimes} operating regime(s); trained on ${escapeHtml(m.data.file)} (${m.data.units} units, ${m.data.windows} windows) in ${m.trainSeconds.toFixed(1)} s.</p>`,
  );
  parts.push(
    `<div class="kpis">${kpi(`RMSE (${r.scope} units)`, fmt(r.metrics.rmse, 2))}${kpi('PHM08 score (lower is better)', fmt(r.metrics.score, 1))}${kpi('units', String(r.metrics.units))}</div>`,
  );
  if (r.scope === 'validation') {
    parts.push(
      `<p class="note">Validation: every window of the ${m.validation.units} training units held out (grouped by unit) for early stopping, scored against the capped target` +
        (m.validation.members !== undefined ? ` (mean of the ${m.validation.members} member(s) that held these units out; the other copies early-stopped on other units: see the member table)` : '') +
        `. ` +
        `The standard protocol scores the last cycle of each test unit: run <code>shopfloor evaluate --model DIR --data test_FD00x.txt --rul RUL_FD00x.txt</code>.</p>`,
    );
  }
  if (r.perUnit.length > 0) {
    const ids = r.perUnit.map((_, i) => i + 1);
    parts.push('<h2>Predicted vs true RUL per unit</h2><div class="charts">');
    parts.push(
      `<div>${lineChart(
        [
          { name: 'unit', x: r.perUnit.map((u) => u.true), y: r.perUnit.map((u) => u.predicted), points: true },
          { name: 'perfect', x: [0, cap * 1.2], y: [0, cap * 1.2], dashed: true },
        ],
        { title: 'Predicted vs true RUL (last cycle)', xName: 'true RUL (cycles)', yName: 'predicted RUL', xMin: 0, yMin: 0 },
      )}</div>`,
    );
    parts.push(
      `<div>${lineChart(
        [
          { name: 'true', x: ids, y: r.perUnit.map((u) => u.true), points: true },
          { name: 'predicted', x: ids, y: r.perUnit.map((u) => u.predicted), points: true },
        ],
        { title: 'RUL per unit', xName: 'unit (order in file)', yName: 'RUL (cycles)', width: 560 },
      )}</div></div>`,
    );
    parts.push(
      table(
        ['unit', 'true RUL', 'predicted RUL', 'error (pred − true)'],
        r.perUnit.map((u) => [escapeHtml(String(u.unit)), fmt(u.true, 1), fmt(u.predicted, 1), fmt(u.predicted - u.true, 1)]),
      ),
    );
  }
  if (r.trajectories.length > 0) {
    parts.push('<h2>RUL trajectories of sample units</h2><div class="charts">');
    for (const t of r.trajectories) {
      const series = [{ name: 'predicted', x: [...t.cycle], y: [...t.predicted] }];
      if (t.true.length > 0) series.push({ name: `true (capped at ${cap})`, x: [...t.cycle], y: [...t.true] });
      parts.push(`<div>${lineChart(series, { title: `Unit ${String(t.unit)}`, xName: 'cycle', yName: 'RUL (cycles)', yMin: 0 })}</div>`);
    }
    parts.push('</div>');
  }
  parts.push('<h2>Model</h2>');
  parts.push(
    table(
      ['member', 'kind', 'input', 'parameters', 'best epoch/round', 'train s', 'validation RMSE', 'held-out units'],
      m.members.map((x) => [x.name, x.kind, x.input, x.parameters === null ? '—' : String(x.parameters), String(x.bestEpoch), fmt(x.trainSeconds, 1), fmt(x.valRmse, 2), x.holdoutBlock ? `block ${x.holdoutBlock}` : 'usual']),
    ),
  );
  parts.push(`<p>Sensors kept: ${p.sensors.map(escapeHtml).join(', ')}.</p>`);
  if (p.dropped.length > 0) parts.push(table(['dropped sensor', 'reason'], p.dropped.map((d) => [escapeHtml(d.name), escapeHtml(d.reason)])));
  return page(r.title, parts.join('\n'));
}
