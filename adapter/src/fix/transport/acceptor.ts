/**
 * FIX acceptor: one listening port (TCP or TLS) serving many sessions keyed by CompIDs.
 *
 * Starting one in the QuickFIX acceptance profile (ISLD, ResetOnLogon, FIX 4.4):
 *
 *   const acceptor = new FixAcceptor(
 *     {
 *       listen: { host: '127.0.0.1', port: 0 },
 *       sessions: [{ beginString: 'FIX.4.4', senderCompId: 'ISLD', targetCompId: 'TW44' }],
 *       resetOnLogon: true,
 *     },
 *     {
 *       dictionary: '../shared/fix-acceptance/spec/FIX44.xml', // FIX 5.0: { session: 'FIXT11.xml', application: 'FIX50.xml' }
 *       storeFactory: () => new MemoryMessageStore(),
 *       application: echoApplication, // see FixApplication; throw UnsupportedMessageTypeError for others
 *       onEvent: (event) => console.log(event.level, event.message),
 *     },
 *   );
 *   await acceptor.start();
 *   connect to 127.0.0.1:acceptor.port ...
 *   await acceptor.stop({ logout: true });
 *
 * For FIXT.1.1 set `defaultApplVerId: 'FIX.5.0'` on the session (sent as 1137=7).
 *
 * A connection that sends garbage or nothing, or too much, is closed with an event saying why; other
 * connections and sessions are never affected. Before a Logon binds a connection to a session it
 * can only cost one timer and a bounded buffer.
 */
import { X509Certificate } from 'node:crypto';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { FixApplication } from '../session/application.ts';
import { Session, type FixEvent } from '../session/session.ts';
import { DEFAULT_SESSION_SETTINGS } from '../session/session-settings.ts';
import { AddressAllowList } from './address-allow-list.ts';
import {
  checkDictionaryVersion,
  resolveDictionaries,
  type AcceptorSessionConfig,
  type FixAcceptorConfig,
  type FixEngineDependencies,
} from './engine-config.ts';
import { FixConnection } from './fix-connection.ts';
import { routeFirstMessage } from './logon-routing.ts';

const MIB = 1024 * 1024;
const TICK_MS = 250;

export class FixAcceptor {
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<FixConnection>();
  private readonly allowList: AddressAllowList;
  private server: Server | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private stopping = false;
  private boundPort = 0;

  constructor(
    private readonly config: FixAcceptorConfig,
    private readonly deps: FixEngineDependencies,
  ) {
    this.allowList = new AddressAllowList(config.allowedAddresses ?? []);
  }

  /** The port listened on; useful with `port: 0`. */
  get port(): number {
    return this.boundPort;
  }

