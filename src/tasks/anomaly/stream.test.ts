import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { initBackend } from '../../models/tf/backend.js';
import { simulateAnomalyStreams } from '../../sim/index.js';
import { machinesFromTable, type MachineData } from './data.js';
import { AnomalyDetector, type ScorerOptions } from './detector.js';
import { SCORER_KINDS, type ScorerKind } from './scorers.js';
import { createStreamScorer, type StreamEvent, type StreamScore } from './stream.js';

const SENSORS = ['temperature', 'vibration', 'current'];
const ROLES = { unit: 'machine', time: 'timestamp' };
const train = machinesFromTable(simulateAnomalyStreams({ seed: 51, machines: 2, samples: 1400, sensorsPerMachine: 3 }).clean, ROLES, SENSORS, 'train').map((m) => m.series);
// Anomalous test machines, longer than 1024 samples so the baseline's periodic re-summation is crossed.
const test = machinesFromTable(simulateAnomalyStreams({ seed: 52, machines: 2, samples: 1300, sensorsPerMachine: 3, anomaliesPerSensor: 3 }).table, ROLES, SENSORS, 'test');

// Small networks: these check parity and plumbing, not accuracy (docs/anomaly.md measures that).
const SMALL: ScorerOptions = { epochs: 1, maxSamples: 256, batchSize: 64, window: 8, units: 4, dModel: 8, heads: 2, trees: 20, sampleSize: 64 };

beforeAll(async () => {
  await initBackend();
});

const detectors = new Map<ScorerKind, AnomalyDetector>();
async function detectorFor(kind: ScorerKind): Promise<AnomalyDetector> {
  let d = detectors.get(kind);
  if (!d) {
    // A high false-alarm rate so every kind raises several events to compare.
    d = await AnomalyDetector.fit(train, SENSORS, { detector: kind, falseAlarmRate: 0.01, minGapSamples: 5, seed: 3, scorer: SMALL });
    detectors.set(kind, d);
  }
  return d;
}

/** Batch events of a machine with timestamps, in the stream's shape. */
function batchEvents(det: AnomalyDetector, m: MachineData): StreamEvent[] {
  return det.detect(m.series).events.map((e) => ({
    asset: m.id,
    start: e.start,
    end: e.end,
    startTs: m.times[e.start] as number,
    endTs: m.times[e.end] as number,
    peak: e.peak,
    peakIndex: e.peakIndex,
    peakTs: m.times[e.peakIndex] as number,
    channel: e.channel,
    sensor: SENSORS[e.channel] as string,
  }));
}

