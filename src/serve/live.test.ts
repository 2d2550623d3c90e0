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

  describe('sample-and-hold (holdMs)', () => {
    // Sensor 0 every second, sensor 1 (slow) every 5 s.
    const feed = (a: RowAssembler, from: number, to: number): void => {
      for (let t = from; t <= to; t += 1000) {
        a.put('m1', t, 0, t / 1000);
        if (t % 5000 === 0) a.put('m1', t, 1, -t / 1000);
      }
    };

    it('fills a slow sensor from its latest earlier value once a newer row is pending', () => {
      const a = new RowAssembler(2, 0, 6000);
      feed(a, 0, 6000);
      // 6000 is the newest row: its instant has not passed, so it waits (sensor 1 may still come)
      expect(vals(a.drain('m1'))).toEqual([
        [0, [0, -0]],
        [1000, [1, -0]],
        [2000, [2, -0]],
        [3000, [3, -0]],
        [4000, [4, -0]],
        [5000, [5, -5]],
      ]);
      expect(a.held).toBe(4);
      a.put('m1', 7000, 0, 7);
      expect(vals(a.drain('m1'))).toEqual([[6000, [6, -5]]]);
      expect(a.dropped).toBe(0);
    });

    it('never holds a value older than holdMs, counting from its own time (not from a row it was held into)', () => {
      const a = new RowAssembler(2, 0, 2500);
      feed(a, 0, 4000);
      // 1000, 2000 are within 2.5 s of the value at 0; 3000 is not, and it blocks 4000 (time order)
      expect(vals(a.drain('m1')).map(([t]) => t)).toEqual([0, 1000, 2000]);
      a.put('m1', 3000, 1, 33); // the slow sensor reports at 3000 after all
      expect(vals(a.drain('m1'))).toEqual([[3000, [3, 33]]]);
      a.put('m1', 5000, 0, 5); // 4000's instant has passed: it holds the value observed at 3000
      expect(vals(a.drain('m1'))).toEqual([[4000, [4, 33]]]);
    });

    it('without holdMs the same stream yields only the rows where both sensors report', () => {
      const a = new RowAssembler(2);
      feed(a, 0, 10_000);
      expect(vals(a.drain('m1')).map(([t]) => t)).toEqual([0]);
      expect(a.held).toBe(0);
    });

    it('holds only after the tolerance window: a slow value a few ms late still joins its own row', () => {
      const a = new RowAssembler(2, 50, 10_000);
      a.put('m1', 0, 0, 1);
      a.put('m1', 3, 1, 2);
      a.put('m1', 1000, 0, 3);
      a.put('m1', 1030, 0, 4); // newer, but within the tolerance of 1000: 1000 may still get sensor 1
      expect(vals(a.drain('m1'))).toEqual([[0, [1, 2]]]);
      a.put('m1', 1005, 1, 5); // nearer 1000 than 1030
      a.put('m1', 2000, 0, 6);
      // 1000 takes its own sensor-1 value; 1030 is past (2000 pending) and takes the held 5 (from 1000)
      expect(vals(a.drain('m1'))).toEqual([
        [1000, [3, 5]],
        [1030, [4, 5]],
      ]);
      expect(a.held).toBe(1);
    });
  });
});
