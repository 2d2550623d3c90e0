import { describe, expect, it } from 'vitest';
import type { MachineData } from './data.js';
import type { DetectionResult } from './detector.js';
import type { EventEvaluation, EventMetrics } from './evaluate.js';
import { anomalyReportHtml } from './report.js';

const metrics = (detected: number, labels: number): EventMetrics => ({
  labels,
  detected,
  recall: detected / labels,
  trueEvents: detected,
  falseEvents: 1,
  precision: detected / (detected + 1),
  f1: 0.5,
  meanDelay: 2,
  medianDelay: 1,
});
const evaluation: EventEvaluation = {
  toleranceSamples: 10,
  samples: 100,
  alarmEvents: 4,
  falseEventsPer10k: 100,
  overall: metrics(3, 4),
  byKind: [{ kind: 'level_shift', ...metrics(1, 2) }, { kind: 'stuck', ...metrics(2, 2) }],
};
const machine: MachineData = { id: 'M001', rows: new Int32Array(100), times: new Float64Array(100), series: [new Float64Array(100)], missing: [0] };
const result: DetectionResult = { channels: [new Float64Array(100)], score: new Float64Array(100), top: new Int32Array(100), alarm: new Uint8Array(100), events: [] };

describe('anomalyReportHtml', () => {
  it('describes the transformer scorer and shows its per-kind evaluation rows', () => {
    const html = anomalyReportHtml({
      title: 'Anomaly detector: transformer',
      detector: 'transformer',
      threshold: 5.5,
      falseAlarmRate: 0.001,
      sensors: ['temperature'],
      calibration: { samples: 6048, alarmRate: 0.0012 },
      trainFile: 'clean.csv',
      traceFile: 'streams.csv',
      machines: [machine],
      results: [result],
      evaluation,
      createdAt: '2026-01-01T00:00:00Z',
      version: '0.1.0',
    });
    expect(html).toContain('one-step forecast error of a Transformer encoder');
    expect(html).toMatch(/<td>level_shift<\/td>\s*<td>2<\/td>\s*<td>1<\/td>/);
    expect(html).toMatch(/<td>stuck<\/td>/);
    expect(html).toContain('Event-wise evaluation (no point-adjust)');
  });
});
