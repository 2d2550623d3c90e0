import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../core/errors.js';
import { guessInstanceFormat, readFjs, readInstanceFile, readJsonInstance, readJsplib, parseInstance } from './index.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/scheduling/${name}`, import.meta.url));

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

describe('readJsplib', () => {
  it('reads the standard format with comment lines', () => {
    const inst = readInstanceFile(fx('tiny-jsplib.txt'));
    expect(inst.numMachines).toBe(3);
    expect(inst.jobs).toHaveLength(3);
    expect(inst.jobs[1]?.operations.map((o) => o.modes[0])).toEqual([
      { machine: 0, duration: 2 },
      { machine: 2, duration: 1 },
      { machine: 1, duration: 4 },
    ]);
    expect(inst.name).toBe('tiny-jsplib');
  });

  it('names file:line and the expected count for a short job line', () => {
    const e = errorOf(() => readInstanceFile(fx('bad-count.txt')));
    expect(e.code).toBe('SF_INSTANCE');
    expect(e.message).toContain('bad-count.txt:3');
    expect(e.message).toContain('expected 4 integers');
    expect(e.message).toContain('got 3');
  });

  it('rejects non-integers, out-of-range machines, repeated machines and missing lines', () => {
    expect(errorOf(() => readJsplib('1 2\n0 3 1 x\n', 'f.txt')).message).toMatch(/f\.txt:2: .*got 'x'/);
    expect(errorOf(() => readJsplib('1 2\n0 3 2 1\n', 'f.txt')).message).toMatch(/f\.txt:2: .*machine 2 out of range 0\.\.1/);
    expect(errorOf(() => readJsplib('1 2\n0 3 0 1\n', 'f.txt')).message).toMatch(/machine 0 appears twice/);
    expect(errorOf(() => readJsplib('3 2\n0 3 1 1\n', 'f.txt')).message).toMatch(/expected 3 job lines.*found 1/);
    expect(errorOf(() => readJsplib('', 'f.txt')).message).toMatch(/empty file/);
    expect(errorOf(() => readJsplib('2\n', 'f.txt')).message).toMatch(/f\.txt:1: expected a header/);
  });

  it('taillard format requires machines in order', () => {
    expect(parseInstance('2 2\n0 3 1 2\n0 1 1 5\n', 'tfs.txt', 'taillard').format).toBe('taillard');
    expect(errorOf(() => parseInstance('1 2\n1 3 0 2\n', 'tfs.txt', 'taillard')).message).toMatch(/tfs\.txt:2: .*flow-shop file must visit machines 0\.\.1 in order/);
  });
});

describe('readFjs', () => {
  it('reads flexible operations with 1-based machines', () => {
    const inst = readInstanceFile(fx('tiny.fjs'));
    expect(inst.format).toBe('fjs');
    expect(inst.numMachines).toBe(3);
    expect(inst.jobs.map((j) => j.operations.length)).toEqual([2, 3, 2]);
    expect(inst.jobs[0]?.operations[0]?.modes).toEqual([
      { machine: 0, duration: 4 },
      { machine: 1, duration: 6 },
    ]);
    expect(inst.jobs[2]?.operations[1]?.modes).toEqual([
      { machine: 0, duration: 6 },
      { machine: 2, duration: 3 },
    ]);
  });

  it('names file:line for a bad machine and trailing tokens', () => {
    const e1 = errorOf(() => readInstanceFile(fx('bad-machine.fjs')));
    expect(e1.message).toContain('bad-machine.fjs:3');
    expect(e1.message).toContain('machine 3 out of range 1..2');
    const e2 = errorOf(() => readInstanceFile(fx('bad-trailing.fjs')));
    expect(e2.message).toContain('bad-trailing.fjs:2');
    expect(e2.message).toContain("trailing '9'");
    expect(errorOf(() => readFjs('1 2\n2 1 1 3\n', 'x.fjs')).message).toMatch(/x\.fjs:2: .*end of line/);
  });
});

describe('readJsonInstance', () => {
  it('reads every feature', () => {
    const inst = readInstanceFile(fx('features.json'));
    expect(inst.objective).toBe('weighted-tardiness');
    expect(inst.jobs[1]?.release).toBe(2);
    expect(inst.jobs[2]?.operations[0]?.pinned).toEqual({ machine: 0, start: 0 });
    expect(inst.setups?.[0]?.times[0]).toEqual([0, 1, 2]);
    expect(inst.unavailability).toEqual([{ machine: 1, start: 6, end: 8 }]);
  });

  it('names the JSON path of a shape error and the line of a syntax error', () => {
    const e = errorOf(() => readInstanceFile(fx('bad-shape.json')));
    expect(e.message).toContain('jobs[0].operations[0].modes[0].duration');
    expect(e.message).toContain('non-negative integer');
    expect(errorOf(() => readJsonInstance('{\n"name": "x",\n oops}', 'y.json')).message).toMatch(/y\.json:3: invalid JSON/);
  });
});

describe('format guessing and missing files', () => {
  it('guesses from the file name', () => {
    expect(guessInstanceFormat('a/b/mk01.fjs')).toBe('fjs');
    expect(guessInstanceFormat('x.json')).toBe('json');
    expect(guessInstanceFormat('tfs001.txt')).toBe('taillard');
    expect(guessInstanceFormat('instances/ft10')).toBe('jsplib');
  });
  it('a missing file is SF_NOT_FOUND', () => {
    expect(() => readInstanceFile('/nonexistent/ft99')).toThrow(/not found/);
  });
});

describe('readKnownBounds', () => {
  it('reads the three bound formats and matches ScheduleOpt ta names', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { readKnownBounds, findKnownBound } = await import('./index.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-'));
    const a = path.join(dir, 'a.json');
    writeFileSync(a, JSON.stringify([{ instance: 'ta01js', lower_bound: 1231, upper_bound: 1231 }, { instance: 'yn1', lower_bound: 884, upper_bound: 884 }]));
    expect(findKnownBound(readKnownBounds(a), 'ta01')).toMatchObject({ upper: 1231, closed: true });
    const b = path.join(dir, 'b.json');
    writeFileSync(b, JSON.stringify([{ name: 'abz8', optimum: null, bounds: { upper: 665, lower: 645 } }, { name: 'ft06', optimum: 55 }]));
    expect(readKnownBounds(b).get('abz8')).toMatchObject({ upper: 665, lower: 645, closed: false });
    expect(readKnownBounds(b).get('ft06')).toMatchObject({ upper: 55, closed: true });
    const c = path.join(dir, 'c.json');
    writeFileSync(c, JSON.stringify({ upper: { tfs001: 1278 } }));
    expect(readKnownBounds(c).get('tfs001')).toMatchObject({ upper: 1278, lower: null });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ foo: 1 }]));
    expect(() => readKnownBounds(bad)).toThrow(/record 0: expected/);
  });
});
