/**
 * Atomic file writes: write to a temp file beside the target, fsync, then rename, so a reader never
 * sees a half-written file and a crash leaves the old file (or nothing).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isCategorical, type Table } from '../core/table.js';
import { formatDate } from './csv/dates.js';

/** Write `data` to `file` atomically (temp + fsync + rename). Creates the parent directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/** Quote a CSV field when it needs it (RFC 4180). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * Render a table as CSV text (comma, LF, header with units as `name [unit]`). Missing values are
 * empty cells, timestamps ISO 8601, numbers in shortest round-trip form.
 */
export function formatCsv(table: Table): string {
  const header = table.columns.map((c) => csvField(c.unit ? `${c.name} [${c.unit}]` : c.name)).join(',');
  const lines: string[] = [header];
  const cols = table.columns;
  for (let i = 0; i < table.nRows; i++) {
    const cells: string[] = new Array(cols.length);
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      if (isCategorical(c)) {
        const code = c.codes[i] as number;
        cells[k] = code < 0 ? '' : csvField(c.categories[code] as string);
      } else {
        const v = c.values[i] as number;
        cells[k] = Number.isNaN(v) ? '' : c.kind === 'timestamp' ? formatDate(v) : String(v);
      }
    }
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Write a table as CSV, atomically. */
export function writeCsv(file: string, table: Table): void {
  writeFileAtomic(file, formatCsv(table));
}
