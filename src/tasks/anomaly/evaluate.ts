/**
 * Event-wise evaluation of alarms against labelled anomalies — without point-adjust.
 *
 * Point-adjust (Xu et al. 2018) marks every sample of a labelled segment as detected once any one is,
 * which inflates F1 so much that random scores look good (Kim et al., "Towards a Rigorous Evaluation
 * of Time-Series Anomaly Detection", AAAI 2022). Here both sides are counted as events instead:
 *
 * - A labelled anomaly (machine m, samples [a, b]) is **detected** when an alarm sample of machine m
 *   falls in [a, b + tolerance]. The tolerance (default 10 samples) admits the alarm a causal scorer
 *   raises when a level shift or stuck period *ends* — a real change caused by the anomaly.
 *   **Delay** = first such alarm − a, in samples.
 * - An alarm event (alarms merged with the detector's min gap) is **true** when it overlaps the window
 *   [a, b + tolerance] of some label on its machine, **false** otherwise.
 * - precision = true alarm events / alarm events; recall = detected labels / labels; F1 their
 *   harmonic mean; false events per 10,000 samples = false alarm events / samples × 10⁴.
 * - Per kind k: recall and delays over the labels of kind k; precision_k = events overlapping a kind-k
 *   label / (those + false events) — a false alarm cannot be attributed to a kind, so every kind's
 *   precision carries all of them.
 *
 * Labels are per sensor, alarms per machine: an alarm on machine m can detect any sensor's label there.
 */
import { DataError } from '../../core/errors.js';
import { missingColumnError, type Table } from '../../core/table.js';
import type { AlarmEvent } from './aggregate.js';
import type { MachineData } from './data.js';

/** One machine's alarm events, for evaluation. */
export interface MachineAlarms {
  readonly machine: MachineData;
  readonly events: readonly AlarmEvent[];
  /** 1 where the sample alarmed (exact delays: an event may hold non-alarm samples between alarms). */
  readonly alarm: Uint8Array;
}

/** A labelled anomaly mapped to sample indices of its machine. */
export interface LabelSpan {
  readonly machine: string;
  readonly kind: string;
  readonly sensor: string;
  readonly start: number;
  readonly end: number;
}

/** Metrics of one group of labels (all, or one kind). */
export interface EventMetrics {
  readonly labels: number;
  readonly detected: number;
  readonly recall: number;
  /** Alarm events counted as true for this group. */
  readonly trueEvents: number;
  readonly falseEvents: number;
  readonly precision: number;
  readonly f1: number;
  /** Mean and median detection delay (samples) over detected labels; NaN when none. */
  readonly meanDelay: number;
  readonly medianDelay: number;
}

/** Result of {@link evaluateEvents}. */
export interface EventEvaluation {
  readonly toleranceSamples: number;
  readonly samples: number;
  readonly alarmEvents: number;
  readonly falseEventsPer10k: number;
  readonly overall: EventMetrics;
  /** Per anomaly kind, sorted by kind name. */
  readonly byKind: (EventMetrics & { readonly kind: string })[];
}

