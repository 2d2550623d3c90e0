/**
 * `shopfloor serve`: the live service — HTTP API, embedded MQTT broker, optional OPC UA ingestion,
 * streaming scoring and alerts on SQLite. `--demo` streams a simulated milling fleet, training and
 * deploying a model on first start; every new alert is printed as one line, and a status line with the
 * latest scores every `--status-every` seconds. Runs until SIGINT/SIGTERM (or `--duration`), then
 * closes cleanly (every acknowledged reading is already committed).
 */
import { bool, num, str } from '../args.js';
import type { CommandContext, CommandSpec, OptionValues } from '../command.js';
import { ConfigError } from '../../core/errors.js';
import { startService, type RunningService, type ServiceOptions } from '../../serve/server.js';
import { checkEndpoint, OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES, type OpcuaConnectOptions, type OpcuaSecurityMode, type OpcuaSecurityPolicy } from '../../serve/opcua/options.js';
import type { Alert } from '../../storage/store.js';

/** One console line per new alert: time, severity, asset, rule, value. */
export function formatAlertLine(a: Alert): string {
  const v = a.value === null ? '—' : String(+a.value.toPrecision(4));
  return `ALERT ${new Date(a.raisedAt).toISOString()}  ${a.severity.padEnd(8)} ${a.assetId.padEnd(10)} ${a.rule.padEnd(14)} value=${v}  ${a.message}`;
}

