/**
 * The incremental CSV reader: bytes in, columnar Tables out. `readCsv` (whole file) and `streamCsv`
 * (batches, bounded memory) both drive this one class, so they produce identical tables for any chunk
 * size (tested).
 *
 * Schema inference looks at the first `inferRows` data rows (the same rows however the bytes are
 * chunked): numeric, timestamp, categorical, or id. A later cell that contradicts the inferred type is
 * an error naming file:line:column and the value, with the option that fixes it — never a silent
 * coercion to NaN.
 */
import { DataError } from '../../core/errors.js';
import { categoricalColumn, isCategorical, Table, type Column, type ColumnKind } from '../../core/table.js';
import { isNumberText, sampleLines, sniffDelimiter, splitUnit } from './dialect.js';
import { detectDateOrder, looksLikeDate, parseDate, type DateOrder } from './dates.js';
import { NOT_A_NUMBER, parseNumberBytes } from './number.js';
import { CsvTokenizer, fieldText, type Delimiter, type RowFields } from './tokenizer.js';

/** Tokens read as a missing value by default (besides the empty cell). */
export const DEFAULT_MISSING = ['NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', '#N/A', '-', '?'] as const;

export interface CsvOptions {
  /** Field separator; 'auto' (default) sniffs ',', ';', tab, '|' or runs of whitespace. */
  readonly delimiter?: Delimiter | 'auto';
  /** Whether the first row is a header; 'auto' (default): header unless every first-row field is a number. */
  readonly header?: boolean | 'auto';
  /** Column names to use (required length = field count). With a header, they replace it. */
  readonly columnNames?: readonly string[];
  /** Per-column type overrides by (unit-stripped) name, e.g. `{ UDI: 'id', Type: 'categorical' }`. */
  readonly schema?: Readonly<Record<string, ColumnKind>>;
  /** Tokens meaning "missing" in addition to the empty cell. Default: DEFAULT_MISSING. */
  readonly missing?: readonly string[];
  /** Decimal separator; 'auto' (default) detects `3,14` in non-comma files. */
  readonly decimal?: '.' | ',' | 'auto';
  /** Order of numeric dates like 01/02/2018; 'auto' (default) decides from the data, else day-first. */
  readonly dateOrder?: DateOrder | 'auto';
  /**
   * Whether a schema override naming a column the file lacks is an error (default true). Readers of
   * a model's input set false and report missing columns themselves, all at once.
   */
  readonly strictSchema?: boolean;
  /** Rows used for schema inference (default 5000). */
  readonly inferRows?: number;
  /** Name used in messages (default: the path, or 'input'). */
  readonly source?: string;
  /** Receives warnings (e.g. an assumed date order). */
  readonly onWarning?: (message: string) => void;
}

/** What the reader decided about the file, for messages and for saving with a model. */
export interface CsvDialect {
  readonly delimiter: Delimiter;
  readonly header: boolean;
  readonly decimal: '.' | ',';
  readonly dateOrder: DateOrder;
}

/** A column as inferred (or overridden). */
export interface ColumnSchema {
  readonly name: string;
  readonly unit?: string;
  readonly kind: ColumnKind;
}

const SNIFF_BYTES = 64 * 1024;
const DATE_EXPECTED = 'a date (ISO 8601 or dd/mm/yyyy [HH:MM[:SS]])';
const ID_NAME = /(^|[\s_-])(id|udi|uid|uuid|serial|index)$|^(id|udi|uid|uuid)([\s_-]|$)/i;

class F64Builder {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

class CodeBuilder {
  codes = new Int32Array(1024);
  length = 0;
  dict = new Map<string, number>();
  categories: string[] = [];
  /** Forget the dictionary (id columns between stream batches: unique values must not pile up). */
  reset(): void {
    this.dict = new Map();
    this.categories = [];
  }
  push(text: string | null): void {
    let code = -1;
    if (text !== null) {
      const c = this.dict.get(text);
      if (c === undefined) {
        code = this.categories.length;
        this.dict.set(text, code);
        this.categories.push(text);
      } else code = c;
    }
    if (this.length === this.codes.length) {
      const d = new Int32Array(this.codes.length * 2);
      d.set(this.codes);
      this.codes = d;
    }
    this.codes[this.length++] = code;
  }
}

type Builder =
  | { t: 'f'; kind: 'numeric' | 'timestamp'; b: F64Builder }
  | { t: 'c'; kind: 'categorical' | 'id'; b: CodeBuilder };

/**
 * Incremental reader. Feed bytes with `push`, call `end()`, and take tables with `takeBatch()`.
 * @throws DataError / ConfigError with file:line:column context on bad input.
 */
export class CsvReader {
  private readonly source: string;
  private readonly missing: Set<string>;
  private readonly maxMissingLen: number;
  private readonly inferRows: number;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private bomChecked = false;
  private tokenizer: CsvTokenizer | null = null;
  private dialectInfo: CsvDialect | null = null;
  private names: string[] | null = null;
  private units: (string | undefined)[] = [];
  private headerLine = 0;
  private sample: RowFields[] = [];
  private schemaInfo: ColumnSchema[] | null = null;
  private builders: Builder[] = [];
  private decimalByte = 46;
  private batchStart = 0;
  private rows = 0;
  private ended = false;
  private bytesIn = 0;

