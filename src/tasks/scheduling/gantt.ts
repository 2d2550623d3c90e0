/**
 * Self-contained Gantt chart (HTML + inline SVG, no scripts, no external assets): one row per machine,
 * one colour per job, a hover title on every bar (job, operation, machine, start, end, duration),
 * idle time drawn as a hatched background so gaps stand out, unavailability windows in dark grey,
 * setups as thin grey bars before the operation, and the busy share per machine at the row's end.
 */
import type { Schedule } from './checker.js';
import type { ProblemData } from './model.js';

/** Options of {@link renderGanttHtml}. */
export interface GanttOptions {
  /** Title (default: the problem name). */
  readonly title?: string;
  /** Extra summary lines shown under the title (e.g. lower bound, gap). */
  readonly summary?: readonly string[];
  /** Plot width in px (default 1200). */
  readonly width?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * 20 categorical colours chosen to stay apart from each other and from the greys used for idle time
 * and unavailability (after Tableau/d3 category20b). A 15×15 chart with golden-angle hues had
 * look-alike pairs (three greens, two crimsons); this palette keeps the first 20 jobs distinct.
 */
const PALETTE = [
  '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#393b79',
  '#a6d854', '#b8860b', '#c51b8a', '#80b1d3', '#637939', '#e6550d', '#0f7b6c', '#a55194', '#7f3b08', '#4a90e2',
];

/** Distinct colours: a 20-colour palette, then golden-angle hues with alternating lightness (50+ jobs). */
export function jobColour(j: number): string {
  const c = PALETTE[j];
  if (c) return c;
  const hue = (j * 137.508) % 360;
  const light = j % 2 === 0 ? 55 : 42;
  return `hsl(${hue.toFixed(1)}, 65%, ${light}%)`;
}

/** Label colour on a job's bar: dark on light palette colours, white otherwise. */
function labelColour(j: number): string {
  const c = PALETTE[j];
  if (!c) return '#fff';
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16) / 255) as [number, number, number];
  return 0.299 * r + 0.587 * g + 0.114 * b > 0.55 ? '#111' : '#fff';
}

function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const f of [1, 2, 5, 10]) if (f * mag >= raw) return f * mag;
  return 10 * mag;
}

/**
 * Render a schedule as a standalone HTML page with an SVG Gantt chart.
 * @example writeFileSync('gantt.html', renderGanttHtml(problem, result.schedule));
 */
