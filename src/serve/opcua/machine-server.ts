/**
 * A simulated machine behind a real OPC UA server (node-opcua `OPCUAServer`), for tests and for trying
 * `shopfloor serve --opcua-endpoint` without a plant: one object per machine under Objects, with
 * numeric variables that change every `intervalMs`, some of them with Uncertain or Bad status codes.
 *
 * Security: SecurityMode None (with `secure` also Sign/SignAndEncrypt, accepting any client certificate),
 * anonymous access — a test fixture, not for a network.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type StatusCode,
  type UAVariable,
} from 'node-opcua';
import { Rng } from '../../core/random.js';

/** Options of `startMachineServer`. */
export interface MachineServerOptions {
  /** TCP port (default: a free port chosen on 127.0.0.1). Reuse it to restart "the same" server. */
  readonly port?: number;
  /** Hostname in the endpoint URL (default 127.0.0.1). */
  readonly host?: string;
  /** Machines (objects `Machine1`, `Machine2`, …; default 1). */
  readonly machines?: number;
  /** Update period of the simulated values (default 100 ms). */
  readonly intervalMs?: number;
  /** Seed of the simulated values (default 1). */
  readonly seed?: number;
  /** Also offer Sign and SignAndEncrypt with Basic256Sha256 (client certificates are accepted automatically). */
  readonly secure?: boolean;
  /** PKI folder of the server (default: a fixed folder under the OS temp dir, reused across runs). */
  readonly pkiDir?: string;
}

/** A running simulated machine server. */
export interface MachineServer {
  /** `opc.tcp://host:port/UA/Machine`. */
  readonly endpoint: string;
  readonly port: number;
  /** Node ids of the simulated variables, by machine and variable name (e.g. `Machine1.Temperature`). */
  readonly nodeIds: Readonly<Record<string, string>>;
  /** Updates done so far. */
  readonly ticks: () => number;
  stop(): Promise<void>;
}

/** The variables of one simulated machine: how each value moves and which status codes it carries. */
export const MACHINE_VARIABLES = ['SpindleSpeed', 'Temperature', 'Vibration', 'ToolWear', 'Running', 'SerialNumber'] as const;

/** A free TCP port on 127.0.0.1 (bound and released; fine for tests). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Start the simulated machine server. Per machine `MachineN`:
 * - `SpindleSpeed` (Double, rpm): around 1500, always Good;
 * - `Temperature` (Double, °C): slow drift, Uncertain (`UncertainLastUsableValue`) every 7th update;
 * - `Vibration` (Double, mm/s): Bad (`BadSensorFailure`, no value) every 5th update;
 * - `ToolWear` (Double, min): grows by 1 per update;
 * - `Running` (Boolean); `SerialNumber` (String, not numeric: mapping it is an error).
 * Node ids are string ids in the server's own namespace: `ns=1;s=MachineN.Variable`.
 */
export async function startMachineServer(o: MachineServerOptions = {}): Promise<MachineServer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort(host));
  const pkiDir = o.pkiDir ?? path.join(tmpdir(), 'shopfloor-opcua-test-pki');
  mkdirSync(pkiDir, { recursive: true });
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: path.join(pkiDir, 'server'), automaticallyAcceptUnknownCertificate: true });
  const server = new OPCUAServer({
    port,
    hostname: host,
    resourcePath: '/UA/Machine',
    securityModes: o.secure ? [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None],
    securityPolicies: o.secure ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256] : [SecurityPolicy.None],
    allowAnonymous: true,
    serverCertificateManager,
    buildInfo: { productName: 'shopfloor simulated machine', manufacturerName: 'shopfloor', softwareVersion: '0.1.0' },
    serverInfo: { applicationUri: 'urn:shopfloor:simulated-machine', productUri: 'urn:shopfloor:simulated-machine' },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('OPC UA server has no address space');
  const ns = addressSpace.getOwnNamespace();
  const rng = new Rng(o.seed ?? 1);
  const nodeIds: Record<string, string> = {};
  const updaters: ((tick: number, now: Date) => void)[] = [];
  const set = (v: UAVariable, dataType: DataType, value: unknown, status: StatusCode, now: Date): void => {
    v.setValueFromSource(new Variant({ dataType, value }), status, now);
  };
  for (let m = 1; m <= (o.machines ?? 1); m++) {
    const name = `Machine${m}`;
    const obj = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: name, nodeId: `s=${name}` });
    const add = (browseName: string, dataType: 'Double' | 'Boolean' | 'String'): UAVariable => {
      const nodeId = `s=${name}.${browseName}`;
      nodeIds[`${name}.${browseName}`] = `ns=${ns.index};${nodeId}`;
      return ns.addVariable({ componentOf: obj, browseName, nodeId, dataType });
    };
    const speed = add('SpindleSpeed', 'Double');
    const temp = add('Temperature', 'Double');
    const vib = add('Vibration', 'Double');
    const wear = add('ToolWear', 'Double');
    const running = add('Running', 'Boolean');
    const serial = add('SerialNumber', 'String');
    let t = 40 + m;
    updaters.push((tick, now) => {
      t += rng.normal(0, 0.2);
      set(speed, DataType.Double, 1500 + rng.normal(0, 20), StatusCodes.Good, now);
      set(temp, DataType.Double, t, tick % 7 === 3 ? StatusCodes.UncertainLastUsableValue : StatusCodes.Good, now);
      if (tick % 5 === 4) set(vib, DataType.Null, null, StatusCodes.BadSensorFailure, now);
      else set(vib, DataType.Double, Math.abs(rng.normal(2, 0.5)), StatusCodes.Good, now);
      set(wear, DataType.Double, tick, StatusCodes.Good, now);
      set(running, DataType.Boolean, tick % 50 < 45, StatusCodes.Good, now);
      if (tick === 0) set(serial, DataType.String, `SN-${m}`, StatusCodes.Good, now);
    });
  }
  let tick = 0;
  const update = (): void => {
    const now = new Date();
    for (const u of updaters) u(tick, now);
    tick++;
  };
  update();
  const timer = setInterval(update, o.intervalMs ?? 100);
  await server.start();
  return {
    endpoint: `opc.tcp://${host}:${port}/UA/Machine`,
    port,
    nodeIds,
    ticks: () => tick,
    stop: async () => {
      clearInterval(timer);
      await server.shutdown(0);
    },
  };
}
