import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../core/errors.js';
import { isCategorical, type Table } from '../../core/table.js';
import { formatCsv } from '../write.js';
import { collectStream, parseCsv, readCsv, readCsvWithInfo } from './index.js';
import { parseNumberBytes, NOT_A_NUMBER } from './number.js';
import { parseDate } from './dates.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-csv-'));
let fileNo = 0;
function file(content: string | Uint8Array, name = `f${fileNo++}.csv`): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function values(t: Table, name: string): (number | string | null)[] {
  const k = t.names.indexOf(name);
  return Array.from({ length: t.nRows }, (_, i) => t.cell(i, k));
}

function expectSameTable(a: Table, b: Table): void {
  expect(b.names).toEqual(a.names);
  expect(b.nRows).toBe(a.nRows);
  for (let k = 0; k < a.columns.length; k++) {
    const ca = a.columns[k]!;
    const cb = b.columns[k]!;
    expect(cb.kind).toBe(ca.kind);
    expect(cb.unit).toBe(ca.unit);
    for (let i = 0; i < a.nRows; i++) expect(b.cell(i, k)).toEqual(a.cell(i, k));
  }
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<DataError> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    return e as DataError;
  }
  throw new Error('expected an error');
}

describe('number parsing', () => {
  it('equals Number() on decimal text (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        for (const s of [String(x), x.toFixed(3), x.toExponential(5)]) {
          const b = Buffer.from(s);
          expect(parseNumberBytes(b, 0, b.length)).toBe(Number(s));
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('rejects what Number() would wrongly accept', () => {
    for (const s of ['0x1f', 'abc', '1.2.3', '1e', '--1', '12a']) {
      const b = Buffer.from(s);
      expect(parseNumberBytes(b, 0, b.length)).toBe(NOT_A_NUMBER);
    }
  });
  it('reads decimal commas when asked', () => {
    const b = Buffer.from('-3,25');
    expect(parseNumberBytes(b, 0, b.length, 44)).toBe(-3.25);
  });
});

describe('dates', () => {
  it('parses ISO and day-first forms as UTC', () => {
    expect(parseDate('2018-01-02T03:04:05Z')).toBe(Date.UTC(2018, 0, 2, 3, 4, 5));
    expect(parseDate('2018-01-02 03:04')).toBe(Date.UTC(2018, 0, 2, 3, 4));
    expect(parseDate('2018-01-02T03:04:05+01:00')).toBe(Date.UTC(2018, 0, 2, 2, 4, 5));
    expect(parseDate('01/02/2018 00:15')).toBe(Date.UTC(2018, 1, 1, 0, 15));
    expect(parseDate('01/02/2018 00:15', 'mdy')).toBe(Date.UTC(2018, 0, 2, 0, 15));
    expect(parseDate('31.12.2018')).toBe(Date.UTC(2018, 11, 31));
    expect(parseDate('31/02/2018')).toBeNaN();
  });
});

describe('readCsv dialects', () => {
  const body = 'a,b [Nm],c\n1,2.5,x\n3,,y\n';
  it('reads LF, CRLF and bare CR identically, with and without BOM', async () => {
    const ref = await readCsv(file(body));
    for (const v of [body.replaceAll('\n', '\r\n'), body.replaceAll('\n', '\r'), '\ufeff' + body, '\ufeff' + body.replaceAll('\n', '\r\n')]) {
      expectSameTable(ref, await readCsv(file(v)));
    }
    expect(ref.names).toEqual(['a', 'b', 'c']);
    expect(ref.column('b').unit).toBe('Nm');
    expect(values(ref, 'b')).toEqual([2.5, null]);
    expect(values(ref, 'c')).toEqual(['x', 'y']);
  });
  it('sniffs semicolon (with decimal comma), tab, pipe', async () => {
    const semi = await readCsvWithInfo(file('Temp [°C];Status\n21,5;ok\n-3,25;fail\n'));
    expect(semi.dialect.delimiter).toBe(';');
    expect(semi.dialect.decimal).toBe(',');
    expect(values(semi.table, 'Temp')).toEqual([21.5, -3.25]);
    expect(semi.table.column('Temp').unit).toBe('°C');
    const tab = await readCsv(file('x\ty\n1\t2\n3\t4\n'));
    expect(values(tab, 'y')).toEqual([2, 4]);
    const pipe = await readCsv(file('x|y\n1|2\n'));
    expect(values(pipe, 'x')).toEqual([1]);
  });
  it('reads C-MAPSS style whitespace files: no header, runs of spaces, trailing spaces', async () => {
    const r = await readCsvWithInfo(file('1 1 -0.0007 100.0 518.67  \n1 2  0.0019 100.0 518.67  \n2 1 0.0 100.0 518.67  \n'));
    expect(r.dialect.delimiter).toBe('whitespace');
    expect(r.dialect.header).toBe(false);
    expect(r.table.names).toEqual(['col1', 'col2', 'col3', 'col4', 'col5']);
    expect(values(r.table, 'col3')).toEqual([-0.0007, 0.0019, 0]);
  });
  it('reads quoted fields with delimiters, escaped quotes and newlines', async () => {
    const t = await readCsv(file('id,note,v\n1,"a, b",1\n2,"say ""hi""",2\n3,"line1\nline2",3\n'));
    expect(values(t, 'note')).toEqual(['a, b', 'say "hi"', 'line1\nline2']);
    expect(values(t, 'v')).toEqual([1, 2, 3]);
  });
  it('treats empty, NA, NaN as missing; infers timestamp, categorical, id', async () => {
    const rows = ['UDI,Product ID,when,type,x'];
    for (let i = 1; i <= 30; i++) rows.push(`${i},P${1000 + i},2018-01-${String((i % 28) + 1).padStart(2, '0')},${i % 3 === 0 ? 'H' : 'L'},${i % 5 === 0 ? 'NA' : i % 7 === 0 ? 'NaN' : i % 11 === 0 ? '' : i}`);
    const t = await readCsv(file(rows.join('\n')));
    expect(t.column('UDI').kind).toBe('id');
    expect(t.column('Product ID').kind).toBe('id');
    expect(t.column('when').kind).toBe('timestamp');
    expect(t.column('type').kind).toBe('categorical');
    expect(t.column('x').kind).toBe('numeric');
    const x = t.numeric('x');
    expect(Number.isNaN(x[4])).toBe(true); // row 5: NA
    expect(Number.isNaN(x[6])).toBe(true); // row 7: NaN
    expect(Number.isNaN(x[10])).toBe(true); // row 11: empty
    expect(x[0]).toBe(1);
  });
  it('reads day-first dates and lets the user override types', async () => {
    const t = await readCsv(file('date,code\n13/01/2018 00:15,1\n14/01/2018 00:30,2\n'), { schema: { code: 'categorical' } });
    expect(values(t, 'date')).toEqual([Date.UTC(2018, 0, 13, 0, 15), Date.UTC(2018, 0, 14, 0, 30)]);
    expect(t.column('code').kind).toBe('categorical');
    expect(values(t, 'code')).toEqual(['1', '2']);
  });
  it('reads gzip input by its magic bytes', async () => {
    const plain = await readCsv(file(body));
    expectSameTable(plain, await readCsv(file(gzipSync(Buffer.from(body)), 'g.csv.gz')));
    expectSameTable(plain, await readCsv(file(gzipSync(Buffer.from(body)), 'g-no-ext.csv')));
  });
});

describe('streaming parity', () => {
  // A file exercising quotes across chunk boundaries, CRLF split between chunks, categoricals growing.
  const lines = ['id,name,value [V],when'];
  for (let i = 0; i < 700; i++) {
    lines.push(`${i},"n${i % 13}, ""q""",${(i * 0.37).toFixed(4)},2020-03-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`);
  }
  const text = lines.join('\r\n') + '\r\n';
  for (const chunkBytes of [1, 2, 7, 64, 1000, 1 << 20]) {
    for (const batchRows of [1, 50, 100000]) {
      it(`chunkBytes=${chunkBytes} batchRows=${batchRows}`, async () => {
        const p = file(text);
        const whole = await readCsv(p);
        expect(whole.nRows).toBe(700);
        const streamed = await collectStream(p, { chunkBytes, batchRows, inferRows: 100 });
        expectSameTable(await readCsv(p, { inferRows: 100 }), streamed);
        expectSameTable(whole, streamed);
      });
    }
  }
  it('round-trips formatCsv → parseCsv (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ minLength: 1 }).filter((s) => s.trim() === s && !/^[\d.+-]/.test(s) && !['NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', '#N/A', '-', '?'].includes(s))), { minLength: 1, maxLength: 30 }),
        (rows) => {
          const csv = 'x,s\n' + rows.map(([x, s]) => `${x},"${s.replaceAll('"', '""')}"`).join('\n') + '\n';
          const t = parseCsv(csv, { schema: { s: 'categorical' } });
          expect(Array.from(t.numeric("x"))).toEqual(rows.map(([x]) => Number(String(x))));
          const again = parseCsv(formatCsv(t), { schema: { s: 'categorical' } });
          expectSameTable(t, again);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('bad input gets a clear error', () => {
  it('missing file', async () => {
    const e = await errorOf(readCsv(path.join(dir, 'nope.csv')));
    expect(e.code).toBe('SF_NOT_FOUND');
    expect(e.message).toContain('nope.csv');
  });
  it('empty file', async () => {
    const p = file('');
    const e = await errorOf(readCsv(p));
    expect(e.code).toBe('SF_DATA_EMPTY');
    expect(e.message).toContain(p);
    expect(e.message).toContain('empty');
  });
  it('header only', async () => {
    const e = await errorOf(readCsv(file('a,b,c\n')));
    expect(e.code).toBe('SF_DATA_EMPTY');
    expect(e.message).toMatch(/header \(3 columns\) but no data rows/);
  });
  it('ragged row names file:line and expected vs found', async () => {
    const p = file('a,b,c\n1,2,3\n4,5\n');
    const e = await errorOf(readCsv(p));
    expect(e.code).toBe('SF_DATA_RAGGED');
    expect(e.message).toBe(`${p}:3: expected 3 fields (as in the header on line 1), found 2.`);
  });
  it('non-numeric cell in a numeric column names file:line:column and the value', async () => {
    const rows = ['a,b'];
    for (let i = 0; i < 20; i++) rows.push(`${i},${i}`);
    rows.push('20,n/a!');
    const p = file(rows.join('\n'));
    const e = await errorOf(readCsv(p, { inferRows: 10 }));
    expect(e.code).toBe('SF_DATA_TYPE');
    expect(e.message).toContain(`${p}:22:2: column 'b' expected a number, found 'n/a!'`);
    expect(e.message).toContain("--schema 'b=categorical'");
  });
  it('duplicate header names', async () => {
    const e = await errorOf(readCsv(file('a,b,a\n1,2,3\n')));
    expect(e.code).toBe('SF_DATA_DUPLICATE_COLUMN');
    expect(e.message).toContain("duplicate column name 'a' (columns 1 and 3)");
  });
  it('unknown column in a schema override', async () => {
    const e = await errorOf(readCsv(file('Torque,b\n1,2\n'), { schema: { Torqe: 'numeric' } }));
    expect(e.code).toBe('SF_DATA_COLUMN');
    expect(e.message).toContain("'Torqe'");
  });
  it('keeps full header text when stripping units would collide', async () => {
    const t = await readCsv(file('T [K],T [C]\n1,2\n'));
    expect(t.names).toEqual(['T [K]', 'T [C]']);
    expect(isCategorical(t.column('T [K]'))).toBe(false);
  });
});
