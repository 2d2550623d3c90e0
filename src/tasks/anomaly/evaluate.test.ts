import { describe, expect, it } from 'vitest';
import { Table, categoricalColumn, numericColumn } from '../../core/table.js';
import { mergeAlarms } from './aggregate.js';
import type { MachineData } from './data.js';
import { evaluateEvents, labelSpans, type LabelSpan } from './evaluate.js';

function machine(id: string, n: number): MachineData {
  return { id, rows: Int32Array.from({ length: n }, (_, i) => i), times: Float64Array.from({ length: n }, (_, i) => 1000 + 60 * i), series: [], missing: [] };
}

function alarmsAt(n: number, idx: number[]): { score: Float64Array; alarm: Uint8Array } {
  const score = new Float64Array(n);
  const alarm = new Uint8Array(n);
  for (const i of idx) {
    score[i] = 5;
    alarm[i] = 1;
  }
  return { score, alarm };
}

describe('mergeAlarms', () => {
  it('merges alarms at most minGap apart and keeps the peak', () => {
    const s = new Float64Array(30);
    s[2] = 3;
    s[4] = 7;
    s[5] = 4;
    s[20] = 2;
    expect(mergeAlarms(s, 1, 2)).toEqual([
      { start: 2, end: 5, peak: 7, peakIndex: 4, channel: 0 },
      { start: 20, end: 20, peak: 2, peakIndex: 20, channel: 0 },
    ]);
    expect(mergeAlarms(s, 1, 1).length).toBe(3); // 2 and 4 are two apart: separate with gap 1
    expect(mergeAlarms(s, 10, 1)).toEqual([]);
  });
});

describe('evaluateEvents (event-wise, no point-adjust)', () => {
  const m = machine('M1', 1000);
  const spans: LabelSpan[] = [
    { machine: 'M1', kind: 'level_shift', sensor: 'a', start: 100, end: 299 },
    { machine: 'M1', kind: 'spike', sensor: 'a', start: 500, end: 500 },
    { machine: 'M1', kind: 'spike', sensor: 'b', start: 700, end: 700 },
  ];
  it('counts a long anomaly found by one alarm as one detection, and false events as false', () => {
    // one alarm late inside the shift, one right after the first spike (within tolerance), two false.
    const { score, alarm } = alarmsAt(1000, [250, 503, 50, 900]);
    const events = mergeAlarms(score, 1, 10);
    const e = evaluateEvents([{ machine: m, events, alarm }], spans, 5);
    expect(e.alarmEvents).toBe(4);
    expect(e.overall.detected).toBe(2);
    expect(e.overall.recall).toBeCloseTo(2 / 3);
    expect(e.overall.trueEvents).toBe(2);
    expect(e.overall.falseEvents).toBe(2);
    expect(e.overall.precision).toBeCloseTo(0.5);
    expect(e.falseEventsPer10k).toBeCloseTo(20);
    const shift = e.byKind.find((k) => k.kind === 'level_shift');
    expect(shift).toMatchObject({ labels: 1, detected: 1, recall: 1, meanDelay: 150, trueEvents: 1, falseEvents: 2 });
    expect(shift?.precision).toBeCloseTo(1 / 3);
    const spike = e.byKind.find((k) => k.kind === 'spike');
    expect(spike).toMatchObject({ labels: 2, detected: 1, recall: 0.5, meanDelay: 3 });
  });
  it('an alarm beyond the tolerance does not detect, and point-adjust would have', () => {
    const { score, alarm } = alarmsAt(1000, [506]);
    const e = evaluateEvents([{ machine: m, events: mergeAlarms(score, 1, 10), alarm }], spans, 5);
    expect(e.overall.detected).toBe(0);
    expect(e.overall.falseEvents).toBe(1);
    expect(e.overall.precision).toBe(0);
  });
  it('alarms on another machine do not detect', () => {
    const other = machine('M2', 1000);
    const { score, alarm } = alarmsAt(1000, [150]);
    const e = evaluateEvents([{ machine: other, events: mergeAlarms(score, 1, 10), alarm }], spans, 5);
    expect(e.overall.detected).toBe(0);
    expect(e.overall.falseEvents).toBe(1);
  });
});

describe('labelSpans', () => {
  it('maps inclusive timestamps to sample indices, one-sample labels included', () => {
    const m = machine('M1', 100);
    const labels = new Table([
      categoricalColumn('machine', ['M1', 'M1', 'M9'], 'id'),
      categoricalColumn('kind', ['spike', 'drift', 'spike']),
      { name: 'start', kind: 'timestamp', values: Float64Array.from([1000 + 60 * 7, 1000 + 60 * 10, 1000]) },
      { name: 'end', kind: 'timestamp', values: Float64Array.from([1000 + 60 * 7, 1000 + 60 * 20, 1000]) },
    ]);
    const { spans, unknownMachines } = labelSpans(labels, [m], 'machine', 'labels.csv');
    expect(spans.map((s) => [s.kind, s.start, s.end])).toEqual([
      ['spike', 7, 7],
      ['drift', 10, 20],
    ]);
    expect(unknownMachines).toEqual(['M9']);
  });
  it('names a missing label column and the closest one', () => {
    const labels = new Table([numericColumn('begin', [1]), numericColumn('end', [2]), categoricalColumn('kind', ['x'])]);
    expect(() => labelSpans(labels, [machine('M1', 10)], undefined, 'labels.csv')).toThrow(/Column 'start' not found in labels.csv.*Columns: 'begin'/);
  });
});