export function renderGanttHtml(p: ProblemData, s: Schedule, opts: GanttOptions = {}): string {
  const plotW = opts.width ?? 1200;
  const labelW = 90;
  const rightW = 70;
  const rowH = p.numMachines > 30 ? 16 : 26;
  const top = 30;
  const horizon = Math.max(1, s.makespan, ...p.unavailability.flatMap((ws) => ws.filter((w) => w.start < s.makespan).map((w) => Math.min(w.end, s.makespan))));
  const x = (t: number): number => labelW + (t / horizon) * plotW;
  const height = top + p.numMachines * rowH + 30;
  const width = labelW + plotW + rightW;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`);
  parts.push(
    '<defs><pattern id="idle" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect width="6" height="6" fill="#f4f4f4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d9d9d9" stroke-width="2"/></pattern></defs>',
  );
  // Time axis with grid lines.
  const step = niceStep(horizon, 12);
  for (let t = 0; t <= horizon + 1e-9; t += step) {
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${top + p.numMachines * rowH}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${top - 8}" text-anchor="middle" fill="#555">${t}</text>`);
  }
  const byMachine: (typeof s.operations)[number][][] = Array.from({ length: p.numMachines }, () => []);
  for (const op of s.operations) byMachine[op.machine]?.push(op);
  for (let m = 0; m < p.numMachines; m++) {
    const y = top + m * rowH;
    const name = p.machineNames[m] ?? `M${m}`;
    parts.push(`<text x="${labelW - 6}" y="${y + rowH / 2 + 4}" text-anchor="end" fill="#222">${esc(name)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 2}" width="${plotW}" height="${rowH - 4}" fill="url(#idle)"><title>${esc(name)}: idle</title></rect>`);
    for (const w of p.unavailability[m] ?? []) {
      if (w.start >= horizon) continue;
      const x0 = x(w.start);
      const x1 = x(Math.min(w.end, horizon));
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y + 2}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${rowH - 4}" fill="#555" opacity="0.75"><title>${esc(name)} unavailable [${w.start}, ${w.end})</title></rect>`);
    }
    const ops = (byMachine[m] as (typeof s.operations)[number][]).slice().sort((a, b) => a.start - b.start);
    let busy = 0;
    ops.forEach((op, i) => {
      busy += op.end - op.start;
      const prev = ops[i - 1];
      const setupT = prev ? (p.setups[m]?.[prev.job]?.[op.job] ?? 0) : 0;
      if (setupT > 0) {
        const sx = x(op.start - setupT);
        parts.push(`<rect x="${sx.toFixed(1)}" y="${y + rowH / 2 - 2}" width="${Math.max(1, x(op.start) - sx).toFixed(1)}" height="4" fill="#888"><title>setup ${setupT} before ${esc(p.jobs[op.job]?.name ?? '')}</title></rect>`);
      }
      const job = p.jobs[op.job];
      const jobName = job?.name ?? `J${op.job}`;
      const x0 = x(op.start);
      const w = Math.max(1, x(op.end) - x0);
      const title = `${jobName} op ${op.index + 1}/${job?.numOps ?? '?'} on ${name}: ${op.start}–${op.end} (${op.end - op.start})` +
        (job && Number.isFinite(job.due) ? `, due ${job.due}` : '');
      parts.push(
        `<g><title>${esc(title)}</title><rect x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" rx="2" fill="${jobColour(op.job)}" stroke="#fff" stroke-width="0.8"/>` +
          (w > 7 * String(op.job).length + 6 ? `<text x="${(x0 + w / 2).toFixed(1)}" y="${y + rowH / 2 + 4}" text-anchor="middle" fill="${labelColour(op.job)}" font-size="10" pointer-events="none">${op.job}</text>` : '') +
          '</g>',
      );
    });
    const share = s.makespan > 0 ? Math.round((100 * busy) / s.makespan) : 0;
    parts.push(`<text x="${labelW + plotW + 6}" y="${y + rowH / 2 + 4}" fill="#555">${share}% busy</text>`);
  }
  const yAxis = top + p.numMachines * rowH;
  parts.push(`<line x1="${x(s.makespan).toFixed(1)}" y1="${top - 4}" x2="${x(s.makespan).toFixed(1)}" y2="${yAxis + 6}" stroke="#c00" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${x(s.makespan).toFixed(1)}" y="${yAxis + 18}" text-anchor="end" fill="#c00">Cmax ${s.makespan}</text>`);
  parts.push('</svg>');
  const title = opts.title ?? p.name;
  const summary = [`${p.jobs.length} jobs × ${p.numMachines} machines, ${p.ops.length} operations`, `makespan ${s.makespan}`, `total weighted tardiness ${s.weightedTardiness}`, ...(opts.summary ?? [])];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — Gantt</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;color:#222}h1{font-size:18px;margin:0 0 4px}p{margin:0 0 10px;color:#555;font-size:13px}
svg g:hover rect{stroke:#000;stroke-width:1.5}.legend span{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px;vertical-align:middle}</style></head>
<body><h1>${esc(title)}</h1><p>${summary.map(esc).join(' · ')}</p>
<p>Rows are machines; colours and labels are jobs; hatched grey is idle time; dark grey is unavailability; hover a bar for details.</p>
${parts.join('\n')}
<p class="legend">${p.jobs.map((j, i) => `<span style="background:${jobColour(i)}"></span>${j.name === `J${i}` ? esc(j.name) : `${i}: ${esc(j.name)}`}`).join(' ')}</p>
</body></html>
`;
}
