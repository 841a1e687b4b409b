/**
 * One NATS connection of a connector, kept up for as long as the connector runs: the first connection
 * is retried with backoff until a server answers; after that the client reconnects on its own (for
 * ever), waiting longer the longer the outage lasts. Every loss and recovery is an event, a state and
 * a metric; the connector asks `connected` before it reads or publishes.
 */
import { connect, credsAuthenticator, Events, nkeyAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator } from 'nats';
import type { Authenticator, ConnectionOptions, NatsConnection, Status, TlsOptions } from 'nats';
import type { ConnectorContext } from './connector.ts';
import { NATS_DEFAULTS, type NatsAuthenticationConfig, type NatsConnectionConfig, type NatsTlsConfig } from './nats-config.ts';
import type { NatsMetrics } from './nats-metrics.ts';
import type { EventThrottle } from './ws-events.ts';
import { reconnectDelay } from './backoff.ts';

/** A status's server address or message as text (it may also be a cluster change, shown as JSON). */
const peer = (data: Status['data']) => (typeof data === 'object' ? JSON.stringify(data) : String(data));
const ms = (value: number | undefined, fallbackMs: number) => (value === undefined ? fallbackMs : value * 1000);
const bytes = (text: string) => new TextEncoder().encode(text.trim());

function authenticator(auth: NatsAuthenticationConfig | undefined): Authenticator | undefined {
  switch (auth?.mode ?? 'none') {
    case 'none':
      return undefined;
    case 'token':
      if (!auth?.token) throw new Error('authentication.mode is token but authentication.token is missing');
      return tokenAuthenticator(auth.token);
    case 'userPassword':
      if (!auth?.username || !auth.password) throw new Error('authentication.mode is userPassword but authentication.username or .password is missing');
      return usernamePasswordAuthenticator(auth.username, auth.password);
    case 'nkey':
      if (!auth?.nkeySeed) throw new Error('authentication.mode is nkey but authentication.nkeySeed is missing');
      return nkeyAuthenticator(bytes(auth.nkeySeed));
    case 'credentials':
      if (!auth?.credentials) throw new Error('authentication.mode is credentials but authentication.credentials is missing');
      return credsAuthenticator(bytes(auth.credentials));
  }
}

/**
 * TLS for `tls://` servers or `tls.enabled`: TLS 1.2 at least, the CA bundle (an artifact name or PEM
 * text), a client certificate for mutual TLS. The client passes the extra keys on to `tls.connect`.
 */
