/**
 * A streaming byte-level CSV tokenizer. It is fed chunks of bytes and calls `onRow` once per complete
 * record with the field boundaries, so no string is made for a field unless a column needs one.
 *
 * Handles: quoted fields (RFC 4180, `""` escapes, delimiters and newlines inside quotes), CRLF, LF
 * and bare-CR line endings (also across chunk boundaries), blank lines (skipped, still counted), and a
 * whitespace mode in which runs of spaces/tabs separate fields and leading/trailing blanks are ignored
 * (NASA C-MAPSS files end every line with two spaces).
 */

/** One delimiter byte, or 'whitespace' for runs of spaces/tabs. */
export type Delimiter = ',' | ';' | '\t' | '|' | 'whitespace';

export interface RowFields {
  /** The bytes the field offsets point into (valid only during the callback). */
  readonly buf: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Bit set per field: 1 = was quoted (may contain `""` escapes to undo). */
  readonly quoted: Uint8Array;
  /** Number of fields in this record. */
  readonly count: number;
  /** 1-based physical line where the record starts. */
  readonly line: number;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;

export class CsvTokenizer {
  private readonly delim: number;
  private readonly ws: boolean;
  private leftover: Uint8Array = new Uint8Array(0);
  private line = 1;
  private skipLF = false;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private quoted = new Uint8Array(64);

  constructor(
    delimiter: Delimiter,
    private readonly onRow: (row: RowFields) => void,
  ) {
    this.ws = delimiter === 'whitespace';
    this.delim = this.ws ? SPACE : delimiter.charCodeAt(0);
  }

  /** Feed the next chunk of bytes. Records completed by this chunk are emitted. */
  push(chunk: Uint8Array): void {
    let buf: Uint8Array;
    if (this.leftover.length > 0) {
      buf = new Uint8Array(this.leftover.length + chunk.length);
      buf.set(this.leftover, 0);
      buf.set(chunk, this.leftover.length);
    } else {
      buf = chunk;
    }
    const consumed = this.scan(buf, false);
    this.leftover = consumed < buf.length ? buf.slice(consumed) : new Uint8Array(0);
  }

  /** Signal end of input: emits the last record if it has no trailing newline. */
  end(): void {
    if (this.leftover.length > 0) {
      this.scan(this.leftover, true);
      this.leftover = new Uint8Array(0);
    }
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const s = new Int32Array(n);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(n);
    e.set(this.ends);
    this.ends = e;
    const q = new Uint8Array(n);
    q.set(this.quoted);
    this.quoted = q;
  }

  /**
   * Scan complete records from `buf`; return the offset just after the last complete record.
   * When `final`, the trailing partial record is emitted too.
   */
  private scan(buf: Uint8Array, final: boolean): number {
    const n = buf.length;
    const delim = this.delim;
    const ws = this.ws;
    let i = 0;
    if (this.skipLF && n > 0) {
      if (buf[0] === LF) i = 1;
      this.skipLF = false;
    }
    let recordStart = i;
    let lineAtRecord = this.line;
    let linesInside = 0;
    let count = 0;
    for (;;) {
      // Start of a field.
      if (ws) {
        while (i < n && (buf[i] === SPACE || buf[i] === TAB)) i++;
        if (i < n && (buf[i] === LF || buf[i] === CR)) {
          // End of record after trailing blanks.
          const c = buf[i];
          i++;
          if (c === CR) {
            if (i < n) {
              if (buf[i] === LF) i++;
            } else if (!final) this.skipLF = true;
          }
          this.emit(buf, count, lineAtRecord);
          this.line = lineAtRecord + 1 + linesInside;
          lineAtRecord = this.line;
          linesInside = 0;
          count = 0;
          recordStart = i;
          continue;
        }
      }
      if (i >= n) {
        if (final && count > 0) this.emit(buf, count, lineAtRecord);
        if (final) this.line = lineAtRecord + linesInside;
        return final ? n : recordStart;
      }
      if (count === this.starts.length) this.grow();
      if (buf[i] === QUOTE) {
        // Quoted field: find the closing quote not followed by another quote.
        const s = i + 1;
        let j = s;
        let closed = false;
        while (j < n) {
          const c = buf[j];
          if (c === QUOTE) {
            if (j + 1 < n && buf[j + 1] === QUOTE) {
              j += 2;
              continue;
            }
            if (j + 1 >= n && !final) break; // might be an escaped quote split across chunks
            closed = true;
            break;
          }
          if (c === LF) linesInside++;
          else if (c === CR && !(j + 1 < n && buf[j + 1] === LF)) linesInside++;
          j++;
        }
        if (!closed) {
          if (!final) return recordStart; // need more bytes
          // Unterminated quote at end of input: take the rest as the field.
          this.starts[count] = s;
          this.ends[count] = n;
          this.quoted[count] = 1;
          count++;
          this.emit(buf, count, lineAtRecord);
          return n;
        }
        this.starts[count] = s;
        this.ends[count] = j;
        this.quoted[count] = 1;
        count++;
        i = j + 1;
        // Skip anything up to the delimiter (lenient: `"a" ,b`).
        while (i < n && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR && !(ws && buf[i] === TAB)) i++;
      } else {
        const s = i;
        if (ws) {
          while (i < n) {
            const c = buf[i];
            if (c === SPACE || c === TAB || c === LF || c === CR) break;
            i++;
          }
        } else {
          while (i < n) {
            const c = buf[i];
            if (c === delim || c === LF || c === CR) break;
            i++;
          }
        }
        if (i >= n && !final) return recordStart;
        this.starts[count] = s;
        this.ends[count] = i;
        this.quoted[count] = 0;
        count++;
      }
      if (i >= n) {
        if (!final) return recordStart;
        this.emit(buf, count, lineAtRecord);
        this.line = lineAtRecord + linesInside;
        return n;
      }
      const c = buf[i];
      if (c === LF || c === CR) {
        i++;
        if (c === CR) {
          if (i < n) {
            if (buf[i] === LF) i++;
          } else if (!final) {
            this.skipLF = true;
          }
        }
        this.emit(buf, count, lineAtRecord);
        this.line = lineAtRecord + 1 + linesInside;
        lineAtRecord = this.line;
        linesInside = 0;
        count = 0;
        recordStart = i;
      } else if (ws) {
        // A blank run separates fields; handled at the top of the loop.
      } else {
        i++; // the delimiter
        if (i >= n) {
          if (!final) return recordStart;
          // Trailing delimiter at end of input: one more empty field.
          if (count === this.starts.length) this.grow();
          this.starts[count] = n;
          this.ends[count] = n;
          this.quoted[count] = 0;
          count++;
          this.emit(buf, count, lineAtRecord);
          return n;
        }
      }
    }
  }

  private emit(buf: Uint8Array, count: number, line: number): void {
    // Blank line: one empty unquoted field (or none in whitespace mode) — skip it.
    if (count === 0) return;
    if (count === 1 && this.quoted[0] === 0 && this.starts[0] === this.ends[0]) return;
    this.onRow({ buf, starts: this.starts, ends: this.ends, quoted: this.quoted, count, line });
  }
}

/** Decode field `k` of `row` to a string (undoing `""` escapes in quoted fields). */
export function fieldText(row: RowFields, k: number): string {
  const s = row.starts[k] as number;
  const e = row.ends[k] as number;
  const b = row.buf;
  const text = Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8');
  return row.quoted[k] === 1 && text.includes('""') ? text.replaceAll('""', '"') : text;
}
