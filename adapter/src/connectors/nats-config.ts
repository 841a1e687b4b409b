/**
 * The configs the NATS connectors run with: the fields of the `nats-consumer` and `nats-producer`
 * plugin manifests (adapter/src/plugins), secrets already resolved. Defaults are the manifests'.
 */

export type NatsFormat = 'json' | 'text';
export type NatsAuthMode = 'none' | 'token' | 'userPassword' | 'nkey' | 'credentials';

export interface NatsConnectionConfig {
  servers: string[];
  connectionName?: string;
  connectTimeoutSeconds?: number;
  reconnectIntervalSeconds?: number;
}

export interface NatsAuthenticationConfig {
  mode?: NatsAuthMode;
  token?: string;
  username?: string;
  password?: string;
  nkeySeed?: string;
  credentials?: string;
}

export interface NatsTlsConfig {
  enabled?: boolean;
  caBundle?: string;
  clientCertificate?: string;
  clientKey?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  rejectUnauthorized?: boolean;
}

interface NatsCommon {
  connection: NatsConnectionConfig;
  authentication?: NatsAuthenticationConfig;
  tls?: NatsTlsConfig;
}

export interface NatsConsumerConfig extends NatsCommon {
  consumer: {
    stream: string;
    durableName: string;
    filterSubject?: string;
    deliverPolicy?: 'all' | 'new' | 'last';
    ackWaitSeconds?: number;
    maxDeliver?: number;
    maxAckPending?: number;
  };
  format?: NatsFormat;
}

export interface NatsProducerConfig extends NatsCommon {
  subscribeChannel: string;
  publish: {
    subject: string;
    stream: string;
    publishTimeoutSeconds?: number;
    dedupe?: boolean;
    format?: NatsFormat;
  };
}

/** The manifests' defaults, in the units the code uses. */
export const NATS_DEFAULTS = {
  format: 'json' as NatsFormat,
  connectTimeoutMs: 5_000,
  reconnectIntervalMs: 2_000,
  /** The longest wait between reconnect attempts while a server stays unreachable. */
  maxReconnectIntervalMs: 30_000,
  deliverPolicy: 'all' as const,
  ackWaitMs: 30_000,
  maxDeliver: -1,
  maxAckPending: 1_000,
  publishTimeoutMs: 5_000,
  dedupe: true,
} as const;