describe('createStreamScorer: one reading at a time = batch detect', () => {
  for (const kind of SCORER_KINDS) {
    // The LSTM runs one recurrent kernel per step: one machine, a shorter stretch.
    const machines = kind === 'lstm-autoencoder' ? [{ ...test[0]!, series: test[0]!.series.map((x) => x.subarray(0, 300)), times: test[0]!.times.subarray(0, 300) }] : test;
    it(`${kind}: identical scores, alarms and events, machines interleaved`, async () => {
      const det = await detectorFor(kind);
      const live = createStreamScorer(det);
      const got = new Map<string, StreamScore[]>(machines.map((m) => [m.id, []]));
      const events: StreamEvent[] = [];
      const n = machines[0]!.times.length;
      for (let t = 0; t < n; t++) {
        for (const m of machines) {
          const r = live.push({ asset: m.id, ts: m.times[t]!, values: m.series.map((x) => x[t]!) });
          if (!r.accepted) throw new Error(r.message);
          got.get(m.id)!.push(r);
          if (r.event) events.push(r.event);
        }
      }
      events.push(...live.flush());
      for (const m of machines) {
        const b = det.detect(m.series);
        const s = got.get(m.id)!;
        expect(Float64Array.from(s, (r) => r.score)).toEqual(b.score);
        expect(Uint8Array.from(s, (r) => (r.isAnomaly ? 1 : 0))).toEqual(b.alarm);
        expect(Int32Array.from(s, (r) => r.channel)).toEqual(b.top);
        expect(s.map((r) => r.channels[1])).toEqual(Array.from(b.channels[1]!));
        expect(events.filter((e) => e.asset === m.id)).toEqual(batchEvents(det, m));
        expect(s.filter((r) => r.alarmStart).length).toBe(b.events.length);
      }
      expect(events.length).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe('createStreamScorer: bad input is rejected with a reason and the stream goes on', () => {
  it('duplicates, out-of-order, NaN, wrong shape and bad timestamps leave the state unchanged (property)', async () => {
    const det = await detectorFor('ewma');
    const m = test[0]!;
    const n = 400;
    const batch = det.detect(m.series.map((x) => x.subarray(0, n)));
    const bad = fc.constantFrom('duplicate', 'out-of-order', 'missing-value', 'wrong-sensors', 'bad-timestamp', 'bad-asset');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: n - 1 }), bad), { maxLength: 25 }), async (inserts) => {
        const live = createStreamScorer(det);
        const scores: number[] = [];
        const at = new Map<number, string[]>();
        for (const [i, k] of inserts) at.set(i, [...(at.get(i) ?? []), k]);
        for (let t = 0; t < n; t++) {
          for (const k of at.get(t) ?? []) {
            const prevTs = m.times[t - 1]!;
            const vals = m.series.map((x) => x[t]!);
            const r =
              k === 'duplicate'
                ? live.push({ asset: 'A', ts: prevTs, values: vals })
                : k === 'out-of-order'
                  ? live.push({ asset: 'A', ts: prevTs - 1, values: vals })
                  : k === 'missing-value'
                    ? live.push({ asset: 'A', ts: m.times[t]!, values: { temperature: vals[0], vibration: Number.NaN, current: vals[2] } })
                    : k === 'wrong-sensors'
                      ? live.push({ asset: 'A', ts: m.times[t]!, values: vals.slice(1) })
                      : k === 'bad-timestamp'
                        ? live.push({ asset: 'A', ts: Number.NaN, values: vals })
                        : live.push({ asset: 7 as unknown as string, ts: m.times[t]!, values: vals });
            expect(r.accepted).toBe(false);
            if (!r.accepted) expect(r.reason).toBe(k);
          }
          const r = live.push({ asset: 'A', ts: m.times[t]!, values: m.series.map((x) => x[t]!) });
          if (!r.accepted) throw new Error(r.message);
          scores.push(r.score);
        }
        expect(Float64Array.from(scores)).toEqual(batch.score);
      }),
      { numRuns: 25, seed: 11 },
    );
  });

  it('names the sensor and the problem; accepts values by name; rejects assets beyond maxAssets', async () => {
    const det = await detectorFor('robust-z');
    const live = createStreamScorer(det, { maxAssets: 2 });
    expect(live.push({ asset: 'A', ts: 1, values: { temperature: 60, vibration: 4, current: 30, extra: 1 } }).accepted).toBe(true);
    const miss = live.push({ asset: 'A', ts: 2, values: { temperature: 60, current: 30 } });
    expect(miss).toMatchObject({ accepted: false, reason: 'missing-value', code: 'SF_DATA_PARSE' });
    expect(!miss.accepted && miss.message).toMatch(/'vibration' is absent/);
    const inf = live.push({ asset: 'A', ts: 2, values: [60, Infinity, 30] });
    expect(!inf.accepted && inf.message).toMatch(/'vibration' \(position 1\) is Infinity/);
    expect(live.push({ asset: 'A', ts: 2, values: 'x' as unknown as number[] })).toMatchObject({ reason: 'wrong-sensors', code: 'SF_DATA_SCHEMA' });
    expect(live.push({ asset: 'B', ts: 1, values: [60, 4, 30] }).accepted).toBe(true);
    expect(live.push({ asset: 'C', ts: 1, values: [60, 4, 30] })).toMatchObject({ accepted: false, reason: 'too-many-assets' });
    expect(live.assetCount).toBe(2);
    live.remove('B');
    expect(live.push({ asset: 'C', ts: 1, values: [60, 4, 30] }).accepted).toBe(true);
    // A removed asset starts over (index 0, warm-up) when it comes back.
    expect(live.remove('A')).toBeUndefined();
    expect(live.push({ asset: 'A', ts: 0, values: [60, 4, 30] })).toMatchObject({ accepted: true, index: 0 });
    expect(() => createStreamScorer(det, { maxAssets: 0 })).toThrow(ConfigError);
  });

  it('reads the current threshold at every push (an edit applies at once)', async () => {
    const det = await AnomalyDetector.fit(train, SENSORS, { detector: 'robust-z', falseAlarmRate: 0.01 });
    const live = createStreamScorer(det);
    const m = test[1]!;
    let alarms = 0;
    for (let t = 0; t < 600; t++) {
      if (t === 300) det.threshold = -1e9;
      const r = live.push({ asset: m.id, ts: m.times[t]!, values: m.series.map((x) => x[t]!) }) as StreamScore;
      if (t >= 300) alarms += r.isAnomaly ? 1 : 0;
    }
    expect(alarms).toBe(300);
  });
});