async function tlsOptions(tls: NatsTlsConfig | undefined, servers: readonly string[], artifacts: (name: string) => Promise<string>): Promise<TlsOptions | undefined> {
  if (!tls?.enabled && !servers.some((s) => s.startsWith('tls://'))) return undefined;
  const options: TlsOptions & { minVersion: string; rejectUnauthorized: boolean } = {
    minVersion: tls?.minVersion ?? 'TLSv1.2',
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
  if (tls?.caBundle) options.ca = tls.caBundle.includes('-----BEGIN') ? tls.caBundle : await artifacts(tls.caBundle);
  if (tls?.clientCertificate) {
    if (!tls.clientKey) throw new Error('tls.clientCertificate needs tls.clientKey');
    options.cert = tls.clientCertificate;
    options.key = tls.clientKey;
  }
  return options;
}

export interface NatsSettings {
  connection: NatsConnectionConfig;
  authentication?: NatsAuthenticationConfig;
  tls?: NatsTlsConfig;
}

/** Client options for a connector; the connection name defaults to the adapter's name. */
export async function natsConnectOptions(settings: NatsSettings, adapterName: string, artifacts: (name: string) => Promise<string>): Promise<ConnectionOptions> {
  const { connection } = settings;
  const auth = authenticator(settings.authentication);
  const tls = await tlsOptions(settings.tls, connection.servers, artifacts);
  return {
    servers: connection.servers,
    name: connection.connectionName ?? adapterName,
    timeout: ms(connection.connectTimeoutSeconds, NATS_DEFAULTS.connectTimeoutMs),
    ...(auth ? { authenticator: auth } : {}),
    ...(tls ? { tls } : {}),
    // Only the configured servers: a cluster's gossip must not lead the pod around a proxy or firewall.
    ignoreClusterUpdates: true,
    reconnect: true,
    maxReconnectAttempts: -1,
    // A dead path (no RST, no FIN) is noticed within 20 s rather than the client's default 4 minutes.
    pingInterval: 10_000,
    maxPingOut: 2,
  };
}

export interface NatsLinkOptions {
  context: ConnectorContext;
  metrics: NatsMetrics;
  events: EventThrottle;
  options: ConnectionOptions;
  /** Called once per connection (not per reconnect: subscriptions and consumers survive those). */
  onConnection(nc: NatsConnection): Promise<void>;
  /** The connection is back after a loss. */
  onReconnect?(): void;
}

export class NatsLink {
  readonly #options: NatsLinkOptions;
  readonly #baseMs: number;
  #nc: NatsConnection | undefined;
  #up = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #downSince = 0;

  constructor(options: NatsLinkOptions, reconnectIntervalSeconds: number | undefined) {
    this.#options = options;
    this.#baseMs = ms(reconnectIntervalSeconds, NATS_DEFAULTS.reconnectIntervalMs);
  }

  /** True while a server is connected. */
  get connected(): boolean {
    return this.#up && !this.#stopped;
  }

  get connection(): NatsConnection | undefined {
    return this.#nc;
  }

  start(): void {
    this.#options.context.setState('Error', `connecting to ${this.#servers()}`);
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#nc?.close().catch(() => undefined);
    await this.#loop;
  }

  #servers(): string {
    return (this.#options.options.servers as string[]).join(', ');
  }

  async #run(): Promise<void> {
    const { context, metrics, events } = this.#options;
    for (let failures = 0; !this.#stopped; ) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          ...this.#options.options,
          reconnectDelayHandler: () => this.#reconnectWait(),
        });
      } catch (error) {
        if (this.#stopped) return;
        if (failures === 0) metrics.disconnected();
        const wait = reconnectDelay(failures++, this.#baseMs, NATS_DEFAULTS.maxReconnectIntervalMs);
        events.emit('connect-failed', 'error', 'connection', `cannot connect to NATS at ${this.#servers()}: ${(error as Error).message}; retrying in ${(wait / 1000).toFixed(1)} s`);
        context.setState('Error', `NATS unreachable at ${this.#servers()}: ${(error as Error).message}`);
        await this.#sleep(wait);
        continue;
      }
      if (this.#stopped) {
        await nc.close();
        return;
      }
      failures = 0;
      this.#nc = nc;
      this.#up = true;
      metrics.connected(false);
      events.emit('connected', 'info', 'connection', `connected to NATS at ${nc.getServer()}`);
      const statuses = nc.status();
      const watching = this.#watch(statuses);
      try {
        await this.#options.onConnection(nc);
        context.setState('Active');
      } catch (error) {
        // The connector cannot run on this connection (a missing stream, a refused permission): start again later.
        events.emit('setup-failed', 'error', 'system', (error as Error).message);
        context.setState('Error', (error as Error).message);
        await nc.close().catch(() => undefined);
      }
      const closed = await nc.closed();
      this.#up = false;
      // The client does not end its status stream on close.
      (statuses as { stop?: () => void }).stop?.();
      await watching;
      if (this.#stopped) return;
      metrics.disconnected();
      if (closed) events.emit('closed', 'error', 'connection', `NATS connection closed: ${closed.message}`);
      await this.#sleep(reconnectDelay(failures++, this.#baseMs, NATS_DEFAULTS.maxReconnectIntervalMs));
    }
  }

  /** Between reconnect attempts: the interval at first, then a quarter of the outage so far, at most 30 s. */
  #reconnectWait(): number {
    // The client may ask before it reports the disconnect.
    if (this.#downSince === 0) this.#downSince = Date.now();
    return Math.min(NATS_DEFAULTS.maxReconnectIntervalMs, Math.max(this.#baseMs, (Date.now() - this.#downSince) / 4));
  }

  /** Follows the client's reconnects: events, state and metrics on every loss and recovery. */
  async #watch(statuses: AsyncIterable<Status>): Promise<void> {
    const { context, metrics, events } = this.#options;
    for await (const status of statuses) {
      if (this.#stopped) continue;
      if (status.type === Events.Disconnect) {
        this.#up = false;
        if (this.#downSince === 0) this.#downSince = Date.now();
        metrics.disconnected();
        events.emit('disconnected', 'warning', 'connection', `lost the NATS connection to ${peer(status.data)}; reconnecting`);
        context.setState('Error', `NATS connection lost (${peer(status.data)}): reconnecting`);
      } else if (status.type === Events.Reconnect) {
        this.#up = true;
        metrics.connected(true);
        events.emit('reconnected', 'info', 'connection', `reconnected to NATS at ${peer(status.data)} after ${((Date.now() - this.#downSince) / 1000).toFixed(1)} s`);
        this.#downSince = 0;
        context.setState('Active');
        this.#options.onReconnect?.();
      } else if (status.type === Events.Error) {
        events.emit('nats-error', 'warning', 'connection', `NATS: ${peer(status.data)}`);
      }
    }
  }

  #sleep(wait: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
