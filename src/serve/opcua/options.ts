/**
 * Options of the OPC UA client that need no node-opcua import (the CLI validates them, and the service
 * loads node-opcua — a slow import that also prints a PKCS#1 notice on Node 20 — only when OPC UA is used).
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';

export type OpcuaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';
export const OPCUA_SECURITY_MODES: readonly OpcuaSecurityMode[] = ['None', 'Sign', 'SignAndEncrypt'];
export const OPCUA_SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;
export type OpcuaSecurityPolicy = (typeof OPCUA_SECURITY_POLICIES)[number];

/** How to reach an OPC UA server. */
export interface OpcuaConnectOptions {
  /** `opc.tcp://host:port[/path]`. */
  readonly endpoint: string;
  /** Message security (default None). Sign/SignAndEncrypt need certificates: see docs/service.md. */
  readonly securityMode?: OpcuaSecurityMode;
  /** Security policy (default None with mode None, else Basic256Sha256). */
  readonly securityPolicy?: OpcuaSecurityPolicy;
  /** User name identity (default anonymous). */
  readonly username?: string;
  readonly password?: string;
  /** Client PKI folder: own certificate and key, trusted/rejected server certificates (default DEFAULT_PKI_DIR). */
  readonly pkiDir?: string;
  /** Trust a server certificate not yet in `<pkiDir>/trusted` (default false; then move it from `rejected`). */
  readonly trustServerCertificate?: boolean;
  /** Give up the first connection after this long (default 15 s); later reconnects retry forever. */
  readonly connectTimeoutMs?: number;
}

/** Default client PKI folder: `~/.config/shopfloor/opcua-pki` (created with a self-signed certificate on first use). */
export const DEFAULT_PKI_DIR = path.join(homedir(), '.config', 'shopfloor', 'opcua-pki');

const ENDPOINT_RE = /^opc\.tcp:\/\/[^\s/:]+(:\d{1,5})?(\/\S*)?$/;

/** Check an endpoint URL; throws ConfigError. */
export function checkEndpoint(endpoint: string): string {
  if (!ENDPOINT_RE.test(endpoint)) throw new ConfigError(`--opcua-endpoint: expected opc.tcp://host:port[/path]; got '${endpoint}'.`, { option: 'opcua-endpoint', value: endpoint });
  return endpoint;
}

