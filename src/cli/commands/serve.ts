/**
 * `shopfloor serve`: the live service — HTTP API, embedded MQTT broker, streaming scoring and alerts
 * on SQLite. `--demo` streams a simulated milling fleet, training and deploying a model on first start.
 * Runs until SIGINT/SIGTERM, then closes cleanly (every acknowledged reading is already committed).
 */
import { num, str } from '../args.js';
import type { CommandSpec } from '../command.js';
import { startService } from '../../serve/server.js';

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the live service: HTTP API, MQTT ingestion, streaming scoring and alerts (--demo: a simulated fleet).',
  help: `Examples:
  shopfloor serve --demo                      # everything on embedded defaults, with a simulated fleet
  shopfloor serve --port 8080 --db plant.db --mqtt-port 1883 --webhook http://127.0.0.1:9000/alerts
See docs/service.md for the API, the MQTT topics and the alert rules.`,
  seeded: false,
  options: [
    { name: 'port', type: 'integer', default: 8080, min: 0, max: 65535, description: 'HTTP port (0 = any free port).' },
    { name: 'host', type: 'string', default: '127.0.0.1', description: 'Interface to listen on (HTTP and MQTT).' },
    { name: 'db', type: 'string', default: 'shopfloor.db', description: 'SQLite database file, or a postgres:// URL (PostgreSQL store).' },
    { name: 'mqtt-port', type: 'integer', default: 1883, min: 0, max: 65535, description: 'Embedded MQTT broker port (0 = any free port).' },
    { name: 'mqtt-password', type: 'string', description: "Password of MQTT user 'shopfloor' on the embedded broker (default: random, printed), or of --mqtt-user on an external one." },
    { name: 'mqtt-url', type: 'string', description: 'Ingest from this external broker (mqtt://host:port) instead of starting the embedded one.' },
    { name: 'mqtt-user', type: 'string', description: 'Username on the external broker.' },
    { name: 'mqtt-share', type: 'string', description: 'Shared-subscription group on the external broker, so several serve processes split one stream.' },
    { name: 'webhook', type: 'string', description: 'POST every new alert to this URL (retried with exponential back-off).' },
    { name: 'retention-days', type: 'integer', default: 0, min: 0, max: 36500, description: 'Delete readings older than this many days (0 = keep all).' },
    { name: 'demo', type: 'boolean', default: false, description: 'Stream a simulated milling fleet; train and deploy a model on first start.' },
    { name: 'demo-machines', type: 'integer', default: 3, min: 1, max: 100, description: 'Machines in the demo fleet.' },
    { name: 'demo-interval-ms', type: 'integer', default: 1000, min: 10, max: 3_600_000, description: 'Demo: ms between two messages of one machine.' },
  ],
  async run(opts, ctx) {
    const svc = await startService({
      port: num(opts, 'port') ?? 8080,
      host: str(opts, 'host') ?? '127.0.0.1',
      dbFile: str(opts, 'db') ?? 'shopfloor.db',
      mqttPort: num(opts, 'mqtt-port') ?? 1883,
      ...(str(opts, 'mqtt-password') ? { mqttPassword: str(opts, 'mqtt-password') as string } : {}),
      ...(str(opts, 'mqtt-url') ? { mqttUrl: str(opts, 'mqtt-url') as string } : {}),
      ...(str(opts, 'mqtt-user') ? { mqttUser: str(opts, 'mqtt-user') as string } : {}),
      ...(str(opts, 'mqtt-share') ? { mqttShareGroup: str(opts, 'mqtt-share') as string } : {}),
      ...(str(opts, 'webhook') ? { webhookUrl: str(opts, 'webhook') as string } : {}),
      retentionDays: num(opts, 'retention-days') ?? 0,
      demo: opts.demo === true,
      demoMachines: num(opts, 'demo-machines') ?? 3,
      demoIntervalMs: num(opts, 'demo-interval-ms') ?? 1000,
      log: (l) => ctx.info(l),
    });
    ctx.result(
      { url: svc.url, mqtt: svc.mqttUrl, mqttUser: svc.mqttUser, mqttPassword: svc.mqttPassword, adminToken: svc.adminToken },
      [
        `shopfloor serve: ${svc.url}  (OpenAPI: ${svc.url}/openapi.json, health: ${svc.url}/health)`,
        `MQTT broker:     ${svc.mqttUrl}  user '${svc.mqttUser}', password ${svc.mqttPassword}`,
        `admin token:     ${svc.adminToken}`,
        `live events:     curl -N -H 'Authorization: Bearer ${svc.adminToken}' ${svc.url}/events`,
        'Ctrl-C to stop.',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await svc.close();
  },
};
