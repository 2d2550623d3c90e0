/**
 * Pairwise feature crosses: products and differences of numeric columns.
 *
 * Why: many failure mechanisms are physics on *combinations* of sensors — mechanical power is
 * torque × angular speed, heat dissipation depends on a temperature difference, overstrain on tool
 * wear × torque (the AI4I 2020 mechanisms, Matzka 2020). Axis-aligned trees need many splits to
 * approximate a product; giving them the crosses lets them cut along the mechanism in one split.
 * Stateless apart from the column list, so it is saved with the model and re-applied identically.
 */
import { ConfigError, ModelFormatError } from '../core/errors.js';
import { isCategorical, numericColumn, type Column, type Table } from '../core/table.js';

export type CrossOp = 'product' | 'difference' | 'ratio';

export interface PairwiseCrossesOptions {
  /** Numeric columns to cross (all pairs i < j). */
  readonly columns: readonly string[];
  /** Which crosses to add (default product and difference). */
  readonly ops?: readonly CrossOp[];
}

const OPS: readonly CrossOp[] = ['product', 'difference', 'ratio'];
const SYMBOL: Record<CrossOp, string> = { product: '*', difference: '-', ratio: '/' };

export class PairwiseCrosses {
  static readonly kind = 'pairwise-crosses';
  static readonly formatVersion = 1;
  readonly columns: readonly string[];
  readonly ops: readonly CrossOp[];

  constructor(options: PairwiseCrossesOptions) {
    if (!Array.isArray(options.columns) || options.columns.length < 2) {
      throw new ConfigError('PairwiseCrosses: columns must list at least two numeric columns.', { option: 'columns' });
    }
    const ops = options.ops ?? ['product', 'difference'];
    for (const op of ops) {
      if (!OPS.includes(op)) throw new ConfigError(`PairwiseCrosses: ops: expected some of ${OPS.join(', ')}; got '${String(op)}'.`, { option: 'ops' });
    }
    this.columns = [...options.columns];
    this.ops = [...ops];
  }

  /** Names of the columns `apply` adds, e.g. 'Torque*Rotational speed'. */
  get outputNames(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.columns.length; i++) {
      for (let j = i + 1; j < this.columns.length; j++) {
        for (const op of this.ops) out.push(`${this.columns[i]}${SYMBOL[op]}${this.columns[j]}`);
      }
    }
    return out;
  }

  /** A new table with the crosses added (missing in → missing out). */
  apply(table: Table): Table {
    const vals = this.columns.map((c) => {
      const col = table.column(c, 'PairwiseCrosses');
      if (isCategorical(col)) throw new ConfigError(`PairwiseCrosses: column '${c}' is ${col.kind}; only numeric columns can be crossed.`, { column: c });
      return col.values;
    });
    const added: Column[] = [];
    const n = table.nRows;
    for (let i = 0; i < vals.length; i++) {
      for (let j = i + 1; j < vals.length; j++) {
        const a = vals[i] as Float64Array;
        const b = vals[j] as Float64Array;
        for (const op of this.ops) {
          const v = new Float64Array(n);
          for (let r = 0; r < n; r++) {
            const x = a[r] as number;
            const y = b[r] as number;
            v[r] = op === 'product' ? x * y : op === 'difference' ? x - y : y === 0 ? NaN : x / y;
          }
          added.push(numericColumn(`${this.columns[i]}${SYMBOL[op]}${this.columns[j]}`, v));
        }
      }
    }
    return table.withColumns(added);
  }

  toJSON(): Record<string, unknown> {
    return { kind: PairwiseCrosses.kind, formatVersion: PairwiseCrosses.formatVersion, columns: [...this.columns], ops: [...this.ops] };
  }

  static fromJSON(json: unknown): PairwiseCrosses {
    const o = json as { kind?: unknown; formatVersion?: unknown; columns?: unknown; ops?: unknown };
    if (!o || o.kind !== PairwiseCrosses.kind || o.formatVersion !== PairwiseCrosses.formatVersion || !Array.isArray(o.columns) || !Array.isArray(o.ops)) {
      throw new ModelFormatError(`Not a saved ${PairwiseCrosses.kind} (format version ${PairwiseCrosses.formatVersion}).`);
    }
    return new PairwiseCrosses({ columns: o.columns as string[], ops: o.ops as CrossOp[] });
  }
}
