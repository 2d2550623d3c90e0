/**
 * Alert rules of the live service and where alerts go.
 *
 * Rules (evaluated per asset as readings and scores arrive):
 * - `threshold`: a sensor above `above` (or below `below`);
 * - `rate`: a sensor changing faster than `maxRatePerS` (units per second, absolute);
 * - `score`: the deployed model's score above `above` or below `below` (failure probability, RUL,
 *   anomaly score; `model` restricts the rule to one model task, e.g. `{model: 'rul', below: 20}`);
 * - `anomaly`: the deployed anomaly detector flags a reading (score above its calibrated threshold).
 * Each has hysteresis (`clear`: the condition ends only when the value is back past this level),
 * a minimum duration (`forMs`: the condition must hold this long before the alert fires) and
 * de-duplication (one unresolved alert per rule and asset: the store counts re-occurrences).
 *
 * Sinks: the store (API), the event hub (SSE), an MQTT topic and a webhook with exponential back-off.
 */
import { ConfigError } from '../core/errors.js';
import type { Alert, AlertSeverity, ReadingStore } from '../storage/store.js';
import type { EventHub } from './events.js';

/** One alert rule. `assetId` omitted or '*' = every asset. */
export type AlertRule =
  | { readonly id: string; readonly kind: 'threshold'; readonly sensorId: string; readonly above?: number; readonly below?: number; readonly clear?: number; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string }
  | { readonly id: string; readonly kind: 'rate'; readonly sensorId: string; readonly maxRatePerS: number; readonly clear?: number; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string }
  | { readonly id: string; readonly kind: 'score'; readonly above?: number; readonly below?: number; readonly model?: ScoreTask; readonly clear?: number; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string }
  | { readonly id: string; readonly kind: 'anomaly'; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string };

/** Tasks of the models whose scores score rules see. */
export type ScoreTask = 'failure' | 'rul' | 'anomaly';

/** What a model score carries to the rules besides its value. */
export interface ScoreInfo {
  /** Model task (default 'failure'). */
  readonly task?: ScoreTask;
  /** Anomaly models: the detector flagged this reading, the threshold and the top sensor. */
  readonly flagged?: boolean;
  readonly threshold?: number;
  readonly sensor?: string;
}

const TASK_WORDS: Record<ScoreTask, string> = { failure: 'failure score', rul: 'RUL', anomaly: 'anomaly score' };

/** Something that receives every newly raised alert (not re-occurrences). */
export type AlertSink = (alert: Alert) => void | Promise<void>;

interface RuleState {
  active: boolean;
  since: number | null;
  lastV: number | null;
  lastT: number | null;
}

/** Check a rule's options; throws ConfigError naming the rule. */
export function validateRule(r: AlertRule): AlertRule {
  const bad = (msg: string): never => {
    throw new ConfigError(`alert rule '${r.id}': ${msg}`, { rule: r.id });
  };
  if ((r.kind === 'threshold' || r.kind === 'score') && r.above === undefined && r.below === undefined) bad(`a ${r.kind} rule needs above or below.`);
  if ((r.kind === 'threshold' || r.kind === 'score') && r.above !== undefined && r.below !== undefined) bad('give above or below, not both (use two rules).');
  if (r.kind === 'score' && r.model !== undefined && !['failure', 'rul', 'anomaly'].includes(r.model)) bad(`model must be 'failure', 'rul' or 'anomaly'; got '${String(r.model)}'.`);
  if (r.kind === 'anomaly' && 'clear' in r) bad('an anomaly rule clears when the detector stops flagging; it takes no clear level.');
  if (r.kind === 'rate' && !(r.maxRatePerS > 0)) bad('maxRatePerS must be > 0.');
  if (r.forMs !== undefined && !(r.forMs >= 0)) bad('forMs must be >= 0.');
  if (r.kind !== 'anomaly' && r.clear !== undefined) {
    const trig = r.kind === 'rate' ? r.maxRatePerS : (r.above ?? r.below);
    const isBelow = r.kind !== 'rate' && r.below !== undefined;
    if (trig !== undefined && (isBelow ? r.clear < trig : r.clear > trig)) bad(`clear (${r.clear}) must be on the safe side of the trigger (${trig}) for hysteresis.`);
  }
  return r;
}

/** Evaluates rules on values as they arrive and raises alerts through the store and sinks. */
export class AlertEngine {
  private readonly state = new Map<string, RuleState>();
  private readonly sinks: AlertSink[] = [];
  readonly rules: readonly AlertRule[];

  constructor(
    private readonly store: ReadingStore,
    private readonly hub: EventHub,
    rules: readonly AlertRule[],
  ) {
    this.rules = rules.map(validateRule);
  }
  /** Add a sink for newly raised alerts (MQTT topic, webhook). */
  addSink(s: AlertSink): void {
    this.sinks.push(s);
  }

