/**
 * The `ws-initiator` connector: keeps one WebSocket connection to a server, reconnecting with
 * exponential backoff and jitter. Frames from the server go through the adapter's pipeline into
 * channels; the configured channel is sent to the server in order, and its offset is committed as far as
 * the frames were written, so after a reconnect (or a failover) it continues without repeating.
 */
import { WebSocket } from 'ws';
import type { ConsumedMessage } from '../channels/index.ts';
import type { ConnectorFactory, RunningConnector, StopMode } from './connector.ts';
import { resolveSecretRefs } from './secret-refs.ts';
import { hmacHeaders } from './ws-auth.ts';
import { WS_DEFAULTS, type WsInitiatorConfig } from './ws-config.ts';
import { receiveFrames, wsRuntime, type WsConnectorDependencies, type WsRuntime } from './ws-connection.ts';
import { EventThrottle } from './ws-events.ts';
import { messageToFrame } from './ws-frames.ts';
import { keepAlive, ReadGate } from './ws-limits.ts';
import { reconnectDelay } from './backoff.ts';
import { ChannelPump } from './channel-outbound.ts';
import { clientTlsOptions } from './ws-tls.ts';

/** How long a clean stop waits for the server to answer the close. */
const STOP_GRACE_MS = 5_000;
/** While the server reads slowly, how often to look whether the send buffer has drained. */
const DRAIN_POLL_MS = 10;

const ms = (value: number | undefined, fallbackMs: number) => (value === undefined ? fallbackMs : value * 1000);

// Also exported here, where it was first: the NATS connectors share it from backoff.ts.
export { reconnectDelay };

export class WsInitiator {
  readonly #config: WsInitiatorConfig;
  readonly #runtime: WsRuntime;
  readonly #artifacts: (name: string) => Promise<string>;
  readonly #events: EventThrottle;
  readonly #url: URL;
  #socket: WebSocket | undefined;
  #pump: ChannelPump | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wakeBackoff: (() => void) | undefined;

