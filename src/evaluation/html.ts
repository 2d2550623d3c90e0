/** Small helpers for the self-contained HTML reports. */

export function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Format a metric: 3 decimals, '—' for NaN/undefined. */
export function fmt(v: number | undefined | null, digits = 3): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], cls = ''): string {
  const th = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? fmt(c) : c}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A complete HTML page with the report stylesheet (screen and print). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; max-width: 1080px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; margin-top: 2em; }
.meta { color: #57606a; font-size: 0.9em; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.kpi { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px; }
.kpi b { display: block; font-size: 1.5em; } .kpi span { color: #57606a; font-size: 0.85em; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: right; } th { background: #f6f8fa; }
td:first-child, th:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .charts > div { border: 1px solid #eaeef2; border-radius: 6px; }
.note { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; }
.warn { background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px; padding: 8px 12px; }
.cm td.hit { background: #dafbe1; } .cm td.miss { background: #ffebe9; }
@media print { body { max-width: none; margin: 0; } h2 { break-after: avoid; } .charts > div, table { break-inside: avoid; } }
</style></head><body>
${body}
</body></html>
`;
}
