import pg from 'pg';
import type { NotificationHandler } from './database.ts';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTEN on one dedicated connection (a pooled one would hand its notifications to whoever borrows it
 * next), shared by every handler of the process. The connection opens with the first `listen` and is
 * replaced with backoff when lost; after a replacement every handler is called with `undefined`, since
 * whatever was notified in between is gone.
 */
export class PostgresNotifications {
  readonly #config: pg.ClientConfig;
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  #client: Promise<pg.Client> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(config: pg.ClientConfig) {
    this.#config = config;
  }

  async listen(channel: string, onNotify: NotificationHandler): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('the database is closed: cannot listen');
    let handlers = this.#handlers.get(channel);
    const first = handlers === undefined;
    if (!handlers) this.#handlers.set(channel, (handlers = new Set()));
    handlers.add(onNotify);
    try {
      const client = await this.#connection();
      // A connection made before this channel was added does not listen to it yet; LISTEN twice is harmless.
      if (first) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      this.#forget(channel, onNotify);
      throw error;
    }
    return async () => {
      if (!this.#forget(channel, onNotify) || this.#closed) return;
      const client = await this.#client?.catch(() => undefined);
      await client?.query(`UNLISTEN ${client.escapeIdentifier(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#handlers.clear();
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** True when the channel has no handlers left. */
  #forget(channel: string, onNotify: NotificationHandler): boolean {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(onNotify) || handlers.size > 0) return false;
    this.#handlers.delete(channel);
    return true;
  }

  #connection(): Promise<pg.Client> {
    this.#client ??= this.#connect();
    return this.#client;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ ...this.#config, keepAlive: true });
    client.on('notification', ({ channel, payload }) => {
      for (const handler of this.#handlers.get(channel) ?? []) handler(payload ?? '');
    });
    const lost = () => this.#lost(client);
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.#client = undefined;
      throw error;
    }
    return client;
  }

  #lost(client: pg.Client): void {
    void this.#client?.then((current) => {
      if (current !== client || this.#closed) return;
      this.#client = undefined;
      this.#reconnect();
    }, () => undefined);
  }

  #reconnect(): void {
    if (this.#closed || this.#handlers.size === 0 || this.#retry) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.#failures);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connection().then(
        () => {
          this.#failures = 0;
          for (const handlers of [...this.#handlers.values()]) for (const handler of handlers) handler(undefined);
        },
        () => {
          this.#failures++;
          this.#reconnect();
        },
      );
    }, delay);
    this.#retry.unref();
  }
}