  constructor(config: WsInitiatorConfig, runtime: WsRuntime, artifacts: (name: string) => Promise<string>) {
    this.#config = config;
    this.#runtime = runtime;
    this.#artifacts = artifacts;
    this.#events = new EventThrottle((event) => runtime.context.emit(event));
    this.#url = new URL(config.connection.url);
    const auth = config.authentication ?? {};
    if (auth.mode === 'bearer' && !auth.token) throw new Error('authentication.mode is bearer but authentication.token is missing');
    if (auth.mode === 'hmac' && !auth.hmacSecret) throw new Error('authentication.mode is hmac but authentication.hmacSecret is missing');
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  async start(): Promise<void> {
    const channel = this.#config.subscribeChannel;
    const store = this.#runtime.store;
    if (channel && store) {
      this.#pump = new ChannelPump({
        store,
        lease: this.#runtime.context.lease,
        channel,
        // A send queue: what was put in the channel before the adapter first ran is sent too.
        startAt: 'earliest',
        ready: () => this.connected,
        deliver: (messages) => this.#send(messages),
        onError: (error, fenced) =>
          this.#events.emit('pump', fenced ? 'error' : 'warning', 'message', `channel ${channel}: ${error.message}${fenced ? '; sending stopped' : '; retrying'}`),
      });
      await this.#pump.start();
    }
    this.#runtime.context.setState('Error', `connecting to ${this.#url.host}`);
    this.#loop = this.#connectLoop();
  }

  async stop(mode: StopMode): Promise<void> {
    this.#stopped = true;
    this.#wakeBackoff?.();
    if (mode === 'fence') this.#socket?.terminate();
    await this.#pump?.stop();
    const socket = this.#socket;
    if (socket?.readyState === WebSocket.OPEN) {
      socket.close(1001, 'the adapter is stopping');
      // A server that never answers the close must not hold the stop for ws's 30 s close timeout.
      setTimeout(() => socket.terminate(), STOP_GRACE_MS).unref();
    } else {
      socket?.terminate();
    }
    await this.#loop;
  }

  async #connectLoop(): Promise<void> {
    const connection = this.#config.connection;
    const base = ms(connection.reconnectIntervalSeconds, WS_DEFAULTS.reconnectIntervalMs);
    const max = ms(connection.maxReconnectIntervalSeconds, WS_DEFAULTS.maxReconnectIntervalMs);
    for (let attempt = 0; !this.#stopped; ) {
      if (attempt > 0) this.#runtime.metrics.reconnect();
      const opened = await this.#connectOnce();
      if (this.#stopped) return;
      attempt = opened ? 1 : attempt + 1;
      const wait = reconnectDelay(attempt - 1, base, max);
      this.#runtime.context.setState('Error', `not connected to ${this.#url.host}: reconnecting in ${(wait / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wakeBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** One connection, from dialling to close. Answers whether it opened. */
  async #connectOnce(): Promise<boolean> {
    const { context, metrics } = this.#runtime;
    const connection = this.#config.connection;
    const limits = this.#config.limits ?? {};
    const peer = this.#url.host;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#url, {
        headers: { ...(connection.headers ?? {}), ...this.#authHeaders() },
        handshakeTimeout: ms(connection.connectTimeoutSeconds, WS_DEFAULTS.connectTimeoutMs),
        maxPayload: limits.maxFrameBytes ?? WS_DEFAULTS.maxFrameBytes,
        perMessageDeflate: false,
        followRedirects: false,
        ...(this.#url.protocol === 'wss:' ? await clientTlsOptions(this.#config.tls, this.#url.hostname, this.#artifacts) : {}),
      });
    } catch (error) {
      this.#events.emit('connect-failed', 'error', 'connection', `cannot connect to ${peer}: ${(error as Error).message}`);
      return false;
    }
    this.#socket = socket;
    let opened = false;
    let refused = false;
    let stopHeartbeat = () => undefined as void;
    socket.on('unexpected-response', (_req, res) => {
      refused = true;
      this.#events.emit('refused', 'error', 'connection', `${peer} refused the WebSocket upgrade: HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim());
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.refused('frame-too-large');
        this.#events.emit('frame-too-large', 'warning', 'message', `${peer} sent a frame larger than ${limits.maxFrameBytes ?? WS_DEFAULTS.maxFrameBytes} bytes (limits.maxFrameBytes); closed with 1009`);
      } else if (refused) {
        // Already reported with the server's status; this is only ws noting the aborted handshake.
      } else if (!opened) {
        this.#events.emit('connect-failed', 'warning', 'connection', `cannot connect to ${peer}: ${error.message}`);
      } else {
        this.#events.emit('socket-error', 'warning', 'connection', `${peer}: ${error.message}`);
      }
    });
    socket.once('open', () => {
      opened = true;
      metrics.opened();
      context.setState('Active');
      this.#events.emit('connected', 'info', 'connection', `connected to ${this.#url.origin}${this.#url.pathname}`);
      receiveFrames(this.#runtime, socket, new ReadGate(socket), peer, limits.maxFrameBytes ?? WS_DEFAULTS.maxFrameBytes);
      stopHeartbeat = keepAlive(socket, ms(connection.pingIntervalSeconds, WS_DEFAULTS.pingIntervalMs), ms(connection.pongTimeoutSeconds, WS_DEFAULTS.pongTimeoutMs), () => {
        metrics.deadPeer();
        this.#events.emit('dead-peer', 'warning', 'connection', `${peer}: no pong within ${connection.pongTimeoutSeconds ?? WS_DEFAULTS.pongTimeoutMs / 1000} s; reconnecting`);
        socket.terminate();
      });
      this.#pump?.wake();
    });
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    stopHeartbeat();
    if (opened) {
      metrics.closed();
      this.#events.emit('closed', 'info', 'connection', `disconnected from ${peer}`);
    }
    return opened;
  }

  #authHeaders(): Record<string, string> {
    const auth = this.#config.authentication ?? {};
    if (auth.mode === 'bearer') return { authorization: `Bearer ${auth.token!}` };
    if (auth.mode === 'hmac') return hmacHeaders(auth.hmacAlgorithm ?? 'sha256', auth.hmacSecret!, auth.hmacKeyId ?? '', `${this.#url.pathname}${this.#url.search}`);
    return {};
  }

  /**
   * Sends in order, waiting while the server reads slowly (the send buffer is over its limit) rather
   * than dropping. Answers how many, from the first, were written to the connection.
   */
  async #send(messages: readonly ConsumedMessage[]): Promise<number> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return 0;
    const limit = this.#config.limits?.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes;
    const written: Promise<boolean>[] = [];
    for (const consumed of messages) {
      while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > limit && !this.#stopped) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
      if (socket.readyState !== WebSocket.OPEN) break;
      written.push(new Promise((resolve) => socket.send(messageToFrame(consumed.message, this.#runtime.format), (error) => resolve(!error))));
    }
    const results = await Promise.all(written);
    const sent = results.indexOf(false) < 0 ? results.length : results.indexOf(false);
    this.#runtime.metrics.framesOut(sent);
    const trace = this.#runtime.context.trace;
    if (trace?.active) for (const consumed of messages.slice(0, sent)) trace.message('out', consumed.message, this.#config.subscribeChannel);
    return sent;
  }
}

export function wsInitiatorConnector(deps: WsConnectorDependencies): ConnectorFactory {
  return async (context): Promise<RunningConnector> => {
    // Validated by the orchestrator against the ws-initiator plugin schema.
    const config = await resolveSecretRefs(context.spec.connector.config as unknown as WsInitiatorConfig, deps.secretsDir);
    const initiator = new WsInitiator(config, wsRuntime(context, deps, config.format ?? WS_DEFAULTS.format, config.subscribeChannel), deps.artifacts);
    await initiator.start();
    return {
      stop: (mode) => initiator.stop(mode),
      act: (kind) => Promise.reject(new Error(`${kind} applies to FIX sessions; a ws-initiator has none`)),
    };
  };
}
