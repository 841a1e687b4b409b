/**
 * The `ws-acceptor` connector: a WebSocket server on node:http, or node:https for `wss://`.
 *
 * An upgrade request is checked before anything is accepted — address, path, connection count,
 * Origin, authentication — and refused with an HTTP status, an event and a metric. An accepted
 * connection's frames go through the adapter's pipeline into channels; the configured channel is fanned
 * out to every connected client. Every connection has limits: frame size (ws closes with 1009), message
 * rate (slowed, then closed with 1008), send buffer (a client that does not read is dropped), and
 * ping/pong heartbeats (a dead peer is terminated). A client connecting with `?from=<offset>` resumes:
 * it gets the channel from that offset, then the live fan-out, each frame wrapped with its offset (ws-resume.ts).
 */
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConsumedMessage } from '../channels/index.ts';
import { AddressAllowList } from '../fix/transport/address-allow-list.ts';
import type { ConnectorFactory, RunningConnector, StopMode } from './connector.ts';
import { resolveSecretRefs } from './secret-refs.ts';
import { bearerMatches, bearerProtocolMatches, CROSSWIRE_PROTOCOL, HmacVerifier, isBearerProtocol, offeredProtocols, selectProtocol } from './ws-auth.ts';
import { WS_DEFAULTS, type WsAcceptorConfig } from './ws-config.ts';
import { receiveFrames, wsRuntime, type WsConnectorDependencies, type WsRuntime } from './ws-connection.ts';
import { messageToFrame, offsetFrame } from './ws-frames.ts';
import { keepAlive, RateLimiter, ReadGate } from './ws-limits.ts';
import type { RefusalReason } from './ws-metrics.ts';
import { EventThrottle } from './ws-events.ts';
import { ChannelPump } from './channel-outbound.ts';
import { refusedFingerprint, serverTlsOptions } from './ws-tls.ts';
import { parseFrom, ResumeCursor, type ResumeFrom } from './ws-resume.ts';

interface Client {
  readonly socket: WebSocket;
  readonly peer: string;
  readonly gate: ReadGate;
  /** Set once the client is being dropped: nothing more is sent to it. */
  dropped: boolean;
  /** A client that connected with `from`: gets frames wrapped with their offsets, each offset once. */
  readonly resume: ResumeCursor | undefined;
  drained(): Promise<void>;
}

/** How long a subscriber over its send buffer limit may take to drain before it is dropped. */
const SLOW_SUBSCRIBER_GRACE_MS = 2_000;
const DRAIN_POLL_MS = 5;

/** How long a clean stop waits for clients to finish the close handshake and for their frames to be stored. */
const STOP_GRACE_MS = 5_000;

const seconds = (value: number | undefined, fallbackMs: number) => (value === undefined ? fallbackMs : value * 1000);

export class WsAcceptor {
  readonly #config: WsAcceptorConfig;
  readonly #runtime: WsRuntime;
  readonly #artifacts: (name: string) => Promise<string>;
  readonly #clients = new Set<Client>();
  readonly #allowList: AddressAllowList;
  readonly #origins: ReadonlySet<string>;
  readonly #hmac: HmacVerifier | undefined;
  readonly #events: EventThrottle;
  readonly #wss: WebSocketServer;
  readonly #limits: Required<NonNullable<WsAcceptorConfig['limits']>>;
  readonly #handshakeTimers = new WeakMap<Socket, NodeJS.Timeout>();
  #server: Server | undefined;
  #pump: ChannelPump | undefined;
  #stopping = false;

