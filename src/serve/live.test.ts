import { describe, expect, it } from 'vitest';
import { MAX_PENDING_ROWS, RowAssembler } from './live.js';

const vals = (rows: { t: number; values: Float64Array }[]): [number, number[]][] => rows.map((r) => [r.t, [...r.values]]);

describe('RowAssembler', () => {
  it('without a tolerance, only equal timestamps form a row; rows come out complete and in time order', () => {
    const a = new RowAssembler(2);
    a.put('m1', 2000, 0, 3);
    a.put('m1', 1000, 0, 1);
    a.put('m1', 1001, 1, 9); // a different instant: never completes the row at 1000
    expect(a.drain('m1')).toEqual([]);
    a.put('m1', 1000, 1, 2);
    a.put('m1', 2000, 1, 4);
    // 1000 is complete; the incomplete 1001 holds back 2000 (rows are used in time order)
    expect(vals(a.drain('m1'))).toEqual([[1000, [1, 2]]]);
    a.put('m1', 1001, 0, 8);
    expect(vals(a.drain('m1'))).toEqual([
      [1001, [8, 9]],
      [2000, [3, 4]],
    ]);
    expect(a.dropped).toBe(0);
    expect(a.put('m1', 1500, 0, 5)).toBe(false); // older than the last row used: late
  });

  it('with a tolerance, per-sensor timestamps a few ms apart join one row that keeps its first time', () => {
    const a = new RowAssembler(3, 50);
    a.put('m1', 1000, 0, 1);
    a.put('m1', 1004, 1, 2);
    a.put('m1', 1011, 2, 3);
    // the next sampling instant, one second later, with its own jitter
    a.put('m1', 2003, 1, 5);
    a.put('m1', 2000, 0, 4);
    a.put('m1', 1995, 2, 6);
    expect(vals(a.drain('m1'))).toEqual([
      [1000, [1, 2, 3]],
      [2003, [4, 5, 6]],
    ]);
    expect(a.dropped).toBe(0);
  });

  it('with a tolerance, a second value of a sensor inside the window opens a new row; an equal time overwrites (duplicate)', () => {
    const a = new RowAssembler(2, 50);
    a.put('m1', 1000, 0, 1);
    a.put('m1', 1000, 0, 7); // same time, same sensor: duplicate, last value wins
    a.put('m1', 1020, 0, 8); // same sensor again 20 ms later: a new instant
    a.put('m1', 1010, 1, 2); // 10 ms from both rows lacking sensor 1: a tie goes to the older row
    a.put('m1', 1030, 1, 9);
    const out = vals(a.drain('m1'));
    expect(out).toEqual([
      [1000, [7, 2]],
      [1020, [8, 9]],
    ]);
  });

  it('drops an incomplete row once more than MAX_PENDING_ROWS rows wait behind it', () => {
    const a = new RowAssembler(2, 10);
    a.put('m1', 0, 0, 1); // never completed
    for (let i = 1; i <= MAX_PENDING_ROWS + 1; i++) {
      a.put('m1', i * 1000, 0, i);
      a.put('m1', i * 1000 + 3, 1, -i);
    }
    const out = a.drain('m1');
    expect(a.dropped).toBe(1);
    expect(out.length).toBe(MAX_PENDING_ROWS + 1);
    expect([...(out[0] as { values: Float64Array }).values]).toEqual([1, -1]);
  });
});
