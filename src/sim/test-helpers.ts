/** Helpers for the simulator tests (not part of the public API). */
import { isCategorical } from '../core/table.js';
import type { Table } from '../core/table.js';

/** Byte-for-byte equality of two tables (names, kinds, values, categories). */
export function sameTable(a: Table, b: Table): boolean {
  if (a.names.join('\u0000') !== b.names.join('\u0000')) return false;
  return a.columns.every((ca, j) => {
    const cb = b.columns[j];
    if (cb === undefined || ca.kind !== cb.kind) return false;
    if (isCategorical(ca) && isCategorical(cb)) {
      return ca.categories.join('\u0000') === cb.categories.join('\u0000') && Buffer.from(ca.codes.buffer).equals(Buffer.from(cb.codes.buffer));
    }
    if (!isCategorical(ca) && !isCategorical(cb)) return Buffer.from(ca.values.buffer).equals(Buffer.from(cb.values.buffer));
    return false;
  });
}
