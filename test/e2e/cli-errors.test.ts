// Bad input gets a clear error, exit code 2, no stack trace (issue 2 §4), through the real CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectUserError } from './run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-cli-'));
function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('CLI bad input (inspect)', () => {
  it('missing file', () => {
    const msg = expectUserError(cli(['inspect', '--data', path.join(dir, 'nope.csv')]), 'SF_NOT_FOUND');
    expect(msg).toContain('nope.csv');
  });
  it('empty file', () => {
    const p = file('empty.csv', '');
    expect(expectUserError(cli(['inspect', '--data', p]), 'SF_DATA_EMPTY')).toContain(`${p} is empty`);
  });
  it('header only', () => {
    const p = file('header.csv', 'a,b\n');
    expect(expectUserError(cli(['inspect', '--data', p]), 'SF_DATA_EMPTY')).toContain('no data rows');
  });
  it('ragged row', () => {
    const p = file('ragged.csv', 'a,b,c\n1,2,3\n1,2,3,4\n');
    expect(expectUserError(cli(['inspect', '--data', p]), 'SF_DATA_RAGGED')).toContain(`${p}:3: expected 3 fields (as in the header on line 1), found 4.`);
  });
  it('non-numeric cell in a numeric column', () => {
    const rows = ['a,Torque [Nm]', ...Array.from({ length: 30 }, (_, i) => `${i},${i}.5`), '31,forty'];
    const p = file('type.csv', rows.join('\n'));
    expect(expectUserError(cli(['inspect', '--data', p]), 'SF_DATA_TYPE')).toContain(`${p}:32:2: column 'Torque' expected a number, found 'forty'`);
  });
  it('duplicate header names', () => {
    const p = file('dup.csv', 'x,y,x\n1,2,3\n');
    expect(expectUserError(cli(['inspect', '--data', p]), 'SF_DATA_DUPLICATE_COLUMN')).toContain("duplicate column name 'x' (columns 1 and 3)");
  });
  it('invalid option values list the allowed ones; unknown options suggest the closest', () => {
    expect(expectUserError(cli(['inspect', '--data', 'x.csv', '--delimiter', 'colon']), 'SF_CONFIG')).toContain('expected one of auto, comma, semicolon, tab, pipe, whitespace');
    expect(expectUserError(cli(['inspect', '--dat', 'x.csv']), 'SF_CONFIG')).toContain('Did you mean --data?');
    expect(expectUserError(cli(['inspekt']), 'SF_CONFIG')).toContain("Did you mean 'inspect'?");
  });
  it('--json prints the error as JSON on stdout too', () => {
    const r = cli(['inspect', '--data', path.join(dir, 'nope.csv'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('SF_NOT_FOUND');
  });
  it('--help explains each option and its default', () => {
    const r = cli(['inspect', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--delimiter CHOICE');
    expect(r.stdout).toContain('default: auto');
  });
});
