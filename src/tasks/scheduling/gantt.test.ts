import { describe, expect, it } from 'vitest';
import { renderGanttHtml } from './gantt.js';
import { scheduleToCsv, scheduleToJson } from './export.js';
import { ProblemBuilder } from './model.js';
import type { Schedule } from './checker.js';

const b = new ProblemBuilder('demo <&>');
b.addMachine('lathe "A"');
b.addMachine('mill');
const j0 = b.addJob({ name: 'order<1>', due: 4 });
const j1 = b.addJob({ name: 'order,2' });
b.addOperation(j0, [{ machine: 0, duration: 3 }]);
b.addOperation(j0, [{ machine: 1, duration: 2 }]);
b.addOperation(j1, [{ machine: 1, duration: 4 }]);
b.addUnavailability(0, 5, 6);
const p = b.build();
const s: Schedule = {
  operations: [
    { job: 0, index: 0, machine: 0, start: 0, end: 3 },
    { job: 0, index: 1, machine: 1, start: 4, end: 6 },
    { job: 1, index: 0, machine: 1, start: 0, end: 4 },
  ],
  makespan: 6,
  weightedTardiness: 2,
};

describe('renderGanttHtml', () => {
  const html = renderGanttHtml(p, s, { summary: ['lower bound 6'] });
  it('is a standalone page with one bar and hover title per operation and one row per machine', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<g><title>/g)).toHaveLength(3);
    expect(html).toContain('order&lt;1&gt; op 2/2 on mill: 4–6 (2), due 4');
    expect(html).toContain('lathe &quot;A&quot;: idle');
    expect(html).toContain('unavailable [5, 6)');
    expect(html).toContain('Cmax 6');
    expect(html).toContain('lower bound 6');
    expect(html).toContain('demo &lt;&amp;&gt;');
    // Bars are labelled by job index; the legend maps indices to names.
    expect(html).toContain('0: order&lt;1&gt;');
    // Busy share per machine: lathe 3/6, mill 6/6.
    expect(html).toContain('50% busy');
    expect(html).toContain('100% busy');
  });
});

describe('exports', () => {
  it('CSV has one quoted-where-needed row per operation', () => {
    const csv = scheduleToCsv(p, s).trim().split('\n');
    expect(csv[0]).toBe('job,job_name,operation,machine,machine_name,start,end,duration');
    expect(csv).toHaveLength(4);
    expect(csv[3]).toBe('1,"order,2",0,1,mill,0,4,4');
    expect(csv[1]).toBe('0,order<1>,0,0,"lathe ""A""",0,3,3');
  });
  it('JSON carries format, version and names', () => {
    const j = scheduleToJson(p, s, { status: 'feasible' });
    expect(j).toMatchObject({ format: 'shopfloor-schedule', version: 1, makespan: 6, status: 'feasible' });
    expect((j.operations as { jobName: string }[])[0]!.jobName).toBe('order<1>');
  });
});