/** OPC UA connection options from the CLI (validated; ConfigError on bad input). */
function opcuaOptions(opts: OptionValues): OpcuaConnectOptions | null {
  const endpoint = str(opts, 'opcua-endpoint');
  const related = ['opcua-map', 'opcua-security-mode', 'opcua-security-policy', 'opcua-user', 'opcua-password', 'opcua-pki', 'opcua-trust-server', 'opcua-skip-bad-nodes', 'opcua-suggest'];
  if (!endpoint) {
    const stray = related.filter((n) => opts[n] !== undefined && opts[n] !== false);
    if (stray.length) throw new ConfigError(`--${stray[0]} needs --opcua-endpoint opc.tcp://host:port.`, { option: stray[0] });
    return null;
  }
  checkEndpoint(endpoint);
  const user = str(opts, 'opcua-user');
  const password = str(opts, 'opcua-password');
  return {
    endpoint,
    ...(str(opts, 'opcua-security-mode') ? { securityMode: str(opts, 'opcua-security-mode') as OpcuaSecurityMode } : {}),
    ...(str(opts, 'opcua-security-policy') ? { securityPolicy: str(opts, 'opcua-security-policy') as OpcuaSecurityPolicy } : {}),
    ...(user !== undefined ? { username: user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(str(opts, 'opcua-pki') ? { pkiDir: str(opts, 'opcua-pki') as string } : {}),
    ...(bool(opts, 'opcua-trust-server') ? { trustServerCertificate: true } : {}),
  };
}

/** A status line: readings stored, latest score per asset, open alerts. */
async function statusLine(svc: RunningService): Promise<string> {
  const store = svc.core.store;
  const n = await store.countReadings();
  const scores: string[] = [];
  for (const a of await store.listAssets()) {
    const [p] = await store.listPredictions(a.id, 1);
    if (p) scores.push(`${a.id} ${p.score.toFixed(3)}`);
  }
  const open = (await store.listAlerts({ status: 'open', limit: 1000 })).length;
  return `status ${new Date().toISOString()}  readings ${n}  scores: ${scores.join(', ') || '—'}  open alerts ${open}`;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the live service: HTTP API, MQTT ingestion, streaming scoring and alerts (--demo: a simulated fleet).',
  help: `Examples:
  shopfloor serve --demo                      # everything on embedded defaults, with a simulated fleet
  shopfloor serve --port 8080 --db plant.db --mqtt-port 1883 --webhook http://127.0.0.1:9000/alerts
  shopfloor serve --opcua-endpoint opc.tcp://10.0.0.5:4840 --opcua-suggest > map.json   # browse, suggest a mapping
  shopfloor serve --opcua-endpoint opc.tcp://10.0.0.5:4840 --opcua-map map.json
  shopfloor serve --demo --duration 60        # stop by itself after 60 s
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
    { name: 'row-tolerance-ms', type: 'integer', default: 0, min: 0, max: 3_600_000, description: 'RUL/anomaly models: readings of one asset within this many ms form one row (OPC UA and per-sensor MQTT topics stamp each sensor separately; 0 = equal timestamps only).' },
    { name: 'row-hold-ms', type: 'integer', default: 0, min: 0, max: 86_400_000, description: 'RUL/anomaly models, sensors sampled at different rates: a sensor missing from a row takes its latest value at most this many ms old once newer readings arrive (sample-and-hold; 0 = never).' },
    { name: 'retention-days', type: 'integer', default: 0, min: 0, max: 36500, description: 'Delete readings older than this many days (0 = keep all).' },
    { name: 'demo', type: 'boolean', default: false, description: 'Stream a simulated milling fleet; train and deploy a model on first start.' },
    { name: 'demo-machines', type: 'integer', default: 3, min: 1, max: 100, description: 'Machines in the demo fleet.' },
    { name: 'demo-interval-ms', type: 'integer', default: 1000, min: 10, max: 3_600_000, description: 'Demo: ms between two messages of one machine.' },
    { name: 'duration', type: 'integer', default: 0, min: 0, max: 31_536_000, description: 'Stop cleanly after this many seconds (0 = run until Ctrl-C / SIGTERM).' },
    { name: 'status-every', type: 'integer', min: 0, max: 86_400, description: 'Print a status line (readings, latest scores, open alerts) every N seconds (default 10 with --demo, else 0 = never).' },
    { name: 'opcua-endpoint', type: 'string', description: 'Ingest from this OPC UA server (opc.tcp://host:port[/path]).' },
    { name: 'opcua-map', type: 'string', description: 'OPC UA mapping file (JSON: nodeId → {asset, sensor}); see docs/service.md.' },
    { name: 'opcua-suggest', type: 'boolean', default: false, description: 'Browse --opcua-endpoint, print a suggested mapping file (JSON) and exit.' },
    { name: 'opcua-security-mode', type: 'string', choices: OPCUA_SECURITY_MODES, description: 'OPC UA message security (default None).' },
    { name: 'opcua-security-policy', type: 'string', choices: OPCUA_SECURITY_POLICIES, description: 'OPC UA security policy (default Basic256Sha256 with Sign/SignAndEncrypt).' },
    { name: 'opcua-user', type: 'string', description: 'OPC UA user name (default anonymous).' },
    { name: 'opcua-password', type: 'string', description: 'OPC UA password of --opcua-user.' },
    { name: 'opcua-pki', type: 'string', description: 'OPC UA client PKI folder (own certificate, trusted/rejected server certificates; default ~/.config/shopfloor/opcua-pki).' },
    { name: 'opcua-trust-server', type: 'boolean', default: false, description: "Trust the OPC UA server's certificate without it being in <pki>/trusted (Sign/SignAndEncrypt)." },
    { name: 'opcua-skip-bad-nodes', type: 'boolean', default: false, description: 'Start even when mapped nodes are unknown or not numeric (they are listed and skipped).' },
  ],
  async run(opts, ctx) {
    const opcua = opcuaOptions(opts);
    const mapFile = str(opts, 'opcua-map');
    if (bool(opts, 'opcua-suggest')) {
      if (!opcua) throw new ConfigError('--opcua-suggest needs --opcua-endpoint.');
      const { suggestOpcuaMapping } = await import('../../serve/opcua/client.js');
      const { mapping, skipped } = await suggestOpcuaMapping({ ...opcua, log: (l) => ctx.info(l) });
      for (const v of skipped) ctx.warn(`not numeric, left out: ${v.path.join('/')} (${v.nodeId}, ${v.dataType})`);
      ctx.result(mapping, JSON.stringify(mapping, null, 2));
      return;
    }
    if (opcua && !mapFile) throw new ConfigError('--opcua-endpoint needs --opcua-map FILE (or --opcua-suggest to browse the server and print one).', { option: 'opcua-map' });
    if (str(opts, 'mqtt-url') && str(opts, 'mqtt-password') && !str(opts, 'mqtt-user')) {
      // MQTT 3.1.1 (§3.1.2.9) forbids a password without a user name; mqtt.js would loop reconnecting.
      throw new ConfigError('--mqtt-password on an external broker needs --mqtt-user (MQTT does not allow a password without a user name).', { option: 'mqtt-user' });
    }
    const demo = opts.demo === true;
    const statusEvery = num(opts, 'status-every') ?? (demo ? 10 : 0);
    const duration = num(opts, 'duration') ?? 0;
    const o: ServiceOptions = {
      port: num(opts, 'port') ?? 8080,
      host: str(opts, 'host') ?? '127.0.0.1',
      dbFile: str(opts, 'db') ?? 'shopfloor.db',
      mqttPort: num(opts, 'mqtt-port') ?? 1883,
      ...(str(opts, 'mqtt-password') ? { mqttPassword: str(opts, 'mqtt-password') as string } : {}),
      ...(str(opts, 'mqtt-url') ? { mqttUrl: str(opts, 'mqtt-url') as string } : {}),
      ...(str(opts, 'mqtt-user') ? { mqttUser: str(opts, 'mqtt-user') as string } : {}),
      ...(str(opts, 'mqtt-share') ? { mqttShareGroup: str(opts, 'mqtt-share') as string } : {}),
      ...(str(opts, 'webhook') ? { webhookUrl: str(opts, 'webhook') as string } : {}),
      ...(opcua && mapFile ? { opcua: { ...opcua, mappingFile: mapFile, onBadNode: bool(opts, 'opcua-skip-bad-nodes') ? 'skip' : 'fail' } } : {}),
      retentionDays: num(opts, 'retention-days') ?? 0,
      rowToleranceMs: num(opts, 'row-tolerance-ms') ?? 0,
      rowHoldMs: num(opts, 'row-hold-ms') ?? 0,
      demo,
      demoMachines: num(opts, 'demo-machines') ?? 3,
      demoIntervalMs: num(opts, 'demo-interval-ms') ?? 1000,
      onAlert: (a) => ctx.info(formatAlertLine(a)),
      log: (l) => ctx.info(l),
    };
    const svc = await startService(o);
    ctx.result(
      { url: svc.url, mqtt: svc.mqttUrl, mqttUser: svc.mqttUser, mqttPassword: svc.mqttPassword, adminToken: svc.adminToken, opcua: svc.opcua ? svc.opcua.endpoint : null },
      [
        `shopfloor serve: ${svc.url}  (OpenAPI: ${svc.url}/openapi.json, health: ${svc.url}/health)`,
        `MQTT broker:     ${svc.mqttUrl}  user '${svc.mqttUser}', password ${svc.mqttPassword}`,
        ...(svc.opcua ? [`OPC UA:          ${svc.opcua.endpoint}  (${svc.opcua.nodes.length} node(s))`] : []),
        `admin token:     ${svc.adminToken}`,
        `alerts:          curl -H 'Authorization: Bearer ${svc.adminToken}' ${svc.url}/alerts`,
        `live events:     curl -N -H 'Authorization: Bearer ${svc.adminToken}' ${svc.url}/events`,
        duration > 0 ? `Stopping after ${duration} s (Ctrl-C to stop earlier).` : 'Ctrl-C to stop.',
      ].join('\n'),
    );
    await runUntilStopped(svc, ctx, { durationS: duration, statusEveryS: statusEvery });
  },
};

/** Wait for SIGINT/SIGTERM or the duration, printing status lines; then close. A second signal exits at once. */
async function runUntilStopped(svc: RunningService, ctx: CommandContext, o: { durationS: number; statusEveryS: number }): Promise<void> {
  const status = o.statusEveryS > 0 ? setInterval(() => void statusLine(svc).then((l) => ctx.info(l), () => undefined), o.statusEveryS * 1000) : null;
  let why = '';
  await new Promise<void>((resolve) => {
    const stop = (reason: string) => () => {
      why = reason;
      resolve();
    };
    process.once('SIGINT', stop('SIGINT'));
    process.once('SIGTERM', stop('SIGTERM'));
    if (o.durationS > 0) setTimeout(stop(`--duration ${o.durationS}`), o.durationS * 1000);
  });
  if (status) clearInterval(status);
  const force = (): void => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  let readings: number | null = null;
  let alerts: number | null = null;
  await svc.close(async (store) => {
    readings = await store.countReadings().catch(() => null);
    alerts = await store.listAlerts({ limit: 100_000 }).then((l) => l.length, () => null);
  });
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  ctx.info(`stopped (${why}): ${readings ?? '?'} readings stored, ${alerts ?? '?'} alerts in the database.`);
}
