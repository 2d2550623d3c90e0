/**
 * The in-process event hub of the live service: readings stored, predictions made, alerts raised.
 * Server-sent events and the MQTT alert topic subscribe here.
 */
import { EventEmitter } from 'node:events';
import type { Alert, Prediction } from '../storage/store.js';

/** Every event the service publishes. */
export type ServiceEvent =
  | { readonly type: 'readings'; readonly assetId: string; readonly count: number; readonly t: number }
  | {
      readonly type: 'prediction';
      readonly prediction: Prediction;
      /** Task of the model: 'failure' (score = failure probability), 'rul' (score = remaining useful life), 'anomaly' (score = anomaly score). */
      readonly task?: 'failure' | 'rul' | 'anomaly';
      /** Anomaly models: the detector's calibrated threshold (label 'anomaly' when score > threshold). */
      readonly threshold?: number;
    }
  | { readonly type: 'alert'; readonly alert: Alert; readonly created: boolean };

/** A typed publish/subscribe hub. Listeners must not throw (errors are swallowed per listener). */
export class EventHub {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  /** Publish to every subscriber. */
  publish(e: ServiceEvent): void {
    this.emitter.emit('event', e);
  }
  /** Subscribe; returns the unsubscribe function. */
  subscribe(fn: (e: ServiceEvent) => void): () => void {
    const safe = (e: ServiceEvent): void => {
      try {
        fn(e);
      } catch {
        /* a broken listener must not stop the stream */
      }
    };
    this.emitter.on('event', safe);
    return () => this.emitter.off('event', safe);
  }
  /** Number of subscribers (for /metrics). */
  get subscribers(): number {
    return this.emitter.listenerCount('event');
  }
}