  constructor(private readonly opts: CsvOptions = {}) {
    this.source = opts.source ?? 'input';
    const miss = opts.missing ?? DEFAULT_MISSING;
    this.missing = new Set(miss);
    this.maxMissingLen = miss.reduce((m, s) => Math.max(m, Buffer.byteLength(s)), 0);
    this.inferRows = opts.inferRows ?? 5000;
  }

  /** The dialect, once known (after the first 64 KiB or end of input). */
  get dialect(): CsvDialect | null {
    return this.dialectInfo;
  }

  /** The column schema, once inferred. */
  get schema(): readonly ColumnSchema[] | null {
    return this.schemaInfo;
  }

  /** Data rows read so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** Rows parsed but not yet taken by takeBatch(). */
  get pendingRows(): number {
    return this.rows - this.batchStart;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.bytesIn += chunk.length;
    if (!this.bomChecked) {
      // Wait for 3 bytes to decide on a BOM.
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < 3) return;
      const all = concatBytes(this.head);
      this.head = [];
      this.headBytes = 0;
      this.bomChecked = true;
      chunk = all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf ? all.subarray(3) : all;
      if (chunk.length === 0) return;
    }
    if (this.tokenizer) {
      this.tokenizer.push(chunk);
      return;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes >= SNIFF_BYTES) this.startTokenizer(false);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.bomChecked) {
      this.bomChecked = true;
      const all = concatBytes(this.head);
      this.head = all.length > 0 ? [all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf ? all.subarray(3) : all] : [];
      this.headBytes = all.length;
    }
    if (!this.tokenizer) {
      if (this.bytesIn === 0 || this.head.every((h) => h.length === 0) || !/\S/.test(decode(concatBytes(this.head)))) {
        throw new DataError('SF_DATA_EMPTY', `${this.source} is empty: no header and no rows.`, { file: this.source });
      }
      this.startTokenizer(true);
    }
    (this.tokenizer as CsvTokenizer).end();
    if (!this.schemaInfo) this.finishSample();
    if (this.rows === 0) {
      throw new DataError(
        'SF_DATA_EMPTY',
        `${this.source} has a header (${(this.names ?? []).length} columns) but no data rows.`,
        { file: this.source, columns: this.names ?? [] },
      );
    }
  }

  private startTokenizer(complete: boolean): void {
    const head = concatBytes(this.head);
    this.head = [];
    const text = decode(head.subarray(0, Math.min(head.length, SNIFF_BYTES)));
    const lines = sampleLines(text, complete && head.length <= SNIFF_BYTES);
    const delimiter = this.opts.delimiter && this.opts.delimiter !== 'auto' ? this.opts.delimiter : sniffDelimiter(lines);
    this.dialectInfo = { delimiter, header: true, decimal: '.', dateOrder: 'dmy' };
    this.tokenizer = new CsvTokenizer(delimiter, (row) => this.onRow(row));
    this.tokenizer.push(head);
  }

  private onRow(row: RowFields): void {
    if (this.names === null) {
      this.onFirstRow(row);
      return;
    }
    if (row.count !== this.names.length) {
      throw new DataError(
        'SF_DATA_RAGGED',
        `${this.source}:${row.line}: expected ${this.names.length} fields (as in ${this.headerLine > 0 ? `the header on line ${this.headerLine}` : 'the first row'}), found ${row.count}.`,
        { file: this.source, line: row.line, expected: this.names.length, found: row.count },
      );
    }
    if (this.schemaInfo === null) {
      this.sample.push(copyRow(row));
      if (this.sample.length >= this.inferRows) this.finishSample();
      return;
    }
    this.appendRow(row);
  }

  private onFirstRow(row: RowFields): void {
    const fields: string[] = [];
    for (let k = 0; k < row.count; k++) fields.push(fieldText(row, k));
    const d = this.dialectInfo as CsvDialect;
    let header: boolean;
    if (this.opts.header === undefined || this.opts.header === 'auto') {
      header = !fields.every((f) => f.trim() !== '' && (isNumberText(f, '.') || isNumberText(f, ',')));
    } else header = this.opts.header;
    this.dialectInfo = { ...d, header };
    let raw: string[];
    if (this.opts.columnNames) {
      if (this.opts.columnNames.length !== fields.length) {
        throw new DataError(
          'SF_DATA_SCHEMA',
          `${this.source}:${row.line}: ${this.opts.columnNames.length} column names were given but the file has ${fields.length} fields per row.`,
          { file: this.source, expected: this.opts.columnNames.length, found: fields.length },
        );
      }
      raw = [...this.opts.columnNames];
    } else if (header) {
      raw = fields;
    } else {
      raw = fields.map((_, k) => `col${k + 1}`);
    }
    const names: string[] = [];
    const units: (string | undefined)[] = [];
    const split = raw.map((r) => splitUnit(r));
    // Strip units only when that keeps names unique (`T [K]` and `T [C]` keep their full text).
    const stripped = split.map((s) => s.name);
    const strippedUnique = new Set(stripped).size === stripped.length;
    for (let k = 0; k < raw.length; k++) {
      let name = strippedUnique ? (split[k] as { name: string }).name : (raw[k] as string).trim();
      if (name === '') name = `col${k + 1}`;
      names.push(name);
      units.push(strippedUnique ? split[k]?.unit : undefined);
    }
    const seen = new Map<string, number>();
    for (let k = 0; k < names.length; k++) {
      const prev = seen.get(names[k] as string);
      if (prev !== undefined) {
        throw new DataError(
          'SF_DATA_DUPLICATE_COLUMN',
          `${this.source}:${row.line}: duplicate column name '${names[k]}' (columns ${prev + 1} and ${k + 1}). Rename one of them in the file, or pass column names explicitly.`,
          { file: this.source, line: row.line, column: names[k], positions: [prev + 1, k + 1] },
        );
      }
      seen.set(names[k] as string, k);
    }
    if (this.opts.schema && this.opts.strictSchema !== false) {
      for (const key of Object.keys(this.opts.schema)) {
        if (!seen.has(key)) {
          throw new DataError(
            'SF_DATA_COLUMN',
            `Schema override names column '${key}', which is not in ${this.source}. Columns: ${names.map((n) => `'${n}'`).join(', ')}.`,
            { column: key, existing: names },
          );
        }
      }
    }
    this.names = names;
    this.units = units;
    if (header) {
      this.headerLine = row.line;
    } else {
      this.sample.push(copyRow(row));
    }
  }

  /** Infer the schema from the sample rows, then parse them into the builders. */
  private finishSample(): void {
    const names = this.names ?? [];
    const d = this.dialectInfo as CsvDialect;
    const sample = this.sample;
    this.sample = [];
    // Per column: how many cells parse as numbers (decimal point), and the text of those that don't.
    const stats = names.map((name, k) => {
      let numeric = 0;
      let withPoint = 0;
      const texts: string[] = [];
      const ints: number[] = [];
      const wantInts = ID_NAME.test(name);
      for (const r of sample) {
        const s0 = r.starts[k] as number;
        const e0 = r.ends[k] as number;
        if (s0 === e0) continue;
        const v = parseNumberBytes(r.buf, s0, e0, 46);
        if (v !== NOT_A_NUMBER) {
          numeric++;
          if (d.delimiter !== ',' && r.buf.subarray(s0, e0).includes(46)) withPoint++;
          if (wantInts) ints.push(Number.isInteger(v) ? v : NaN);
          continue;
        }
        const t = fieldText(r, k).trim();
        if (t === '' || this.missing.has(t)) continue;
        texts.push(t);
      }
      return { numeric, withPoint, texts, ints };
    });
    let decimal: '.' | ',';
    if (this.opts.decimal && this.opts.decimal !== 'auto') decimal = this.opts.decimal;
    else {
      const comma = stats.reduce((n, st) => n + st.texts.filter((t) => /^[+-]?\d+,\d+$/.test(t)).length, 0);
      const point = stats.reduce((n, st) => n + st.withPoint, 0);
      decimal = d.delimiter !== ',' && comma > 0 && point === 0 ? ',' : '.';
    }
    this.decimalByte = decimal === ',' ? 44 : 46;
    if (decimal === ',') {
      for (const st of stats) {
        const rest = st.texts.filter((t) => !isNumberText(t, ','));
        st.numeric += st.texts.length - rest.length;
        st.texts = rest;
      }
    }
    const kinds: ColumnKind[] = [];
    const dateSamples: string[] = [];
    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      const st = stats[k] as (typeof stats)[number];
      const kind = this.opts.schema?.[name] ?? inferKind(name, st.numeric, st.texts, st.ints);
      if (kind === 'timestamp') for (const v of st.texts) dateSamples.push(v);
      kinds.push(kind);
    }
    let dateOrder: DateOrder;
    if (this.opts.dateOrder && this.opts.dateOrder !== 'auto') dateOrder = this.opts.dateOrder;
    else {
      const detected = detectDateOrder(dateSamples);
      dateOrder = detected ?? 'dmy';
      if (!detected && dateSamples.some((x) => /^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}/.test(x))) {
        this.opts.onWarning?.(
          `${this.source}: dates like '${dateSamples.find((x) => /^\d/.test(x) && !/^\d{4}/.test(x))}' are ambiguous in the first ${sample.length} rows; reading them day-first. Pass --date-order mdy if they are month-first.`,
        );
      }
    }
    this.dialectInfo = { ...d, decimal, dateOrder };
    this.schemaInfo = names.map((name, k) => {
      const unit = this.units[k];
      const kind = kinds[k] as ColumnKind;
      return unit === undefined ? { name, kind } : { name, unit, kind };
    });
    this.builders = kinds.map((kind) =>
      kind === 'numeric' || kind === 'timestamp'
        ? ({ t: 'f', kind, b: new F64Builder() } as Builder)
        : ({ t: 'c', kind, b: new CodeBuilder() } as Builder),
    );
    for (const r of sample) this.appendRow(r);
  }

  private isMissing(row: RowFields, k: number): boolean {
    const len = (row.ends[k] as number) - (row.starts[k] as number);
    if (len === 0) return true;
    if (len > this.maxMissingLen + 2) return false;
    return this.missing.has(fieldText(row, k).trim()) || fieldText(row, k).trim() === '';
  }

  private appendRow(row: RowFields): void {
    const builders = this.builders;
    for (let k = 0; k < builders.length; k++) {
      const bd = builders[k] as Builder;
      if (bd.kind === 'numeric') {
        const v = parseNumberBytes(row.buf, row.starts[k] as number, row.ends[k] as number, this.decimalByte);
        if (v === NOT_A_NUMBER) {
          if (this.isMissing(row, k)) bd.b.push(NaN);
          else this.typeError(row, k, 'a number');
        } else bd.b.push(v);
      } else if (bd.kind === 'timestamp') {
        if (this.isMissing(row, k)) bd.b.push(NaN);
        else {
          const t = parseDate(fieldText(row, k).trim(), (this.dialectInfo as CsvDialect).dateOrder);
          if (Number.isNaN(t)) this.typeError(row, k, DATE_EXPECTED);
          bd.b.push(t);
        }
      } else if (bd.t === 'c') {
        bd.b.push(this.isMissing(row, k) ? null : fieldText(row, k).trim());
      }
    }
    this.rows++;
  }

  private typeError(row: RowFields, k: number, expected: string): never {
    const name = (this.names as string[])[k] as string;
    const value = fieldText(row, k);
    throw new DataError(
      'SF_DATA_TYPE',
      `${this.source}:${row.line}:${k + 1}: column '${name}' expected ${expected}, found '${value}'. If this column is not ${expected === 'a number' ? 'numeric' : 'a date'}, override its type (CLI: --schema '${name}=categorical'; API: schema: { '${name}': 'categorical' }); if '${value}' means missing, add it to the missing tokens (--missing '${value}').`,
      { file: this.source, line: row.line, column: k + 1, name, value, expected },
    );
  }

  /** The rows parsed since the last call, as a Table (categorical dictionaries grow across batches). */
  takeBatch(): Table {
    if (!this.schemaInfo) throw new Error('CsvReader.takeBatch: schema not ready');
    const from = this.batchStart;
    const to = this.rows;
    this.batchStart = to;
    const cols: Column[] = this.schemaInfo.map((s, k) => {
      const bd = this.builders[k] as Builder;
      const base = s.unit === undefined ? { name: s.name } : { name: s.name, unit: s.unit };
      if (bd.t === 'f') {
        return { ...base, kind: bd.kind, values: bd.b.data.slice(from, to) };
      }
      return { ...base, kind: bd.kind, codes: bd.b.codes.slice(from, to), categories: [...bd.b.categories] };
    });
    // Release what was taken so a stream keeps bounded memory. Id columns (a new value on every
    // row) also start a fresh dictionary per batch; categorical dictionaries are kept so codes stay
    // comparable across batches (their size is the column's cardinality).
    if (from === 0 && to > 0) this.compact(to);
    for (const bd of this.builders) if (bd.t === 'c' && bd.kind === 'id' && bd.b.length === 0) bd.b.reset();
    return new Table(cols);
  }

  private compact(upTo: number): void {
    for (const bd of this.builders) {
      if (bd.t === 'f') {
        bd.b.data = bd.b.data.slice(upTo, Math.max(upTo + 1024, bd.b.length));
        bd.b.length -= upTo;
      } else {
        bd.b.codes = bd.b.codes.slice(upTo, Math.max(upTo + 1024, bd.b.length));
        bd.b.length -= upTo;
      }
    }
    this.rows -= upTo;
    this.batchStart -= upTo;
    this.rowOffset += upTo;
  }

  /** Rows already released by takeBatch(). */
  private rowOffset = 0;

  /** Total data rows read, including those already taken. */
  get totalRows(): number {
    return this.rowOffset + this.rows;
  }
}