  /** Feed one sensor value (threshold and rate rules). */
  async onValue(assetId: string, sensorId: string, t: number, v: number): Promise<void> {
    for (const r of this.rules) {
      if (r.kind === 'score' || r.kind === 'anomaly' || r.sensorId !== sensorId || !applies(r, assetId)) continue;
      await this.feedValue(r, assetId, this.stateOf(r, assetId), t, v, false);
    }
  }
  /** Feed one model score (score rules; anomaly rules when `info.task` is 'anomaly'). */
  async onScore(assetId: string, t: number, score: number, info: ScoreInfo = {}): Promise<void> {
    await this.feedScore(assetId, t, score, info, false);
  }
  private async feedScore(assetId: string, t: number, score: number, info: ScoreInfo, dry: boolean): Promise<void> {
    const task = info.task ?? 'failure';
    for (const r of this.rules) {
      if (!applies(r, assetId)) continue;
      if (r.kind === 'score' && (r.model === undefined || r.model === task)) await this.step(r, assetId, this.stateOf(r, assetId), t, score, dry, info);
      else if (r.kind === 'anomaly' && task === 'anomaly') await this.step(r, assetId, this.stateOf(r, assetId), t, info.flagged ? 1 : 0, dry, { ...info, value: score });
    }
  }

  /**
   * Rebuild the rule state after a restart from what the store kept, so a restart neither repeats nor
   * forgets an alert:
   * - a rule is *active* (its alert raised, waiting for the value to come back past `clear`) when the
   *   asset has an unresolved (open or acknowledged) alert of that rule;
   * - then the stored history of the last `forMs + marginMs` (default margin 10 min) before `now` —
   *   good and uncertain readings for threshold and rate rules, stored scores for score rules — is
   *   replayed through the rules without raising anything: that restores a pending minimum-duration
   *   timer (the condition started before the restart), the last value of rate rules, and clears an
   *   active rule whose value already came back.
   * A condition that reaches its minimum duration during the replay becomes active without a new
   * alert (as it would have been live). Call once, before ingestion starts.
   */
  async restore(now: number, o: { marginMs?: number } = {}): Promise<{ active: number; pending: number; replayed: number }> {
    const margin = o.marginMs ?? 600_000;
    const unresolved = [...(await this.store.listAlerts({ status: 'open', limit: 100_000 })), ...(await this.store.listAlerts({ status: 'acknowledged', limit: 100_000 }))];
    const raised = new Set(unresolved.map((a) => a.dedupKey));
    const assets = await this.store.listAssets();
    const tasks = new Map<number, ScoreTask>();
    const taskOf = async (modelId: number): Promise<ScoreTask> => {
      let k = tasks.get(modelId);
      if (!k) {
        const rec = await this.store.getModel(modelId).catch(() => null);
        const t = (rec?.manifest as { task?: unknown } | undefined)?.task;
        k = t === 'rul' || t === 'anomaly' ? t : 'failure';
        tasks.set(modelId, k);
      }
      return k;
    };
    let replayed = 0;
    let active = 0;
    let pending = 0;
    for (const r of this.rules) {
      for (const a of assets) {
        if (!applies(r, a.id)) continue;
        const st = this.stateOf(r, a.id);
        st.active = raised.has(dedupKey(a.id, r));
        const from = now - (r.forMs ?? 0) - margin;
        const to = now + 86_400_000;
        if (r.kind === 'score' || r.kind === 'anomaly') {
          const preds = (await this.store.listPredictions(a.id, 100_000)).filter((p) => p.t >= from && p.t < to).reverse();
          for (const p of preds) {
            const task = await taskOf(p.modelId);
            if (r.kind === 'score' && r.model !== undefined && r.model !== task) continue;
            if (r.kind === 'anomaly' && task !== 'anomaly') continue;
            await this.step(r, a.id, st, p.t, r.kind === 'anomaly' ? (p.label === 'anomaly' ? 1 : 0) : p.score, true);
          }
          replayed += preds.length;
        } else {
          const rs = await this.store.queryReadings({ assetId: a.id, sensorId: r.sensorId, from, to, limit: 100_000 }).catch(() => []);
          for (const x of rs) if (x.q !== 'bad' && x.v !== null) await this.feedValue(r, a.id, st, x.t, x.v, true);
          replayed += rs.length;
        }
        if (st.active) active++;
        else if (st.since !== null) pending++;
      }
    }
    return { active, pending, replayed };
  }

