/** `shopfloor detect`: anomaly scores per row and alarm events from a saved anomaly detector. */
import { DETECT_OPTIONS, detectAnomaliesRun } from '../../tasks/anomaly/cli.js';
import type { CommandSpec } from '../command.js';

/**
 * `shopfloor detect --model DIR --data FILE [--out alarms.csv] [--labels FILE] [--json]`.
 * The model directory comes from `shopfloor train --task anomaly`; see docs/anomaly.md.
 */
export const detectCommand: CommandSpec = {
  name: 'detect',
  summary: 'Detect anomalies with a saved anomaly detector: scores per row, alarm events, and (with --labels) event-wise precision/recall/delay.',
  help: `Example:
  shopfloor train --task anomaly --data normal.csv --unit machine --time timestamp --out det
  shopfloor detect --model det --data streams.csv --labels labels.csv --out alarms.csv`,
  options: DETECT_OPTIONS,
  async run(opts, ctx) {
    await detectAnomaliesRun(opts, ctx);
  },
};