/** First index whose time is ≥ t (or > t when `strict`); times ascending. */
function firstAtOrAfter(times: Float64Array, t: number, strict = false): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = times[mid] as number;
    if (v < t || (strict && v === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Read a label table (`machine`/unit, `kind`, `start`, `end` inclusive, optional `sensor`) and map each
 * label to sample indices of its machine. Labels on machines not in the data are dropped (reported).
 * @throws DataError naming the missing column.
 */
export function labelSpans(labels: Table, machines: readonly MachineData[], unitColumn: string | undefined, source: string): { spans: LabelSpan[]; unknownMachines: string[] } {
  for (const c of ['kind', 'start', 'end']) if (!labels.has(c)) throw missingColumnError(c, labels.names, source);
  const unitCol = unitColumn !== undefined && labels.has(unitColumn) ? unitColumn : labels.has('machine') ? 'machine' : undefined;
  if (unitColumn !== undefined && unitCol === undefined) throw missingColumnError(unitColumn, labels.names, source);
  const byId = new Map(machines.map((m) => [m.id, m]));
  const start = labels.numeric('start', source);
  const end = labels.numeric('end', source);
  const str = (name: string | undefined, i: number): string => {
    if (name === undefined) return '';
    const v = labels.cell(i, labels.names.indexOf(name));
    return v === null ? '' : String(v);
  };
  const spans: LabelSpan[] = [];
  const unknown = new Set<string>();
  for (let i = 0; i < labels.nRows; i++) {
    const id = unitColumn === undefined ? (machines[0]?.id ?? '') : str(unitCol, i);
    const m = unitColumn === undefined ? machines[0] : byId.get(id);
    if (!m) {
      unknown.add(id);
      continue;
    }
    const s = start[i] as number;
    const e = end[i] as number;
    if (!Number.isFinite(s) || !Number.isFinite(e) || e < s) {
      throw new DataError('SF_DATA_PARSE', `Row ${i + 1} of ${source}: expected start ≤ end, both set; got start ${s}, end ${e}.`, { row: i + 1 });
    }
    const a = firstAtOrAfter(m.times, s);
    const b = firstAtOrAfter(m.times, e, true) - 1;
    if (a > b) continue; // no sample of the data falls in this label
    spans.push({ machine: m.id, kind: str('kind', i), sensor: labels.has('sensor') ? str('sensor', i) : '', start: a, end: b });
  }
  return { spans, unknownMachines: [...unknown] };
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) / 2;
  return ((s[Math.floor(h)] as number) + (s[Math.ceil(h)] as number)) / 2;
}

function metrics(spans: readonly LabelSpan[], delays: Map<LabelSpan, number>, trueEvents: number, falseEvents: number): EventMetrics {
  const d = spans.map((s) => delays.get(s)).filter((v): v is number => v !== undefined);
  const recall = spans.length ? d.length / spans.length : Number.NaN;
  const precision = trueEvents + falseEvents ? trueEvents / (trueEvents + falseEvents) : Number.NaN;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    labels: spans.length,
    detected: d.length,
    recall,
    trueEvents,
    falseEvents,
    precision,
    f1: Number.isFinite(f1) ? f1 : Number.NaN,
    meanDelay: d.length ? d.reduce((a, b) => a + b, 0) / d.length : Number.NaN,
    medianDelay: median(d),
  };
}

/**
 * Evaluate alarm events against labelled spans (see the module comment for every definition).
 * @param toleranceSamples samples after a label's end in which an alarm still counts (default 10)
 */
export function evaluateEvents(alarms: readonly MachineAlarms[], spans: readonly LabelSpan[], toleranceSamples = 10): EventEvaluation {
  const byMachine = new Map<string, LabelSpan[]>();
  for (const s of spans) {
    const list = byMachine.get(s.machine) ?? [];
    list.push(s);
    byMachine.set(s.machine, list);
  }
  const delays = new Map<LabelSpan, number>();
  let samples = 0;
  let alarmEvents = 0;
  let falseEvents = 0;
  const trueByKind = new Map<string, number>();
  let trueEvents = 0;
  for (const { machine, events, alarm } of alarms) {
    samples += machine.times.length;
    alarmEvents += events.length;
    const labs = byMachine.get(machine.id) ?? [];
    for (const ev of events) {
      const kinds = new Set<string>();
      for (const l of labs) if (ev.start <= l.end + toleranceSamples && ev.end >= l.start) kinds.add(l.kind);
      if (kinds.size === 0) falseEvents++;
      else trueEvents++;
      for (const k of kinds) trueByKind.set(k, (trueByKind.get(k) ?? 0) + 1);
    }
    // Delay: the first alarm sample inside [start, end + tolerance] (events are in time order).
    for (const l of labs) {
      const hi = l.end + toleranceSamples;
      for (const ev of events) {
        if (ev.end < l.start || ev.start > hi) continue;
        const first = firstAlarmIn(ev, l.start, hi, alarm);
        if (first !== undefined) {
          delays.set(l, first - l.start);
          break;
        }
      }
    }
  }
  const kinds = [...new Set(spans.map((s) => s.kind))].sort();
  return {
    toleranceSamples,
    samples,
    alarmEvents,
    falseEventsPer10k: samples ? (falseEvents / samples) * 1e4 : 0,
    overall: metrics(spans, delays, trueEvents, falseEvents),
    byKind: kinds.map((k) => ({ kind: k, ...metrics(spans.filter((s) => s.kind === k), delays, trueByKind.get(k) ?? 0, falseEvents) })),
  };
}

function firstAlarmIn(ev: AlarmEvent, lo: number, hi: number, alarm: Uint8Array): number | undefined {
  const to = Math.min(hi, ev.end);
  for (let t = Math.max(lo, ev.start); t <= to; t++) if (alarm[t]) return t;
  return undefined;
}