  constructor(config: WsAcceptorConfig, runtime: WsRuntime, artifacts: (name: string) => Promise<string>) {
    this.#config = config;
    this.#runtime = runtime;
    this.#artifacts = artifacts;
    this.#allowList = new AddressAllowList(config.allowedAddresses ?? []);
    this.#origins = new Set((config.allowedOrigins ?? []).map((o) => o.toLowerCase()));
    const limits = config.limits ?? {};
    this.#limits = {
      maxConnections: limits.maxConnections ?? WS_DEFAULTS.maxConnections,
      maxFrameBytes: limits.maxFrameBytes ?? WS_DEFAULTS.maxFrameBytes,
      maxMessagesPerSecond: limits.maxMessagesPerSecond ?? WS_DEFAULTS.maxMessagesPerSecond,
      maxBufferedBytes: limits.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes,
      handshakeTimeoutSeconds: seconds(limits.handshakeTimeoutSeconds, WS_DEFAULTS.handshakeTimeoutMs) / 1000,
      pingIntervalSeconds: seconds(limits.pingIntervalSeconds, WS_DEFAULTS.pingIntervalMs) / 1000,
      pongTimeoutSeconds: seconds(limits.pongTimeoutSeconds, WS_DEFAULTS.pongTimeoutMs) / 1000,
    };
    const auth = config.authentication ?? {};
    if (auth.mode === 'bearer' && !auth.token) throw new Error('authentication.mode is bearer but authentication.token is missing');
    if (auth.mode === 'hmac') {
      if (!auth.hmacSecret) throw new Error('authentication.mode is hmac but authentication.hmacSecret is missing');
      this.#hmac = new HmacVerifier(auth.hmacAlgorithm ?? 'sha256', auth.hmacSecret, seconds(auth.hmacMaxSkewSeconds, WS_DEFAULTS.hmacMaxSkewMs));
    }
    this.#events = new EventThrottle((event) => runtime.context.emit(event));
    // Compression stays off: a small compressed frame can inflate past every memory limit.
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (offered) => selectProtocol(offered),
    });
  }

  get port(): number {
    const address = this.#server?.address();
    return typeof address === 'object' && address ? address.port : this.#config.listen.port;
  }

  get connections(): number {
    return this.#clients.size;
  }

  async start(): Promise<void> {
    const handshakeMs = this.#limits.handshakeTimeoutSeconds * 1000;
    const tls = await serverTlsOptions(this.#config.tls, this.#artifacts, handshakeMs);
    const options = { headersTimeout: handshakeMs, requestTimeout: handshakeMs, connectionsCheckingInterval: Math.min(1_000, handshakeMs) };
    const server = tls ? createHttpsServer({ ...options, ...tls }) : createHttpServer(options);
    // Plain HTTP requests get nothing but the hint; the endpoint only speaks WebSocket.
    server.on('request', (_req, res) => {
      this.#runtime.metrics.refused('not-websocket');
      res.writeHead(426, { connection: 'close', upgrade: 'websocket', 'content-type': 'text/plain' }).end('this endpoint takes WebSocket upgrades only\n');
    });
    server.on('connection', (socket: Socket) => {
      if (!this.#allowList.allows(socket.remoteAddress)) {
        this.#refuse('address', `refused a connection from ${socket.remoteAddress ?? '?'}: address not in allowedAddresses`);
        socket.destroy();
      } else if (!tls) {
        this.#armHandshakeTimer(socket, handshakeMs);
      }
    });
    if (tls) {
      // The TLS handshake has its own timeout (handshakeTimeout above); the HTTP upgrade's starts after it.
      server.on('secureConnection', (socket: TLSSocket) => {
        const fingerprint = refusedFingerprint(this.#config.tls, socket);
        if (fingerprint === undefined) return this.#armHandshakeTimer(socket, handshakeMs);
        this.#refuse('client-certificate', `refused client certificate ${fingerprint} from ${socket.remoteAddress ?? '?'}: not in tls.allowedClientFingerprints`);
        socket.destroy();
      });
      server.on('tlsClientError', (error: Error, socket: TLSSocket) => this.#events.emit('tls', 'warning', 'connection', `TLS handshake from ${socket.remoteAddress ?? '?'} failed: ${error.message}`));
    }
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    // Room above maxConnections for handshakes in flight; they are answered 503 once counted.
    server.maxConnections = this.#limits.maxConnections + 64;
    const host = this.#config.listen.host ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#config.listen.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.#runtime.context.emit({ level: 'error', category: 'system', message: `listener error: ${error.message}` }));
    this.#server = server;
    try {
      await this.#startPump();
    } catch (error) {
      server.close();
      throw error;
    }
    this.#runtime.context.emit({
      level: 'info',
      category: 'connection',
      message:
        `listening on ${tls ? 'wss' : 'ws'}://${host}:${this.port}${this.#config.listen.path ?? WS_DEFAULTS.path}` +
        (this.#config.subscribeChannel ? `, fanning out channel ${this.#config.subscribeChannel}` : ''),
    });
  }

  /** Logout: close every client with 1001 and store what they sent; fence: drop everything at once. */
  async stop(mode: StopMode): Promise<void> {
    this.#stopping = true;
    this.#server?.close();
    if (mode === 'fence') {
      for (const client of this.#clients) client.socket.terminate();
      await this.#pump?.stop();
      return;
    }
    await this.#pump?.stop();
    const clients = [...this.#clients];
    for (const client of clients) {
      client.gate.release();
      client.socket.close(1001, 'the adapter is stopping');
    }
    const deadline = Date.now() + STOP_GRACE_MS;
    while (this.#clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    for (const client of this.#clients) client.socket.terminate();
    // What the clients sent before the close is stored before the lease is given back.
    await Promise.race([Promise.all(clients.map((c) => c.drained())), new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())))]);
  }

  async #startPump(): Promise<void> {
    const channel = this.#config.subscribeChannel;
    const store = this.#runtime.store;
    if (!channel || !store) return;
    this.#pump = new ChannelPump({
      store,
      lease: this.#runtime.context.lease,
      channel,
      // A broadcast: clients see what is published while they are connected, not the channel's history.
      startAt: 'latest',
      ready: () => this.#clients.size > 0,
      deliver: (messages) => this.#broadcast(messages),
      onError: (error, fenced) =>
        this.#events.emit('pump', fenced ? 'error' : 'warning', 'message', `channel ${channel}: ${error.message}${fenced ? '; fan-out stopped' : '; retrying'}`),
    });
    await this.#pump.start();
  }

  /**
   * Sends each message to every client. When a client's send buffer passes the limit, the fan-out waits
   * (at most `SLOW_SUBSCRIBER_GRACE_MS`) for it to drain; a client still over the limit then is dropped.
   * So no client's buffer holds more than the limit plus one message, and a client that stopped reading
   * holds the others back for one grace period, once.
   */
  async #broadcast(messages: readonly ConsumedMessage[]): Promise<number> {
    const { metrics } = this.#runtime;
    const limit = this.#limits.maxBufferedBytes;
    for (const consumed of messages) {
      const text = messageToFrame(consumed.message, this.#runtime.format);
      const frame = Buffer.from(text, 'utf8');
      let wrapped: Buffer | undefined;
      let sent = 0;
      const over: Client[] = [];
      for (const client of this.#clients) {
        if (client.dropped || client.socket.readyState !== client.socket.OPEN) continue;
        if (client.resume && !client.resume.takeLive(consumed)) continue;
        client.socket.send(client.resume ? (wrapped ??= Buffer.from(offsetFrame(consumed.offset, text, this.#runtime.format), 'utf8')) : frame, { binary: false });
        sent++;
        if (client.socket.bufferedAmount > limit) over.push(client);
      }
      metrics.framesOut(sent);
      if (sent > 0 && this.#runtime.context.trace?.active) this.#runtime.context.trace.message('out', consumed.message, this.#config.subscribeChannel);
      for (const client of await this.#stillOverAfterGrace(over)) this.#dropSlow(client, client.socket.bufferedAmount);
    }
    return messages.length;
  }

  /**
   * Waits, at most `SLOW_SUBSCRIBER_GRACE_MS` and not once stopping, for clients over their send buffer
   * limit to drain; returns those still open and over it when the wait ends.
   */
  async #stillOverAfterGrace(over: Client[]): Promise<Client[]> {
    const limit = this.#limits.maxBufferedBytes;
    const deadline = performance.now() + SLOW_SUBSCRIBER_GRACE_MS;
    while (over.length > 0 && performance.now() < deadline && !this.#stopping) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      over = over.filter((c) => !c.dropped && c.socket.readyState === c.socket.OPEN && c.socket.bufferedAmount > limit);
    }
    return over;
  }

  #dropSlow(client: Client, buffered: number): void {
    client.dropped = true;
    this.#runtime.metrics.slowSubscriberDropped();
    this.#runtime.context.emit({
      level: 'warning',
      category: 'connection',
      message: `${client.peer}: dropped a slow subscriber, ${buffered} bytes still waiting to be sent after ${SLOW_SUBSCRIBER_GRACE_MS / 1000} s (limit ${this.#limits.maxBufferedBytes})`,
      details: { peer: client.peer, bufferedBytes: buffered, maxBufferedBytes: this.#limits.maxBufferedBytes },
    });
    // Not a close frame: it would queue behind the data the client is not reading.
    client.socket.terminate();
  }

  /**
   * Node's HTTP timeouts only start once a request begins; a connection that sends nothing would stay
   * open for ever. This closes it unless an upgrade arrives in time.
   */
  #armHandshakeTimer(socket: Socket, ms: number): void {
    const timer = setTimeout(() => {
      this.#refuse('handshake-timeout', `closed ${socket.remoteAddress ?? '?'}: no WebSocket upgrade within ${ms / 1000} s (limits.handshakeTimeoutSeconds)`);
      socket.destroy();
    }, ms);
    this.#handshakeTimers.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    clearTimeout(this.#handshakeTimers.get(req.socket));
    const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const checked = this.#check(req);
    if (!(checked instanceof URL)) {
      this.#refuse(checked.reason, `refused ${peer}: ${checked.text}`);
      reject(socket, checked.status, checked.text, checked.reason === 'auth');
      return;
    }
    const { from, refusal: badFrom } = parseFrom(checked.searchParams);
    if (badFrom !== undefined) return this.#refuseResume(socket, peer, badFrom);
    if (typeof from !== 'number') return this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, peer, from));
    // The channel's head decides whether `from` is a position at all; the upgrade waits for it.
    void this.#pastHead(from).then((why) => {
      if (why !== undefined) return this.#refuseResume(socket, peer, why.text, why.status);
      if (socket.destroyed) return;
      if (this.#stopping) return reject(socket, 503, 'the adapter is stopping', false);
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, peer, from));
    });
  }

  /** Why `from` cannot be served (past the head + 1: 400; the head unreadable: 503), or undefined. */
  async #pastHead(from: number): Promise<{ status: number; text: string } | undefined> {
    const channel = this.#config.subscribeChannel!;
    try {
      const head = (await this.#runtime.store!.head(channel)) ?? 0;
      if (from <= head + 1) return undefined;
      return { status: 400, text: `the query parameter from=${from} is past the end of channel ${channel}: its last offset is ${head}; resume with from=${head + 1} at most` };
    } catch (error) {
      return { status: 503, text: `could not read channel ${channel} to resume from=${from}: ${(error as Error).message}; try again` };
    }
  }

  /** A `from` the endpoint cannot serve. */
  #refuseResume(socket: Duplex, peer: string, text: string, status = 400): void {
    this.#refuse('resume', `refused ${peer}: ${text}`);
    reject(socket, status, text, false);
  }

  /** Why the upgrade is refused, or the request target it asks for. */
  #check(req: IncomingMessage): { status: number; reason: RefusalReason; text: string } | URL {
    const path = this.#config.listen.path ?? WS_DEFAULTS.path;
    if (this.#stopping) return { status: 503, reason: 'max-connections', text: 'the adapter is stopping' };
    // Only origin-form targets (/path?query); anything else could not name this endpoint.
    const url = (req.url ?? '').startsWith('/') ? parseTarget(req.url!) : undefined;
    if (!url) return { status: 404, reason: 'path', text: 'the request target is not a path' };
    if (url.pathname !== path) return { status: 404, reason: 'path', text: `no WebSocket endpoint at ${url.pathname}` };
    if (url.searchParams.has('from') && !(this.#config.subscribeChannel && this.#runtime.store)) {
      return { status: 400, reason: 'resume', text: 'the query parameter from resumes a subscription, and this endpoint fans out no channel (subscribeChannel is not set)' };
    }
    if (this.#clients.size >= this.#limits.maxConnections) {
      return { status: 503, reason: 'max-connections', text: `${this.#limits.maxConnections} connections already open (limits.maxConnections)` };
    }
    const origin = req.headers.origin;
    // Browsers always send Origin; other clients may not, and are kept out by authentication instead.
    if (origin !== undefined && this.#origins.size > 0 && !this.#origins.has(origin.toLowerCase())) {
      return { status: 403, reason: 'origin', text: `origin ${origin.slice(0, 200)} is not in allowedOrigins` };
    }
    const protocols = offeredProtocols(req.headers['sec-websocket-protocol']);
    const bearerProtocols = protocols.filter(isBearerProtocol);
    // Chrome fails a handshake whose offered protocols the server answers with none, and the token one is never answered.
    if (bearerProtocols.length > 0 && !protocols.includes(CROSSWIRE_PROTOCOL)) {
      return { status: 401, reason: 'auth', text: `the bearer token subprotocol needs ${CROSSWIRE_PROTOCOL}: offer crosswire.v1 alongside crosswire.bearer.<token>` };
    }
    if (bearerProtocols.length > 1) return { status: 401, reason: 'auth', text: 'more than one crosswire.bearer subprotocol offered; offer one' };
    const auth = this.#config.authentication ?? {};
    if (
      auth.mode === 'bearer' &&
      !bearerMatches(req.headers.authorization, auth.token!) &&
      !(bearerProtocols.length === 1 && bearerProtocolMatches(bearerProtocols[0]!, auth.token!))
    ) {
      return {
        status: 401,
        reason: 'auth',
        text: 'a valid Bearer token is required: send Authorization: Bearer <token>, or from a browser offer the subprotocols crosswire.v1 and crosswire.bearer.<base64url token>',
      };
    }
    if (this.#hmac) {
      const why = this.#hmac.verify(`${url.pathname}${url.search}`, req.headers);
      if (why) return { status: 401, reason: 'auth', text: why };
    }
    return url;
  }

  #refuse(reason: RefusalReason, text: string): void {
    this.#runtime.metrics.refused(reason);
    this.#events.emit(`refused:${reason}`, 'warning', 'connection', text);
  }

  #accept(socket: WebSocket, peer: string, from: ResumeFrom | undefined): void {
    const { context, metrics } = this.#runtime;
    const gate = new ReadGate(socket);
    const rate = new RateLimiter(this.#limits.maxMessagesPerSecond, {
      pause: () => gate.pause('rate'),
      resume: () => gate.resume('rate'),
      onAbuse: () => {
        this.#refuse('rate', `${peer}: closed, over ${this.#limits.maxMessagesPerSecond} messages per second for several seconds (limits.maxMessagesPerSecond)`);
        gate.release();
        socket.close(1008, 'message rate exceeded');
      },
    });
    socket.on('message', () => rate.frame());
    const client: Client = {
      socket,
      peer,
      gate,
      dropped: false,
      resume: from === undefined ? undefined : new ResumeCursor(from),
      drained: receiveFrames(this.#runtime, socket, gate, peer, this.#limits.maxFrameBytes),
    };
    const stopHeartbeat = keepAlive(socket, this.#limits.pingIntervalSeconds * 1000, this.#limits.pongTimeoutSeconds * 1000, () => {
      metrics.deadPeer();
      this.#events.emit('dead-peer', 'warning', 'connection', `${peer}: no pong within ${this.#limits.pongTimeoutSeconds} s; connection terminated`);
      socket.terminate();
    });
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.#refuse('frame-too-large', `${peer}: a frame larger than ${this.#limits.maxFrameBytes} bytes (limits.maxFrameBytes); closed with 1009`);
      } else {
        this.#events.emit('socket-error', 'warning', 'connection', `${peer}: ${error.message}`);
      }
    });
    socket.once('close', (code: number) => {
      this.#clients.delete(client);
      metrics.closed();
      stopHeartbeat();
      rate.stop();
      this.#events.emit('closed', 'info', 'connection', `${peer} disconnected (${code})`);
    });
    this.#clients.add(client);
    metrics.opened();
    this.#events.emit('connected', 'info', 'connection', `${peer} connected${from === undefined ? '' : `, resuming from ${from}`}`);
    context.setState('Active');
    this.#pump?.wake();
    if (client.resume) void this.#catchUp(client, client.resume);
  }

  /** Sends a resuming client what the channel holds from its `from`; it is live once this returns. */
  async #catchUp(client: Client, resume: ResumeCursor): Promise<void> {
    const { metrics, format } = this.#runtime;
    const limit = this.#limits.maxBufferedBytes;
    const open = () => !client.dropped && !this.#stopping && client.socket.readyState === client.socket.OPEN;
    try {
      await resume.catchUp(this.#runtime.store!, this.#config.subscribeChannel!, {
        send: (consumed) => {
          client.socket.send(offsetFrame(consumed.offset, messageToFrame(consumed.message, format), format), { binary: false });
          metrics.framesOut(1);
        },
        overLimit: () => client.socket.bufferedAmount > limit,
        open,
        // Like the broadcast: a client over its limit gets one grace period to drain, then is dropped.
        drained: async () => {
          const slow = await this.#stillOverAfterGrace([client]);
          if (!open()) return false;
          if (slow.length === 0) return true;
          this.#dropSlow(client, client.socket.bufferedAmount);
          return false;
        },
      });
    } catch (error) {
      if (!open()) return;
      // 1011 (internal error): the client reconnects with the same position and nothing is lost.
      this.#events.emit('resume', 'warning', 'connection', `${client.peer}: could not read channel ${this.#config.subscribeChannel} to resume after offset ${resume.lastSent}: ${(error as Error).message}; closed with 1011`);
      client.socket.close(1011, `resume failed; reconnect with from=${resume.lastSent + 1}`);
    }
  }
}

function parseTarget(target: string): URL | undefined {
  try {
    return new URL(target, 'http://endpoint');
  } catch {
    return undefined;
  }
}

/** Answers a refused upgrade with a plain HTTP status and closes the socket. */
function reject(socket: Duplex, status: number, text: string, challenge: boolean): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      (challenge ? 'WWW-Authenticate: Bearer\r\n' : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

export function wsAcceptorConnector(deps: WsConnectorDependencies): ConnectorFactory {
  return async (context): Promise<RunningConnector> => {
    // The orchestrator validated the config against the ws-acceptor plugin schema, whose fields these are.
    const config = await resolveSecretRefs(context.spec.connector.config as unknown as WsAcceptorConfig, deps.secretsDir);
    const acceptor = new WsAcceptor(config, wsRuntime(context, deps, config.format ?? WS_DEFAULTS.format, config.subscribeChannel), deps.artifacts);
    await acceptor.start();
    context.setState('Active');
    return {
      // In Kubernetes the worker routes the port's acceptor Service to this pod.
      listeningPorts: [acceptor.port],
      stop: (mode) => acceptor.stop(mode),
      act: (kind) => Promise.reject(new Error(`${kind} applies to FIX sessions; a ws-acceptor has none`)),
    };
  };
}