function inferKind(name: string, numeric: number, texts: readonly string[], ints: readonly number[]): ColumnKind {
  const total = numeric + texts.length;
  if (total === 0) return 'numeric';
  // A column of numbers with a stray word or two ('forty', 'n/a!') is a numeric column with bad cells:
  // reading it as numeric makes the reader stop at the first bad cell with file:line:column, instead of
  // silently turning a sensor into a category.
  if (texts.length === 0 || (total >= 10 && texts.length <= Math.max(1, total * 0.01))) {
    if (texts.length === 0 && ints.length === numeric && ints.every((v) => !Number.isNaN(v)) && new Set(ints).size === ints.length) {
      return 'id';
    }
    return 'numeric';
  }
  if (numeric === 0 && texts.every((v) => looksLikeDate(v))) return 'timestamp';
  const distinct = new Set(texts).size + numeric;
  if (ID_NAME.test(name) || (total >= 20 && distinct > 0.5 * total)) return 'id';
  return 'categorical';
}

/** A copy of a row whose bytes outlive the tokenizer's buffer (for the inference sample). */
function copyRow(row: RowFields): RowFields {
  const n = row.count;
  let lo = Infinity;
  let hi = 0;
  for (let k = 0; k < n; k++) {
    lo = Math.min(lo, row.starts[k] as number);
    hi = Math.max(hi, row.ends[k] as number);
  }
  if (lo > hi) lo = hi;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    starts[k] = (row.starts[k] as number) - lo;
    ends[k] = (row.ends[k] as number) - lo;
  }
  return { buf: row.buf.slice(lo, hi), starts, ends, quoted: row.quoted.slice(0, n), count: n, line: row.line };
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function decode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
}