  private async feedValue(r: Extract<AlertRule, { kind: 'threshold' | 'rate' }>, assetId: string, st: RuleState, t: number, v: number, dry: boolean): Promise<void> {
    let x: number | null = v;
    if (r.kind === 'rate') {
      x = st.lastT !== null && st.lastV !== null && t > st.lastT ? Math.abs(v - st.lastV) / ((t - st.lastT) / 1000) : null;
      if (t >= (st.lastT ?? -Infinity)) {
        st.lastT = t;
        st.lastV = v;
      }
      if (x === null) return;
    }
    await this.step(r, assetId, st, t, x, dry);
  }

  private stateOf(r: AlertRule, assetId: string): RuleState {
    const k = `${r.id}\u0000${assetId}`;
    let st = this.state.get(k);
    if (!st) {
      st = { active: false, since: null, lastV: null, lastT: null };
      this.state.set(k, st);
    }
    return st;
  }

  /** Advance one rule's state by one value; `dry` (replay on restore) changes state but raises nothing. */
  private async step(r: AlertRule, assetId: string, st: RuleState, t: number, x: number, dry: boolean, info: ScoreInfo & { value?: number } = {}): Promise<void> {
    const below = (r.kind === 'threshold' || r.kind === 'score') && r.below !== undefined;
    const trig = r.kind === 'rate' ? r.maxRatePerS : r.kind === 'anomaly' ? 0.5 : ((r.above ?? r.below) as number);
    const clear = r.kind === 'anomaly' ? trig : (r.clear ?? trig);
    const triggered = below ? x < trig : x > trig;
    const cleared = below ? x >= clear : x <= clear;
    if (st.active) {
      if (cleared) {
        st.active = false;
        st.since = null;
      }
      return;
    }
    // Hysteresis also holds a pending condition: it ends only at the clear level, so noise around the
    // trigger does not restart the minimum-duration timer.
    if (st.since === null) {
      if (!triggered) return;
      st.since = t;
    } else if (cleared) {
      st.since = null;
      return;
    }
    if (t - st.since < (r.forMs ?? 0)) return;
    st.active = true;
    if (dry) return;
    const what = r.kind === 'score' ? TASK_WORDS[info.task ?? 'failure'] : r.kind === 'rate' ? `${r.sensorId} rate of change` : r.kind === 'anomaly' ? 'anomaly' : r.sensorId;
    const cmp = below ? 'below' : 'above';
    const value = r.kind === 'anomaly' ? (info.value ?? x) : x;
    const message =
      r.kind === 'anomaly'
        ? `${assetId}: anomaly score ${+value.toPrecision(4)} above the detector threshold ${info.threshold === undefined ? '?' : +info.threshold.toPrecision(4)}${info.sensor ? ` (top sensor ${info.sensor})` : ''}${r.forMs ? ` for ${r.forMs} ms` : ''}.`
        : `${assetId}: ${what} ${+x.toPrecision(4)} ${cmp} ${+trig.toPrecision(4)}${r.forMs ? ` for ${r.forMs} ms` : ''}.`;
    const { alert, created } = await this.store.raiseAlert({
      assetId,
      rule: r.id,
      severity: r.severity ?? 'warning',
      message,
      value,
      dedupKey: dedupKey(assetId, r),
      t,
    });
    this.hub.publish({ type: 'alert', alert, created });
    if (created) for (const s of this.sinks) void Promise.resolve(s(alert)).catch(() => undefined);
  }
}

/** One unresolved alert per rule and asset. */
function dedupKey(assetId: string, r: AlertRule): string {
  return `${assetId}/${r.id}`;
}

function applies(r: AlertRule, assetId: string): boolean {
  return r.assetId === undefined || r.assetId === '*' || r.assetId === assetId;
}

/** Options of `webhookSink`. */
export interface WebhookOptions {
  readonly url: string;
  /** Attempts in all (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles each attempt (default 250 ms). */
  readonly baseDelayMs?: number;
  /** Per-attempt timeout (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Called when all attempts failed (default: ignore). */
  readonly onGiveUp?: (alert: Alert, reason: string) => void;
}

/**
 * A sink that POSTs each alert as JSON to a webhook, retrying network errors, 429 and 5xx with
 * exponential back-off (baseDelayMs · 2^attempt). 4xx other than 429 is not retried.
 */
export function webhookSink(o: WebhookOptions): AlertSink {
  const max = o.maxAttempts ?? 5;
  const base = o.baseDelayMs ?? 250;
  return async (alert) => {
    let reason = '';
    for (let attempt = 0; attempt < max; attempt++) {
      if (attempt > 0) await new Promise((res) => setTimeout(res, base * 2 ** (attempt - 1)));
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ alert }),
          signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
        });
        if (res.ok) return;
        reason = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    o.onGiveUp?.(alert, reason);
  };
}
