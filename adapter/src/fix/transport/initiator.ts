/**
 * FIX initiator: keeps one session connected to a counterparty over TCP or TLS, logging on when the
 * schedule allows and reconnecting with a doubling, capped delay after every failure.
 *
 *   const initiator = new FixInitiator(config, { dictionary, storeFactory, application, onEvent });
 *   await initiator.start();
 *   await initiator.session.handle.send('D', [[11, 'id'], ...]);
 *   await initiator.stop({ logout: true });
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Session, type FixEvent } from '../session/session.ts';
import { SessionSchedule } from '../session/session-schedule.ts';
import { DEFAULT_SESSION_SETTINGS } from '../session/session-settings.ts';
import { checkDictionaryVersion, resolveDictionaries, type FixEngineDependencies, type FixInitiatorConfig } from './engine-config.ts';
import { FixConnection } from './fix-connection.ts';

const MIB = 1024 * 1024;
const TICK_MS = 250;

export class FixInitiator {
  private current: Session | undefined;
  private connection: FixConnection | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private connecting = false;

  constructor(
    private readonly config: FixInitiatorConfig,
    private readonly deps: FixEngineDependencies,
  ) {}

  get session(): Session {
    if (!this.current) throw new Error('FixInitiator.start() has not completed');
    return this.current;
  }

  async start(): Promise<void> {
    const { session: s, connection: c, limits = {}, authentication = {}, schedule } = this.config;
    const dictionaries = await resolveDictionaries(s.dataDictionary, this.deps);
    checkDictionaryVersion(s.beginString, dictionaries);
    const store = await this.deps.storeFactory({ beginString: s.beginString, senderCompId: s.senderCompId, targetCompId: s.targetCompId });
    this.current = new Session({
      settings: {
        ...DEFAULT_SESSION_SETTINGS,
        role: 'initiator',
        beginString: s.beginString,
        senderCompId: s.senderCompId,
        senderSubId: s.senderSubId,
        senderLocationId: s.senderLocationId,
        targetCompId: s.targetCompId,
        targetSubId: s.targetSubId,
        defaultApplVerId: s.defaultApplVerId,
        heartBtInt: s.heartBtInt ?? DEFAULT_SESSION_SETTINGS.heartBtInt,
        resetOnLogon: s.resetOnLogon ?? false,
        resetOnLogout: s.resetOnLogout ?? false,
        resetOnDisconnect: s.resetOnDisconnect ?? false,
        validateIncoming: s.validateIncoming ?? true,
        username: authentication.username,
        password: authentication.password,
        sendingTimeToleranceSeconds: limits.sendingTimeToleranceSeconds ?? DEFAULT_SESSION_SETTINGS.sendingTimeToleranceSeconds,
        resendChunkSize: limits.resendChunkSize ?? 0,
        logonTimeoutSeconds: c.logonTimeoutSeconds ?? DEFAULT_SESSION_SETTINGS.logonTimeoutSeconds,
        logoutTimeoutSeconds: c.logoutTimeoutSeconds ?? DEFAULT_SESSION_SETTINGS.logoutTimeoutSeconds,
        schedule: schedule ? new SessionSchedule(schedule) : undefined,
      },
      store,
      dictionaries,
      application: this.deps.application,
      onEvent: this.deps.onEvent,
      clock: this.deps.clock,
    });
    await this.current.start();
    this.ticker = setInterval(() => this.onTick(), TICK_MS);
    this.connectSoon(0);
  }

  /**
   * Stops for good. With `logout`, a logged-on session sends Logout and waits briefly for the reply;
   * without, the socket closes at once and not another byte is sent (lease lost).
   */
  async stop(options: { logout: boolean }): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const session = this.current;
    if (session && options.logout && session.isLoggedOn) {
      await session.logout('Session shutting down');
      const deadline = Date.now() + ((this.config.connection.logoutTimeoutSeconds ?? 2) + 1) * 1000;
      while (Date.now() < deadline && session.isConnected) {
        await session.tick();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (this.ticker) clearInterval(this.ticker);
    session?.halt(options.logout ? 'initiator stopped' : 'stopped without logout');
    const connection = this.connection;
    if (connection && !connection.isClosed) {
      connection.disconnect('initiator stopped', false);
      await new Promise<void>((resolve) => (connection.isClosed ? resolve() : connection.socket.once('close', () => resolve())));
    }
  }

  private onTick(): void {
    const session = this.current;
    if (!session || this.stopped) return;
    void session.tick();
  }

  private connectSoon(delayMs: number): void {
    if (this.stopped) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
    this.reconnectTimer.unref();
  }

  private nextDelay(): number {
    const base = (this.config.connection.reconnectIntervalSeconds ?? 5) * 1000;
    const cap = Math.max(base, (this.config.connection.maxReconnectIntervalSeconds ?? 60) * 1000);
    const delay = Math.min(cap, base * 2 ** Math.min(this.failures, 20));
    this.failures++;
    return delay;
  }

  private connect(): void {
    const session = this.current;
    if (this.stopped || !session || this.connecting || this.connection) return;
    if (!session.isInSession()) {
      this.connectSoon(1000);
      return;
    }
    this.connecting = true;
    const { host, port, connectTimeoutSeconds = 10 } = this.config.connection;
    const tls = this.config.tls;
    this.event('info', 'connection', `Connecting to ${host}:${port}${tls?.enabled ? ' (TLS)' : ''}`);
    void this.openSocket().then(
      (socket) => {
        const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${connectTimeoutSeconds} s`)), connectTimeoutSeconds * 1000);
        const ready = tls?.enabled ? 'secureConnect' : 'connect';
        socket.once(ready, () => {
          clearTimeout(timer);
          this.connecting = false;
          if (this.stopped) {
            socket.destroy();
            return;
          }
          this.bind(socket, session);
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          if (this.connection?.socket === socket) return;
          this.connecting = false;
          this.event('warn', 'connection', `Connection to ${host}:${port} failed: ${error.message}`);
          this.connectSoon(this.nextDelay());
        });
      },
      (error: unknown) => {
        this.connecting = false;
        this.event('error', 'connection', `Cannot connect: ${error instanceof Error ? error.message : String(error)}`);
        this.connectSoon(this.nextDelay());
      },
    );
  }

  private async openSocket(): Promise<Socket> {
    const { host, port } = this.config.connection;
    const tls = this.config.tls;
    if (!tls?.enabled) return connectTcp({ host, port });
    let ca: string | undefined;
    if (tls.caBundle) {
      if (tls.caBundle.includes('-----BEGIN')) ca = tls.caBundle;
      else if (this.deps.artifacts) ca = await this.deps.artifacts(tls.caBundle);
      else throw new Error(`CA bundle artifact ${tls.caBundle} named but no artifact reader given`);
    }
    return connectTls({
      host,
      port,
      servername: tls.serverName ?? (/^[\d.:]+$/.test(host) ? undefined : host),
      ca,
      cert: tls.clientCertificate,
      key: tls.clientKey,
      minVersion: tls.minVersion ?? 'TLSv1.2',
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
    });
  }

  private bind(socket: Socket, session: Session): void {
    const limits = this.config.limits ?? {};
    const connection: FixConnection = new FixConnection(socket, {
      maxMessageSize: limits.maxMessageSize ?? MIB,
      idleTimeoutSeconds: 0,
      onFrame: (frame) => {
        void session.receive(frame).then(() => {
          if (session.isLoggedOn) this.failures = 0;
        });
      },
      onGarbage: (bytes, reason) => this.event('warn', 'message', `Skipped ${bytes} bytes that are not FIX (${reason})`),
      onClose: (reason) => {
        this.connection = undefined;
        this.event('info', 'connection', `Connection closed: ${reason}`);
        void session.detached(connection, reason).then(() => this.connectSoon(this.nextDelay()));
      },
    });
    this.connection = connection;
    this.event('info', 'connection', `Connected to ${this.config.connection.host}:${this.config.connection.port}`);
    session.attach(connection);
    void session.tick();
  }

  private event(level: FixEvent['level'], category: FixEvent['category'], message: string, details?: Record<string, unknown>): void {
    try {
      this.deps.onEvent?.({ level, category, message, details: { session: this.current?.label, ...details } });
    } catch {
      // An event sink must never break the initiator.
    }
  }
}
