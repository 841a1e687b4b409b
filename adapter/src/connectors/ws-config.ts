/**
 * The configs the WebSocket connectors run with: the fields of the `ws-acceptor` and `ws-initiator`
 * plugin manifests (adapter/src/plugins), secrets already resolved. Defaults are the manifests'.
 */
import type { ServerTlsConfig } from '../fix/transport/engine-config.ts';

export type WsFormat = 'json' | 'text';
export type WsAuthMode = 'none' | 'bearer' | 'hmac';
export type HmacAlgorithm = 'sha256' | 'sha512';

export interface WsAcceptorConfig {
  listen: { host?: string; port: number; path?: string };
  format?: WsFormat;
  subscribeChannel?: string;
  authentication?: { mode?: WsAuthMode; token?: string; hmacSecret?: string; hmacAlgorithm?: HmacAlgorithm; hmacMaxSkewSeconds?: number };
  allowedOrigins?: string[];
  allowedAddresses?: string[];
  tls?: ServerTlsConfig;
  limits?: {
    maxConnections?: number;
    maxFrameBytes?: number;
    maxMessagesPerSecond?: number;
    maxBufferedBytes?: number;
    handshakeTimeoutSeconds?: number;
    pingIntervalSeconds?: number;
    pongTimeoutSeconds?: number;
  };
}

export interface WsInitiatorConfig {
  connection: {
    url: string;
    headers?: Record<string, string>;
    connectTimeoutSeconds?: number;
    reconnectIntervalSeconds?: number;
    maxReconnectIntervalSeconds?: number;
    pingIntervalSeconds?: number;
    pongTimeoutSeconds?: number;
  };
  format?: WsFormat;
  subscribeChannel?: string;
  authentication?: { mode?: WsAuthMode; token?: string; hmacKeyId?: string; hmacSecret?: string; hmacAlgorithm?: HmacAlgorithm };
  tls?: {
    serverName?: string;
    caBundle?: string;
    clientCertificate?: string;
    clientKey?: string;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
    rejectUnauthorized?: boolean;
  };
  limits?: { maxFrameBytes?: number; maxBufferedBytes?: number };
}

const MIB = 1024 * 1024;

/** The manifests' defaults, in the units the code uses. */
export const WS_DEFAULTS = {
  path: '/',
  format: 'json' as WsFormat,
  maxConnections: 1000,
  maxFrameBytes: MIB,
  maxMessagesPerSecond: 1000,
  maxBufferedBytes: 8 * MIB,
  handshakeTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  hmacMaxSkewMs: 30_000,
  connectTimeoutMs: 10_000,
  reconnectIntervalMs: 1_000,
  maxReconnectIntervalMs: 60_000,
} as const;