  /** The session for (our SenderCompID, their CompID, BeginString), for sending and inspection. */
  session(senderCompId: string, targetCompId: string, beginString?: string): Session | undefined {
    for (const session of this.sessions.values()) {
      const id = session.id;
      if (id.senderCompId === senderCompId && id.targetCompId === targetCompId && (beginString === undefined || id.beginString === beginString)) {
        return session;
      }
    }
    return undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<void> {
    for (const sessionConfig of this.config.sessions) {
      const key = sessionKey(sessionConfig.beginString, sessionConfig.senderCompId, sessionConfig.targetCompId);
      if (this.sessions.has(key)) throw new Error(`session ${key} is configured twice`);
      this.sessions.set(key, await this.createSession(sessionConfig));
    }
    this.server = await this.createServer();
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.listen.port, this.config.listen.host ?? '0.0.0.0', () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : this.config.listen.port;
    this.server.on('error', (error) => this.event('error', 'system', `Listener error: ${error.message}`));
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.event('info', 'connection', `Listening on ${this.config.listen.host ?? '0.0.0.0'}:${this.boundPort}`, {
      tls: this.config.tls?.enabled === true,
      sessions: this.sessions.size,
    });
  }

  /**
   * Stops listening and ends every connection. With `logout`, logged-on sessions get a Logout and a
   * moment to answer; without, sockets close at once and not another byte is sent (lease lost).
   */
  async stop(options: { logout: boolean }): Promise<void> {
    this.stopping = true;
    if (this.ticker) clearInterval(this.ticker);
    this.server?.close();
    if (options.logout) {
      await Promise.all([...this.sessions.values()].map((s) => s.logout('Session shutting down')));
      const deadline = Date.now() + (DEFAULT_SESSION_SETTINGS.logoutTimeoutSeconds + 1) * 1000;
      while (Date.now() < deadline && [...this.sessions.values()].some((s) => s.isConnected)) {
        for (const session of this.sessions.values()) await session.tick();
        await delay(50);
      }
    }
    if (!options.logout) for (const session of this.sessions.values()) session.halt('stopped without logout');
    for (const connection of this.connections) connection.disconnect('acceptor stopped', false);
    await Promise.all(
      [...this.connections].map((c) => (c.isClosed ? Promise.resolve() : new Promise<void>((resolve) => c.socket.once('close', () => resolve())))),
    );
    // Whatever happened above, a stopped acceptor's sessions must never send again.
    for (const session of this.sessions.values()) session.halt('acceptor stopped');
  }

  private async createSession(config: AcceptorSessionConfig): Promise<Session> {
    const dictionaries = await resolveDictionaries(config.dataDictionary, this.deps);
    checkDictionaryVersion(config.beginString, dictionaries);
    const store = await this.deps.storeFactory({
      beginString: config.beginString,
      senderCompId: config.senderCompId,
      targetCompId: config.targetCompId,
    });
    const limits = this.config.limits ?? {};
    const session = new Session({
      settings: {
        ...DEFAULT_SESSION_SETTINGS,
        role: 'acceptor',
        beginString: config.beginString,
        senderCompId: config.senderCompId,
        targetCompId: config.targetCompId,
        defaultApplVerId: config.defaultApplVerId,
        minHeartBtInt: config.minHeartBtInt,
        maxHeartBtInt: config.maxHeartBtInt,
        username: config.username,
        password: config.password,
        validateIncoming: config.validateIncoming ?? true,
        resetOnLogon: this.config.resetOnLogon ?? false,
        sendingTimeToleranceSeconds: limits.sendingTimeToleranceSeconds ?? DEFAULT_SESSION_SETTINGS.sendingTimeToleranceSeconds,
        logonTimeoutSeconds: limits.logonTimeoutSeconds ?? DEFAULT_SESSION_SETTINGS.logonTimeoutSeconds,
      },
      store,
      dictionaries,
      application: this.deps.application satisfies FixApplication,
      onEvent: this.deps.onEvent,
      clock: this.deps.clock,
    });
    await session.start();
    return session;
  }

  private async createServer(): Promise<Server> {
    const tls = this.config.tls;
    if (!tls?.enabled) return createTcpServer((socket) => this.onSocket(socket));
    if (!tls.certificate || !tls.privateKey) throw new Error('TLS is enabled but the certificate or private key is missing');
    let ca: string | undefined;
    if (tls.requireClientCertificate) {
      if (!tls.caBundle) throw new Error('mutual TLS needs a client CA bundle');
      ca = tls.caBundle.includes('-----BEGIN') ? tls.caBundle : await this.readArtifact(tls.caBundle);
    }
    const limits = this.config.limits ?? {};
    const server = createTlsServer(
      {
        cert: tls.certificate,
        key: tls.privateKey,
        minVersion: tls.minVersion ?? 'TLSv1.2',
        requestCert: tls.requireClientCertificate === true,
        rejectUnauthorized: tls.requireClientCertificate === true,
        ca,
        handshakeTimeout: (limits.handshakeTimeoutSeconds ?? 10) * 1000,
      },
      (socket) => this.onSocket(socket),
    );
    server.on('tlsClientError', (error, socket) => {
      this.event('warn', 'connection', `TLS handshake failed: ${error.message}`, { remoteAddress: socket.remoteAddress });
    });
    return server;
  }

  private async readArtifact(name: string): Promise<string> {
    if (!this.deps.artifacts) throw new Error(`artifact ${name} named but no artifact reader given`);
    return this.deps.artifacts(name);
  }

  private onSocket(socket: Socket | TLSSocket): void {
    const remote = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
    const limits = this.config.limits ?? {};
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (!this.allowList.allows(socket.remoteAddress)) {
      this.event('warn', 'connection', `Refused connection from ${socket.remoteAddress ?? '?'}: address not allowed`, remote);
      socket.destroy();
      return;
    }
    const maxConnections = limits.maxConnections ?? 100;
    if (this.connections.size >= maxConnections) {
      this.event('warn', 'connection', `Refused connection from ${socket.remoteAddress ?? '?'}: ${maxConnections} connections already open`, remote);
      socket.destroy();
      return;
    }
    const fingerprints = this.config.tls?.allowedClientFingerprints ?? [];
    if (this.config.tls?.requireClientCertificate && fingerprints.length > 0) {
      const fingerprint = peerFingerprint(socket as TLSSocket);
      if (!fingerprint || !fingerprints.some((f) => f.toUpperCase() === fingerprint)) {
        this.event('warn', 'connection', `Refused client certificate ${fingerprint ?? '(none)'}: not in the allowed list`, remote);
        socket.destroy();
        return;
      }
    }
    this.accept(socket, remote, limits);
  }

  private accept(socket: Socket, remote: Record<string, unknown>, limits: NonNullable<FixAcceptorConfig['limits']>): void {
    let session: Session | undefined;
    let garbageReported = false;
    const logonTimeout = limits.logonTimeoutSeconds ?? DEFAULT_SESSION_SETTINGS.logonTimeoutSeconds;
    const connection: FixConnection = new FixConnection(socket, {
      maxMessageSize: limits.maxMessageSize ?? MIB,
      idleTimeoutSeconds: limits.idleTimeoutSeconds ?? 300,
      onFrame: (frame) => {
        if (session) {
          void session.receive(frame);
          return;
        }
        const route = routeFirstMessage(frame, {
          find: (beginString, ours, theirs) => this.sessions.get(sessionKey(beginString, ours, theirs)),
          isConnected: (s) => s.isConnected,
        });
        if (!route.ok) {
          this.event('warn', 'connection', `Closing connection from ${connection.remoteAddress ?? '?'}: ${route.reason}`, remote);
          connection.disconnect(route.reason, false);
          return;
        }
        clearTimeout(logonTimer);
        session = route.session;
        session.attach(connection);
        this.event('info', 'connection', `Connection from ${connection.remoteAddress ?? '?'} bound to ${session.label}`, remote);
        void session.receive(frame);
      },
      onGarbage: (bytes, reason) => {
        if (!session || !session.isLoggedOn) {
          this.event('warn', 'connection', `Closing connection from ${connection.remoteAddress ?? '?'}: ${bytes} bytes of garbage before logon (${reason})`, remote);
          connection.disconnect('garbage before logon', false);
        } else if (!garbageReported) {
          garbageReported = true;
          this.event('warn', 'message', `Skipped ${bytes} bytes that are not FIX (${reason})`, { ...remote, session: session.label });
        }
      },
      onClose: (reason) => {
        clearTimeout(logonTimer);
        this.connections.delete(connection);
        this.event('info', 'connection', `Connection from ${connection.remoteAddress ?? '?'} closed: ${reason}`, remote);
        if (session) void session.detached(connection, reason);
      },
    });
    const logonTimer = setTimeout(() => {
      if (session) return;
      this.event('warn', 'connection', `Closing connection from ${connection.remoteAddress ?? '?'}: no Logon within ${logonTimeout} s`, remote);
      connection.disconnect(`no Logon within ${logonTimeout} s`, false);
    }, logonTimeout * 1000);
    logonTimer.unref();
    this.connections.add(connection);
  }

  private tick(): void {
    for (const session of this.sessions.values()) {
      if (session.isConnected) void session.tick();
    }
  }

  private event(level: FixEvent['level'], category: FixEvent['category'], message: string, details?: Record<string, unknown>): void {
    try {
      this.deps.onEvent?.({ level, category, message, details });
    } catch {
      // An event sink must never break the acceptor.
    }
  }
}

function sessionKey(beginString: string, ours: string, theirs: string): string {
  return `${beginString}\x01${ours}\x01${theirs}`;
}

/** SHA-256 fingerprint as OpenSSL prints it (AA:BB:...). */
function peerFingerprint(socket: TLSSocket): string | undefined {
  const certificate = socket.getPeerX509Certificate?.();
  if (certificate instanceof X509Certificate) return certificate.fingerprint256.toUpperCase();
  const legacy = socket.getPeerCertificate?.();
  return legacy && 'fingerprint256' in legacy ? legacy.fingerprint256.toUpperCase() : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