/**
 * Concatenate tables with the same columns (e.g. stream batches). Categorical columns are re-coded
 * into one dictionary.
 */
export function concatTables(tables: readonly Table[]): Table {
  const first = tables[0];
  if (!first) throw new RangeError('concatTables: no tables');
  if (tables.length === 1) return first;
  const n = tables.reduce((s, t) => s + t.nRows, 0);
  const cols: Column[] = first.columns.map((c0, k) => {
    if (!isCategorical(c0)) {
      const values = new Float64Array(n);
      let o = 0;
      for (const t of tables) {
        const c = t.columns[k] as Column;
        if (isCategorical(c)) throw new RangeError(`concatTables: column '${c0.name}' changes kind`);
        values.set(c.values, o);
        o += c.values.length;
      }
      return { ...c0, values };
    }
    const strings: (string | null)[] = [];
    for (const t of tables) {
      const c = t.columns[k] as Column;
      if (!isCategorical(c)) throw new RangeError(`concatTables: column '${c0.name}' changes kind`);
      for (let i = 0; i < c.codes.length; i++) {
        const code = c.codes[i] as number;
        strings.push(code < 0 ? null : (c.categories[code] as string));
      }
    }
    const base = categoricalColumn(c0.name, strings, c0.kind);
    return c0.unit === undefined ? base : { ...base, unit: c0.unit };
  });
  return new Table(cols);
}
